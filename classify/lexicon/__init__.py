"""Domain knowledge as data: companies, regulators, action words and sector terms (YAML).

The YAML files beside this module are the source of truth; this loader only reads and
indexes them. Names are matched case-insensitively on token boundaries.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources

import yaml

__all__ = [
    "FILES",
    "Entity",
    "entities",
    "actions",
    "reversals",
    "reversal_objects",
    "enders",
    "support_objects",
    "sector_terms",
    "chinese_words",
    "fingerprint",
]

FILES = ("companies.yaml", "regulators.yaml", "actions.yaml", "terms.yaml")


@dataclass(frozen=True)
class Entity:
    id: str
    names: tuple[str, ...]
    sectors: tuple[str, ...]
    kind: str
    country: str | None = None
    #: names that are also ordinary words (荣耀 "glory", 中兴 "revival"): they count only with
    #: a second cue nearby (another name of the same firm, a word of one of its sectors)
    needs_cue: tuple[str, ...] = ()


def _read(name: str) -> dict:
    path = resources.files(__name__).joinpath(name)
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text("utf-8")) or {}


@functools.cache
def entities() -> tuple[Entity, ...]:
    """Companies, products, people and regulators, in file order."""
    out = []
    for fname in ("companies.yaml", "regulators.yaml"):
        for e in _read(fname).get("entities", []):
            out.append(
                Entity(
                    id=e["id"],
                    names=tuple(str(n) for n in e.get("names", [])),
                    sectors=tuple(e.get("sectors", [])),
                    kind=e.get("kind", "company"),
                    country=e.get("country"),
                    needs_cue=tuple(str(n) for n in e.get("needs_cue", [])),
                )
            )
    return tuple(out)


def _word_lists(key: str) -> dict[str, tuple[str, ...]]:
    """One section of ``actions.yaml`` as ``{'en': words, 'zh': words}`` (empty if absent)."""
    data = _read("actions.yaml").get(key, {})
    return {lang: tuple(str(w) for w in data.get(lang, [])) for lang in ("en", "zh")}


@functools.cache
def actions() -> dict[str, dict[str, tuple[str, ...]]]:
    """Regulatory vocabulary by direction: {'tightening'|'easing'|'regulatory': {'en': ..., 'zh': ...}}."""
    return {k: _word_lists(k) for k in ("tightening", "easing", "regulatory")}


@functools.cache
def reversals(after: bool = False) -> dict[str, tuple[str, ...]]:
    """Words that undo a restriction ("lift", "relaxes", 取消, 解除): {'en': ..., 'zh': ...}.

    A tightening word a few tokens after one of them is its object ("lifts the ban", "judge
    blocks Montana's ban", 解除对美光的禁令): the pair is one easing action, not a tightening one.
    ``after``: the postposed ones instead, whose object comes just before them ("ban lifted",
    禁令解除, 关税战暂停).
    """
    return _word_lists("reversal_after" if after else "reversal")


def reversal_objects() -> dict[str, tuple[str, ...]]:
    """Restriction nouns a postposed undoer can lift ("ban", "tariffs", 禁令, 制裁): a
    tightening phrase ending in one of them is the object of "lifted", 解除 ... just after it
    (``reversals(after=True)``); misconduct words (违规, "illegal") are not."""
    return _word_lists("reversal_objects")


@functools.cache
def enders(after: bool = False) -> dict[str, tuple[str, ...]]:
    """Words that end or cut a support measure ("ends", "scraps", 取消, 终止): {'en': ..., 'zh': ...}.

    A support noun (:func:`support_objects`) a few tokens after one of them is its object
    ("ends the purchase tax exemption", 取消小包免税): the pair is one tightening action, not an
    easing one (LABELS.md: the end of a subsidy scheme is tightening). ``after``: the postposed
    ones, whose object comes just before them ("subsidies expired", 补贴退坡, 国补落幕).
    """
    return _word_lists("enders_after" if after else "enders")


@functools.cache
def support_objects() -> dict[str, tuple[str, ...]]:
    """Support measures an ender can end ("subsidies", "tax exemption", 补贴, 免税): an easing
    phrase ending in one of them is the object of "ends", 取消 … before it or of "expired",
    退坡 … just after it; other easing words ("approval", 支持) are not."""
    return _word_lists("support_objects")


@functools.cache
def sector_terms() -> dict[str, dict[str, tuple[str, ...]]]:
    """Topical vocabulary per sector: {sector: {'en': ..., 'zh': ...}}."""
    data = _read("terms.yaml").get("sectors", {})
    return {
        s: {lang: tuple(str(w) for w in v.get(lang, [])) for lang in ("en", "zh")}
        for s, v in data.items()
    }


def chinese_words() -> list[str]:
    """Every CJK name and term, for the segmenter's user dictionary."""
    words: set[str] = set()
    for e in entities():
        words.update(n for n in e.names if _has_cjk(n))
    for d in (
        list(actions().values())
        + list(sector_terms().values())
        + [reversals(), reversals(after=True), reversal_objects()]
        + [enders(), enders(after=True), support_objects()]
    ):
        words.update(w for w in d["zh"] if _has_cjk(w))
    return sorted(words)


def _has_cjk(s: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in s)


def fingerprint() -> str:
    """sha256 of the lexicon files, recorded in model manifests."""
    h = hashlib.sha256()
    for name in FILES:
        path = resources.files(__name__).joinpath(name)
        if path.is_file():
            h.update(name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()

"""Labelled examples: load label files, resolve id-only labels against corpora, check, count.

A label record is an Article plus ``sectors`` and ``tone`` (SPEC §1). Records from the shared
corpora carry only their ``id``; their text is third-party data and is resolved at load time
from the corpus files given with ``--corpus``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from classify.io import first_json, json_lines, parse_date
from classify.schema import (
    GUIDELINE_VERSION,
    MAX_SPECIFIC,
    SALIENCE,
    SECTORS,
    SPECIFIC_SECTORS,
    TONES,
)

__all__ = [
    "Example",
    "Problem",
    "label_files",
    "is_corpus_file",
    "read_examples",
    "resolve",
    "validate",
    "check",
    "merge",
    "stats",
]


@dataclass
class Example:
    """One labelled article."""

    id: str
    sectors: list[str]
    tone: str
    text: str | None = None
    title: str | None = None
    date: str | None = None
    file: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict)
    own_text: bool = False  # the label record carries its text (not resolved from a corpus)

    @property
    def source(self) -> str:
        """Where the article comes from: the outlet for seeds, the feed for corpus ids."""
        return self.extra.get("source") or self.id.split("-", 1)[0]


@dataclass
class Problem:
    file: str
    line: int
    id: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" ({self.id})" if self.id else "")
        return f"{self.severity}: {where}: {self.message}"


def label_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their *.jsonl files (sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.jsonl")))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"label file not found: {p}")
    return out


def is_corpus_file(path: str | Path) -> bool:
    """A JSONL file whose first record has text but no labels: a corpus, not a label file."""
    try:
        obj = first_json(path)
    except (OSError, ValueError):
        return False
    return isinstance(obj, dict) and "sectors" not in obj and "tone" not in obj and "text" in obj


def read_examples(paths: Iterable[str | Path]) -> tuple[list[Example], list[Problem]]:
    """Parse label files; malformed lines become Problems, not exceptions."""
    examples: list[Example] = []
    problems: list[Problem] = []
    for f in label_files(paths):
        for n, obj, err in json_lines(f):
            if err:
                problems.append(Problem(str(f), n, None, err))
                continue
            if not isinstance(obj, dict):
                problems.append(Problem(str(f), n, None, "expected a JSON object"))
                continue
            rid = obj.get("id")
            if not isinstance(rid, str) or not rid:
                problems.append(Problem(str(f), n, None, "missing or non-string 'id'"))
                continue
            sectors = obj.get("sectors")
            tone = obj.get("tone")
            if not isinstance(sectors, list) or not all(isinstance(s, str) for s in sectors):
                problems.append(Problem(str(f), n, rid, "'sectors' must be a list of sector ids"))
                continue
            if not isinstance(tone, str):
                problems.append(Problem(str(f), n, rid, "'tone' must be one tone id"))
                continue
            extra = {
                k: v
                for k, v in obj.items()
                if k not in ("id", "sectors", "tone", "text", "title", "date")
            }
            text = obj.get("text")
            examples.append(
                Example(
                    rid,
                    sectors,
                    tone,
                    text,
                    obj.get("title"),
                    obj.get("date"),
                    str(f),
                    n,
                    extra,
                    own_text=bool(text),
                )
            )
    return examples, problems


def resolve(examples: list[Example], corpora: Iterable[str | Path]) -> list[Problem]:
    """Fill the text/title/date of id-only examples from corpus files (streamed, one pass each)."""
    need = {e.id: e for e in examples if not e.text}
    for path in corpora:
        if not need:
            break
        for _, r, _err in json_lines(path):
            e = need.pop(r.get("id"), None) if isinstance(r, dict) else None
            if e is not None:
                e.text, e.title = r.get("text"), e.title or r.get("title")
                e.date = e.date or r.get("date")
    return [
        Problem(e.file, e.line, e.id, "no text, and the id is not in any --corpus file")
        for e in need.values()
    ]


def validate(examples: list[Example]) -> list[Problem]:
    """Check every example against the guideline version (ids, combinations, duplicates, dates)."""
    problems: list[Problem] = []
    seen: dict[str, Example] = {}
    for e in examples:

        def bad(msg: str, sev: str = "error", e: Example = e) -> None:
            problems.append(Problem(e.file, e.line, e.id, msg, sev))

        unknown = [s for s in e.sectors if s not in SECTORS]
        if unknown:
            bad(f"unknown sector id(s) {unknown} (guidelines {GUIDELINE_VERSION})")
        if e.tone not in TONES:
            bad(f"unknown tone id {e.tone!r}; expected one of {list(TONES)}")
        if len(set(e.sectors)) != len(e.sectors):
            bad("a sector is listed twice")
        if "non_tech" in e.sectors:
            if len(e.sectors) > 1:
                bad("non_tech must stand alone")
            if e.tone != "none":
                bad("a non_tech article's tone is always 'none'")
        if sum(s in SPECIFIC_SECTORS for s in e.sectors) > MAX_SPECIFIC:
            bad(
                f"more than {MAX_SPECIFIC} specific sectors: keep the four largest and add cross_sector"
            )
        sal = e.extra.get("reg_salience")
        if sal is not None and sal not in SALIENCE:
            bad(f"reg_salience must be one of {list(SALIENCE)}")
        if sal is not None and e.tone == "none":
            bad("reg_salience given but tone is 'none'", "warning")
        if e.date is not None and (not isinstance(e.date, str) or parse_date(e.date) is None):
            bad(f"date is not ISO 8601: {e.date!r}")
        if e.text is not None and (not isinstance(e.text, str) or not e.text.strip()):
            bad("text is empty")
        if e.id in seen:
            first = seen[e.id]
            bad(f"duplicate id (first at {first.file}:{first.line})")
        else:
            seen[e.id] = e
    return problems


def check(
    paths: Iterable[str | Path], corpora: Iterable[str | Path] = ()
) -> tuple[list[Example], list[Problem]]:
    """Read, resolve and validate label files: what ``classify labels check`` runs."""
    examples, problems = read_examples(paths)
    problems += resolve(examples, corpora)
    problems += validate(examples)
    return examples, problems


def merge(examples: list[Example]) -> tuple[list[Example], list[str]]:
    """Later files win for a repeated id (how retraining adds new labels); returns notes on overrides."""
    by_id: dict[str, Example] = {}
    notes = []
    for e in examples:
        if e.id in by_id and by_id[e.id].file != e.file:
            notes.append(f"{e.id}: label from {by_id[e.id].file} replaced by {e.file}")
        by_id[e.id] = e
    return list(by_id.values()), notes


def stats(examples: list[Example]) -> dict:
    """Counts per sector, tone, source and year (for ``classify labels stats``)."""
    year = Counter()
    for e in examples:
        try:
            year[str(dt.date.fromisoformat(e.date[:10]).year) if e.date else "undated"] += 1
        except ValueError:
            year["undated"] += 1
    by_file = Counter(Path(e.file).name for e in examples)
    return {
        "examples": len(examples),
        "sectors": {s: sum(s in e.sectors for e in examples) for s in SECTORS},
        "tones": {t: sum(e.tone == t for e in examples) for t in TONES},
        "sources": dict(Counter(e.source for e in examples).most_common()),
        "files": dict(by_file),
        "years": dict(sorted(year.items())),
        "sectors_per_example": round(
            sum(len(e.sectors) for e in examples) / max(1, len(examples)), 3
        ),
    }

"""Versioned models: ``models/<name>/<version>/`` bundles and an atomically updated ``CURRENT``.

A model *name* directory holds numbered bundle versions (``v001``, ``v002``, …), a ``CURRENT``
file naming the version that ``Predictor.load()`` uses, and ``HISTORY.jsonl``, an append-only
log of promotions and rollbacks (with the reason when a promotion was forced).

``CURRENT`` is replaced with ``os.replace`` after the new content is fsynced, so a crash at
any moment leaves it naming a complete bundle (bundles themselves are written atomically by
:func:`classify.bundle.write_bundle`).
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classify import storage
from classify.bundle import MANIFEST, BundleError, load_bundle, read_manifest

__all__ = [
    "CURRENT",
    "HISTORY",
    "is_bundle",
    "is_registry",
    "resolve",
    "load",
    "versions",
    "next_version",
    "current",
    "promote",
    "history",
    "rollback",
    "describe",
]

CURRENT = "CURRENT"
HISTORY = "HISTORY.jsonl"
_VERSION_RE = re.compile(r"^v(\d{3,})$")


def is_bundle(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def is_registry(path: Path) -> bool:
    return (path / CURRENT).is_file() or any(
        _VERSION_RE.match(p.name) for p in path.glob("v*") if p.is_dir()
    )


def resolve(path: str | Path) -> Path:
    """The bundle directory a path means: a bundle itself, or the CURRENT version of a name dir."""
    p = Path(path)
    if is_bundle(p):
        return p
    cur = p / CURRENT
    if cur.is_file():
        version = cur.read_text(encoding="utf-8").strip()
        target = p / version
        if not _VERSION_RE.match(version) or not target.is_dir():
            raise BundleError(f"{cur} names {version!r}, which is not a bundle version in {p}")
        return target
    if p.is_dir() and is_registry(p):
        raise BundleError(
            f"{p} has model versions but no {CURRENT}: promote one with `classify models promote`"
        )
    raise BundleError(f"model bundle not found: {p}")


def load(path: str | Path) -> tuple[Any, dict, Path]:
    """Verify and load the bundle a path means (:func:`resolve`): (compiled model, manifest, dir)."""
    return load_bundle(resolve(path))


def versions(name_dir: str | Path) -> list[str]:
    d = Path(name_dir)
    found = [
        p.name for p in d.glob("v*") if p.is_dir() and _VERSION_RE.match(p.name) and is_bundle(p)
    ]
    return sorted(found, key=lambda v: int(v[1:]))


def next_version(name_dir: str | Path) -> str:
    d = Path(name_dir)
    taken = [int(m.group(1)) for p in d.glob("v*") if (m := _VERSION_RE.match(p.name))]
    return f"v{max(taken, default=0) + 1:03d}"


def current(name_dir: str | Path) -> str | None:
    cur = Path(name_dir) / CURRENT
    return cur.read_text(encoding="utf-8").strip() if cur.is_file() else None


def _write_atomic(path: Path, text: str) -> None:
    storage.write_text_atomic(path, text)


def _log(name_dir: Path, event: dict) -> None:
    event = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **event}
    with open(name_dir / HISTORY, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(event, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def promote(
    name_dir: str | Path,
    version: str,
    *,
    reason: str | None = None,
    forced: bool = False,
    action: str = "promote",
) -> None:
    """Point CURRENT at ``version`` (which must be a complete, verifiable bundle)."""
    from classify.bundle import verify

    d = Path(name_dir)
    if version not in versions(d):
        raise BundleError(
            f"no bundle version {version!r} in {d} (have: {', '.join(versions(d)) or 'none'})"
        )
    verify(d / version)
    previous = current(d)
    _write_atomic(d / CURRENT, version + "\n")
    _log(
        d,
        {
            "action": action,
            "version": version,
            "previous": previous,
            "forced": forced,
            "reason": reason,
        },
    )


def history(name_dir: str | Path) -> list[dict]:
    p = Path(name_dir) / HISTORY
    if not p.is_file():
        return []
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line after a crash is ignored
    return out


def rollback(name_dir: str | Path) -> str:
    """Make the version that was current before the present one current again."""
    d = Path(name_dir)
    now = current(d)
    previous = None
    for event in reversed(history(d)):
        if event.get("version") == now and event.get("previous") not in (None, now):
            previous = event["previous"]
            break
    if previous is None:
        older = [v for v in versions(d) if now and int(v[1:]) < int(now[1:])]
        previous = older[-1] if older else None
    if previous is None:
        raise BundleError(f"nothing to roll back to in {d} (current: {now})")
    promote(d, previous, reason=f"rollback from {now}", action="rollback")
    return previous


def describe(name_dir: str | Path) -> list[dict]:
    """One row per version: created, candidate, examples, CV macro-F1s, current marker, promotion note."""
    d = Path(name_dir)
    cur = current(d)
    rows = []
    for v in versions(d):
        man = read_manifest(d / v)
        m = man.get("metrics", {})
        rows.append(
            {
                "version": v,
                "current": v == cur,
                "created": man.get("created"),
                "candidate": man.get("candidate"),
                "examples": man.get("training_data", {}).get("examples"),
                "sector_macro_f1": m.get("sectors", {}).get("macro_f1"),
                "tone_macro_f1": m.get("tone", {}).get("macro_f1"),
                "forced_reason": man.get("promotion", {}).get("reason"),
            }
        )
    return rows

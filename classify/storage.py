"""The storage layer under model bundles, the version registry and topic models.

One implementation of what every saved artefact needs:

* :func:`write_dir_atomic` — a directory written in full beside its destination, then swapped
  in with ``os.replace`` (a reader sees the old directory or the new one, never half of one),
  files fsynced first; temp directories that a killed writer left behind are cleaned up by the
  next write (:func:`clean_stale`), and a swap killed half-way gets its previous directory back;
* :func:`write_text_atomic` — the same for one small file (``CURRENT``);
* :func:`file_hashes` / :func:`verify_files` — the sha256 manifest of a directory and its check;
* :func:`package_versions` — the versions a manifest records;
* :func:`write_safetensors` / :func:`read_safetensors` — numpy arrays in the safetensors
  layout (what BERTopic saves), without the ``safetensors`` package.

It imports only the standard library and numpy, so everything above may use it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "sha256_file",
    "file_hashes",
    "verify_files",
    "package_versions",
    "write_dir_atomic",
    "write_text_atomic",
    "clean_stale",
    "write_safetensors",
    "read_safetensors",
]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_hashes(d: Path, names: Iterable[str] | None = None) -> dict[str, str]:
    """``{relative posix path: sha256}`` of the named files, or of every file under ``d``."""
    d = Path(d)
    if names is None:
        names = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
    return {name: sha256_file(d / name) for name in names}


def verify_files(
    d: Path, files: dict[str, str], error: Callable[[str], Exception], what: str = "directory"
) -> None:
    """Raise ``error(message)`` unless every listed file exists under ``d`` with its sha256."""
    for name, digest in files.items():
        p = Path(d) / name
        if not p.is_file():
            raise error(f"{what} {d} is incomplete: {name} is missing")
        if sha256_file(p) != digest:
            raise error(
                f"{what} {d} failed verification: {name} does not match its sha256 in the "
                "manifest (corrupt or edited)"
            )


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Python's version and each named distribution's (``not installed`` when absent)."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# ----------------------------------------------------------------------------- atomic writes


def _owner() -> str:
    """``host-pid`` in temp names, so a later write can tell a dead writer's leftovers."""
    host = re.sub(r"[^A-Za-z0-9]", "_", platform.node()) or "host"
    return f"{host}-{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: Path) -> None:
    """Remove the temp dirs that killed writes (SIGKILL, power loss) left beside ``out``.

    Only those written from this host by a process that no longer exists; a live writer's
    temp dir is never touched. A killed swap can leave ``out`` missing with the previous
    directory still in ``.NAME.old-*``: that one is put back instead of removed.
    """
    host = _owner().rsplit("-", 1)[0]
    pat = re.compile(rf"^\.(?P<name>.+)\.(?P<kind>tmp|old)-{re.escape(host)}-(?P<pid>\d+)")
    for p in sorted(out.parent.glob(".*"), reverse=True):
        m = pat.match(p.name)
        if not m or not p.is_dir() or _alive(int(m["pid"])):
            continue
        target = out.parent / m["name"]
        try:
            if m["kind"] == "old" and not target.exists():
                os.replace(p, target)  # the previous complete directory
            else:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue  # best effort: never a reason to fail the write itself


def write_dir_atomic(out: str | Path, fill: Callable[[Path], None]) -> Path:
    """Write a directory atomically: ``fill(tmp)`` writes it beside ``out``, then it replaces ``out``.

    Every file is fsynced before the swap; an exception (or a kill) leaves the previous
    ``out``, if any, untouched. The directory is made world-readable (it is meant to be shared).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{_owner()}-", dir=out.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it owner-only
    try:
        fill(tmp)
        for p in tmp.rglob("*"):
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
        if out.exists():
            old = out.parent / f".{out.name}.old-{_owner()}"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_text_atomic(path: Path, text: str) -> None:
    """Replace a small text file atomically (temp file, fsync, ``os.replace``, fsync the dir)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# ----------------------------------------------------------------------------- safetensors

_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}
_ST_NAMES = {np.dtype(v): k for k, v in _ST_DTYPES.items()}


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """Write arrays in the safetensors format (the layout BERTopic saves and loads).

    The ``safetensors`` package is not a dependency; the format is an 8-byte header length,
    a JSON header, then the raw little-endian buffers.
    """
    header: dict[str, Any] = {}
    chunks: list[bytes] = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in _ST_NAMES:
            a = a.astype(np.int64 if a.dtype.kind in "iu" else np.float32)
        buf = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": _ST_NAMES[a.dtype],
            "shape": list(a.shape),
            "data_offsets": [offset, offset + len(buf)],
        }
        chunks.append(buf)
        offset += len(buf)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read arrays written by :func:`write_safetensors` (or by the safetensors package)."""
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        lo, hi = spec["data_offsets"]
        dtype = np.dtype(_ST_DTYPES[spec["dtype"]]).newbyteorder("<")
        out[name] = (
            np.frombuffer(data[base + lo : base + hi], dtype=dtype).reshape(spec["shape"]).copy()
        )
    return out

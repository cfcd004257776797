"""classify.storage: atomic directory writes, sha256 manifests, the safetensors codec."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from classify.storage import (
    clean_stale,
    file_hashes,
    read_safetensors,
    verify_files,
    write_dir_atomic,
    write_safetensors,
    write_text_atomic,
)


def test_safetensors_round_trip(tmp_path: Path) -> None:
    arrays = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": np.array([1, 2, 3], dtype=np.int64),
    }
    write_safetensors(tmp_path / "x.safetensors", arrays)
    raw = (tmp_path / "x.safetensors").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    assert json.loads(raw[8 : 8 + n])["a"]["dtype"] == "F32" and n % 8 == 0
    back = read_safetensors(tmp_path / "x.safetensors")
    assert all(
        np.array_equal(back[k], arrays[k]) and back[k].dtype == arrays[k].dtype for k in arrays
    )


def _fill(text: str):  # noqa: ANN202
    def fill(d: Path) -> None:
        (d / "a.txt").write_text(text, encoding="utf-8")
        (d / "sub").mkdir()
        (d / "sub" / "b.txt").write_text(text * 2, encoding="utf-8")

    return fill


def test_write_dir_atomic_replaces_whole_and_keeps_the_old_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "model"
    write_dir_atomic(out, _fill("one"))
    assert (out / "a.txt").read_text() == "one" and (out / "sub" / "b.txt").read_text() == "oneone"
    assert oct(out.stat().st_mode & 0o777) == "0o755"

    def broken(d: Path) -> None:
        (d / "a.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("killed half-way")

    with pytest.raises(RuntimeError):
        write_dir_atomic(out, broken)
    assert (out / "a.txt").read_text() == "one"  # the previous directory, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp dir left behind
    write_dir_atomic(out, _fill("two"))
    assert (out / "a.txt").read_text() == "two"


def test_clean_stale_removes_dead_writers_temp_and_restores_a_half_swap(tmp_path: Path) -> None:
    import platform
    import re

    host = re.sub(r"[^A-Za-z0-9]", "_", platform.node()) or "host"
    dead = 2**22 + 12345  # no such pid
    while True:
        try:
            os.kill(dead, 0)
            dead += 1
        except ProcessLookupError:
            break
        except PermissionError:
            dead += 1
    tmp = tmp_path / f".model.tmp-{host}-{dead}-abc"
    tmp.mkdir()
    old = tmp_path / f".model.old-{host}-{dead}"
    old.mkdir()
    (old / "a.txt").write_text("previous", encoding="utf-8")
    live = tmp_path / f".model.tmp-{host}-{os.getpid()}-xyz"
    live.mkdir()
    clean_stale(tmp_path / "model")
    assert not tmp.exists() and live.exists()
    assert (tmp_path / "model" / "a.txt").read_text() == "previous"  # put back, not deleted


def test_file_hashes_and_verify(tmp_path: Path) -> None:
    _fill("x")(tmp_path)
    files = file_hashes(tmp_path)
    assert sorted(files) == ["a.txt", "sub/b.txt"]
    verify_files(tmp_path, files, ValueError)
    (tmp_path / "sub" / "b.txt").write_text("edited", encoding="utf-8")
    with pytest.raises(ValueError, match="sub/b.txt does not match its sha256"):
        verify_files(tmp_path, files, ValueError)
    (tmp_path / "a.txt").unlink()
    with pytest.raises(ValueError, match="a.txt is missing"):
        verify_files(tmp_path, files, ValueError)


def test_write_text_atomic(tmp_path: Path) -> None:
    p = tmp_path / "CURRENT"
    write_text_atomic(p, "v001\n")
    write_text_atomic(p, "v002\n")
    assert p.read_text() == "v002\n" and [x.name for x in tmp_path.iterdir()] == ["CURRENT"]

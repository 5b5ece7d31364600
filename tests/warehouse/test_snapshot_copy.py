"""The copy an incremental build starts from (warehouse.snapshots.copy): the same bytes whichever way
the kernel copies, shutil where copy_file_range is missing or refused, and a real error kept."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

import pytest

from warehouse import snapshots


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot-1.duckdb"
    path.write_bytes(random.Random(20).randbytes(3 * 1024 * 1024 + 17))  # not a whole number of blocks
    return path


def test_the_copy_has_the_same_bytes(snapshot: Path, tmp_path: Path):
    target = tmp_path / "building-1.duckdb"
    snapshots.copy(snapshot, target)
    assert target.read_bytes() == snapshot.read_bytes()


def test_a_short_copy_call_is_continued(snapshot: Path, tmp_path: Path, monkeypatch):
    real = os.copy_file_range
    calls = []

    def at_most_a_mebibyte(src, dst, count, *args):
        calls.append(count)
        return real(src, dst, min(count, 1024 * 1024), *args)

    monkeypatch.setattr(os, "copy_file_range", at_most_a_mebibyte)
    target = tmp_path / "building-1.duckdb"
    snapshots.copy(snapshot, target)
    assert target.read_bytes() == snapshot.read_bytes()
    assert len(calls) == 4


@pytest.mark.parametrize("code", [errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP])
def test_refused_by_the_kernel_shutil_copies(snapshot: Path, tmp_path: Path, monkeypatch, code: int):
    def refused(*args):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "copy_file_range", refused)
    target = tmp_path / "building-1.duckdb"
    target.write_bytes(b"left from before")
    snapshots.copy(snapshot, target)
    assert target.read_bytes() == snapshot.read_bytes()


def test_without_copy_file_range_shutil_copies(snapshot: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delattr(os, "copy_file_range")  # not Linux
    target = tmp_path / "building-1.duckdb"
    snapshots.copy(snapshot, target)
    assert target.read_bytes() == snapshot.read_bytes()


def test_a_full_disk_is_an_error_not_a_second_try(snapshot: Path, tmp_path: Path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "copy_file_range", full)
    with pytest.raises(OSError, match="No space left"):
        snapshots.copy(snapshot, tmp_path / "building-1.duckdb")

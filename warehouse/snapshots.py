"""Published snapshots of the warehouse: how readers and writers stay out of each other's way.

DuckDB locks a database file per process (one process may write it, or several may read it, never
both): while the dashboard holds the file open, an ingest cannot write it, and while an ingest
writes, the dashboard cannot open it, not even read-only. So ingest writes the *ingest database*
(CX_DB), and `cx build` builds every model into a brand-new file under `<db>-serving/`, then
publishes it by atomically replacing the pointer file CURRENT.
Readers resolve CURRENT and open that snapshot read-only: they see the old snapshot or the new
one, never a mix, and they never hold a lock the writer needs.

A build writes `building-<time>-<pid>.duckdb`, renamed to `snapshot-<time>-<pid>.duckdb` only
when it is published: a build killed half-way leaves a `building-` file, which is no snapshot (it
is not among the KEEP_SNAPSHOTS kept) and which the next build removes once its process is gone.
"""

from __future__ import annotations

import errno
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

KEEP_SNAPSHOTS = 3


def serving_dir(db: Path) -> Path:
    return db.parent / f"{db.stem}-serving"


def new_build_path(db: Path) -> Path:
    """The file a new build writes; it becomes a snapshot when published."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return serving_dir(db) / f"building-{stamp}-{os.getpid()}.duckdb"


def publish(db: Path, built: Path) -> Path:
    """Make the finished build `built` a snapshot and point readers at it (atomic renames), then
    drop old snapshots. Returns the snapshot. On an error (a full disk) nothing changed for readers
    and `built` is left to the caller."""
    snapshot = built.with_name(built.name.replace("building-", "snapshot-", 1))
    pointer = serving_dir(db) / "CURRENT"
    tmp = pointer.with_name(f"CURRENT.tmp{os.getpid()}")
    try:
        tmp.write_text(snapshot.name)  # the one write: on a full disk it fails before any rename
        os.replace(built, snapshot)
        try:
            os.replace(tmp, pointer)
        except OSError:
            os.replace(snapshot, built)
            raise
    finally:
        tmp.unlink(missing_ok=True)
    old = sorted(p for p in serving_dir(db).glob("snapshot-*.duckdb") if p.name != snapshot.name)
    # A reader may still have an older snapshot open; unlinking an open file is safe on POSIX,
    # and the newest few are kept for readers that resolved CURRENT a moment ago.
    for path in old[: max(0, len(old) - (KEEP_SNAPSHOTS - 1))]:
        remove(path)
    return snapshot


def copy(source: Path, target: Path) -> None:
    """Copy the published snapshot `source` to `target`, the file an incremental build brings up to
    date. With copy_file_range the kernel clones the file where the filesystem shares blocks between
    files (XFS with reflink, btrfs): no byte is copied, the copy takes no time and no disk until the
    build rewrites blocks (a 1.6 GB snapshot at 10M order lines: 1.0-4.4 s -> 0.00 s on XFS,
    bench/RESULTS.md). Elsewhere (ext4) it copies in the kernel, as fast as shutil's sendfile.
    Where the call is missing (not Linux) or refused (across filesystems on some kernels), shutil
    copies; any other error (a full disk, a permission) is raised, for the build's one-line message."""
    if hasattr(os, "copy_file_range"):
        try:
            _copy_file_range(source, target)
            return
        except OSError as exc:
            if exc.errno not in _NO_COPY_FILE_RANGE:
                raise
    shutil.copyfile(source, target)


def _copy_file_range(source: Path, target: Path) -> None:
    with open(source, "rb") as read, open(target, "wb") as write:
        left = os.fstat(read.fileno()).st_size
        while left > 0:
            copied = os.copy_file_range(read.fileno(), write.fileno(), left)
            if copied == 0:  # the source ended early (it is never written while published)
                break
            left -= copied


# copy_file_range's errors that mean "not here", not "failed": not implemented, not across these
# filesystems, not for this kind of file
_NO_COPY_FILE_RANGE = {errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP}


def remove(path: Path) -> None:
    """A database file of the serving folder, with its WAL and DuckDB's spill folder."""
    path.unlink(missing_ok=True)
    Path(f"{path}.wal").unlink(missing_ok=True)
    shutil.rmtree(f"{path}.tmp", ignore_errors=True)


def remove_older(db: Path) -> list[Path]:
    """Remove every snapshot but the current one, and the Spark run folders (copies of the sources):
    after data was deleted for good (retention, an erasure), older snapshots must not keep it.
    A reader holding one open keeps reading it (POSIX). Returns what was removed."""
    current = current_snapshot(db)
    folder = serving_dir(db)
    old = [p for p in folder.glob("snapshot-*.duckdb") if current is None or p.name != current.name]
    spark = [p for p in folder.glob("spark-*") if p.is_dir()]
    for path in old:
        remove(path)
    for path in spark:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(old + spark)


def remove_abandoned(db: Path) -> None:
    """Remove what builds killed half-way left (their `building-` files, pointer drafts): those
    of processes that are gone. A build running in another process keeps its file."""
    folder = serving_dir(db)
    left = [*folder.glob("building-*.duckdb"), *folder.glob("CURRENT.tmp*"), *folder.glob("building-*-tmp")]
    for path in left:
        stem = path.name.removesuffix(".duckdb").removesuffix("-tmp")
        pid = stem.rsplit("-", 1)[-1].removeprefix("CURRENT.tmp")
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            if path.is_dir():  # a build's spill folder (build.limit_memory)
                shutil.rmtree(path, ignore_errors=True)
            else:
                remove(path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def current_snapshot(db: Path) -> Path | None:
    pointer = serving_dir(db) / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    path = serving_dir(db) / name
    return path if path.exists() else None

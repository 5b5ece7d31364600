"""The drop folder: every new file in DIR is ingested (the same checks and results as `cx ingest`)
and moved to DIR/done/ or DIR/failed/ with its result beside it (`<name>.result.json`).

Exactly once, even with two runs at once: a run holds an exclusive lock on `DIR/.inbox.lock` (a
second run finds it taken and leaves at once), and each file is claimed by an atomic rename into
`DIR/.processing/` before it is read, so a file is ingested and moved by one run only. A file is
left where it is when the warehouse could not be opened at all (e.g. another process is writing
it): that is not the file's fault, and the next run takes it. Names starting with a dot or ending
in `.part`/`.tmp` are files still being written: a sender writes to such a name and renames it.
A `<stem>.questions.toml` beside an export is its survey question mapping and moves with it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest.readers import EXPORT_SUFFIXES

QUESTIONS = ".questions.toml"
IN_FLIGHT = (".part", ".tmp", ".partial", ".crdownload")


class InboxBusy(Exception):
    """Another `cx inbox` is working on this folder."""


@dataclass
class Moved:
    name: str
    outcome: str  # done | failed
    moved_to: Path
    sha256: str
    results: list[dict] = field(default_factory=list)
    message: str = ""


def base_name(name: str) -> str:
    lower = name.lower()
    for suffix in sorted(EXPORT_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def new_files(folder: Path) -> list[Path]:
    """The files waiting in the folder (not its subfolders), oldest name first."""
    out = []
    for p in sorted(folder.iterdir()):
        name = p.name
        if not p.is_file() or name.startswith(".") or name.lower().endswith(IN_FLIGHT + (QUESTIONS,)):
            continue
        out.append(p)
    return out


@contextmanager
def folder_lock(folder: Path):
    fh = open(folder / ".inbox.lock", "a")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise InboxBusy(
                    f"another `cx inbox` is working on {folder}; this run leaves it to that one"
                ) from None
            raise
        yield
    finally:
        fh.close()


def claim(path: Path, processing: Path) -> Path | None:
    """Move `path` into the processing folder; None when another run took it first."""
    target = processing / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def free_name(folder: Path, name: str, now: datetime) -> str:
    """`name`, or with a time-stamped suffix before its extension when `name` (or its result) is
    already there."""

    def taken(n: str) -> bool:
        return (folder / n).exists() or (folder / f"{n}.result.json").exists()

    if not taken(name):
        return name
    base = base_name(name)
    ext = name[len(base) :]
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    candidate, i = f"{base}.{stamp}{ext}", 1
    while taken(candidate):
        i += 1
        candidate = f"{base}.{stamp}-{i}{ext}"
    return candidate


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def process(folder: Path, ingest, now: datetime | None = None) -> list[Moved]:
    """Claim, ingest and move every new file. `ingest(files, questions)` returns result dicts (with
    `file`) or raises when nothing could be loaded at all (the files then go back to the folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"inbox folder {folder} does not exist")
    processing = folder / ".processing"
    for sub in (processing, folder / "done", folder / "failed"):
        sub.mkdir(exist_ok=True)
    moved: list[Moved] = []
    with folder_lock(folder):
        # a run killed half-way left its claimed files in .processing: they are new again
        for stale in sorted(processing.iterdir()):
            if stale.is_file():
                os.rename(stale, folder / stale.name)
        claimed: list[tuple[Path, Path | None]] = []
        for path in new_files(folder):
            mine = claim(path, processing)
            if mine is None:
                continue
            q = folder / f"{base_name(path.name)}{QUESTIONS}"
            claimed.append((mine, claim(q, processing) if q.exists() else None))
        if not claimed:
            return []
        # exports without a questions file go together (ingest orders them: headers before lines)
        batches: list[tuple[list[Path], Path | None]] = [([f for f, q in claimed if q is None], None)]
        batches += [([f], q) for f, q in claimed if q is not None]
        results: dict[str, list[dict]] = {}
        try:
            for files, q in batches:
                if files:
                    for r in ingest(files, q):
                        results.setdefault(Path(r["file"]).name, []).append(r)
        except Exception:
            for f, q in claimed:  # nothing of theirs was judged: give them back for the next run
                for p in (f, q):
                    if p is not None and p.exists():
                        os.rename(p, folder / p.name)
            raise
        now = now or datetime.now(UTC)
        for f, q in claimed:
            rows = results.get(f.name) or [
                {"file": f.name, "status": "refused", "message": f"{f.name}: no result from the ingest"}
            ]
            failed = any(r["status"] == "refused" for r in rows)
            outcome = "failed" if failed else "done"
            dest = folder / outcome
            digest = sha256(f)
            name = free_name(dest, f.name, now)
            os.rename(f, dest / name)
            if q is not None:
                os.rename(q, dest / free_name(dest, q.name, now))
            record = {
                "file": f.name,
                "moved_to": f"{outcome}/{name}",
                "outcome": outcome,
                "sha256": digest,
                "processed_at": now.isoformat(timespec="seconds"),
                "questions": q.name if q is not None else None,
                "results": [{**r, "file": f"{outcome}/{name}"} for r in rows],
            }
            (dest / f"{name}.result.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
            message = "; ".join(r["message"] for r in rows if r["status"] == "refused")
            moved.append(Moved(f.name, outcome, dest / name, digest, rows, message))
    return moved

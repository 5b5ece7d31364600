"""Ingest orchestration: files -> detect profile -> stage as text -> check -> load, one result per
file and source.

    results = ingest_paths([Path("exports/orders.csv")], Path("data/warehouse.duckdb"))

Every file ends in one meta.file_loads row per source it feeds (a Zendesk ticket export feeds
contacts and, through its companion profile, surveys) with status loaded, duplicate (same content
already loaded into that source, under any name), refused (cannot be read as an export of a known
source; nothing of it is written but the log row) or skipped (a recognised export that feeds no
source). Files whose profile looks up another source are loaded after the others of the same
invocation. Each invocation is one meta.ingest_runs row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from config.settings import Settings
from ingest.contracts import CONTRACTS, source_name
from ingest.loader import (
    ERROR_SHARE_MIN_ROWS,
    MAX_ERROR_SHARE,
    ErrorLimit,
    FileInfo,
    TooManyErrors,
    load_file,
    start_errors,
)
from ingest.profiles import Profile, ProfileError, detect_profile, load_profiles
from ingest.profiles.answers import Questions, QuestionsError, parse_questions
from ingest.progress import FileProgress
from ingest.read_errors import cut, printable, quote, redact
from ingest.readers import Refused, open_export
from ingest.results import FileResult
from ingest.staging import load_order, lookup_reader, stage_profile
from ingest.store import close_interrupted_runs, ensure_schema, log_file
from warehouse.sql_text import literal

# DuckDB's own memory while loading; with Polars' streaming stage this keeps a 10M-line file well
# under 2 GB RSS. Spills go to a temp folder beside the warehouse file. A larger file gets more
# (MEMORY_PER_ROW, at most a quarter of the machine's memory): the key checks and the search for the
# rows left behind hash every row's key, and at 50M lines those tables spilled past 1 GB (the two
# steps took 103 s instead of ~25 s).
MEMORY_LIMIT = "1GB"
MEMORY_LIMIT_BYTES = 1024**3
MEMORY_PER_ROW = 80
HASH_CHUNK = 8 * 1024 * 1024
ERROR_CHARACTERS = 500  # of an unforeseen error quoted in a refusal


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def file_sha256(path: Path, on_bytes=None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
            if on_bytes:
                on_bytes(len(chunk))
    return digest.hexdigest()


def ingest_paths(
    paths: list[Path],
    db: Path,
    source: str | None = None,
    profile: str | None = None,
    progress: bool = False,
    *,
    settings: Settings | None = None,
    profile_dirs: list[Path] | None = None,
    questions: str | None = None,
    max_error_share: float = MAX_ERROR_SHARE,
    error_share_min_rows: int = ERROR_SHARE_MIN_ROWS,
    sheet: str | None = None,
) -> list[FileResult]:
    """Ingest `paths` (files; directories are expanded by the CLI) into the DuckDB file `db`.

    `questions` says which columns of wide survey exports hold NPS/CSAT/CES answers
    ("nps=Q1,csat=Q3" or a TOML file; ingest.profiles.answers). A file is refused whole when,
    after `error_share_min_rows` rows, more than `max_error_share` of its rows break a rule
    other than duplicate_key and not_a_fact (loader.ErrorLimit; CX_MAX_ERROR_SHARE). Of a workbook
    every sheet a profile accepts is read, or only the sheet `sheet` (ingest.workbooks)."""
    limit = ErrorLimit(max_error_share, error_share_min_rows)
    source = source_name(source)  # pos, support, survey: orders, contacts, surveys
    settings = settings or Settings()  # the defaults; entry points pass what the environment says
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    started = utcnow()
    run_id = new_run_id(started)
    results: list[FileResult] = []
    con = duckdb.connect(str(db))  # takes DuckDB's write lock: no other ingest runs on this file now
    workdir = _workdir(db, run_id)
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"set temp_directory = {literal(workdir / 'duckdb-tmp')}")
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = false")  # DuckDB would print it to stdout (breaks --json)
        ensure_schema(con)
        close_interrupted_runs(con)
        con.execute(
            "insert into meta.ingest_runs values (?, ?, null, 'running', ?, 0, 0, 0)",
            [run_id, started, len(paths)],
        )
        try:
            profiles = load_profiles(profile_dirs)
        except ProfileError as exc:
            profiles, profile_error = {}, str(exc)
        else:
            profile_error = None
        suites = _Suites(started)
        try:
            declared = (parse_questions(questions), None)
        except QuestionsError as exc:
            declared = (None, str(exc))
        paths = load_order([Path(p) for p in paths], profiles, source, profile, workdir)
        with FileProgress(progress) as bar:
            for path in paths:
                path = Path(path)
                advance = bar.file(path)
                try:
                    if profile_error:
                        raise Refused(f"profiles could not be loaded: {profile_error}", complete=True)
                    file_results = _ingest_one(
                        con,
                        path,
                        source,
                        profile,
                        profiles,
                        suites,
                        settings,
                        run_id,
                        workdir,
                        advance,
                        declared,
                        limit,
                        sheet,
                    )
                except Refused as exc:
                    file_results = [_refused(con, path, run_id, exc, source, profile, profiles)]
                except Exception as exc:  # anything unforeseen: report the file as refused, keep going
                    wrapped = Refused(
                        f"unexpected error: {type(exc).__name__}: {_one_line(exc)}", complete=True
                    )
                    file_results = [_refused(con, path, run_id, wrapped, source, profile, profiles)]
                results.extend(file_results)
        _finish_run(con, run_id, results)
    finally:
        con.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def _workdir(db: Path, run_id: str) -> Path:
    """A scratch folder beside the warehouse for the stage files and DuckDB's spills. Folders left
    by a killed run of the same warehouse are removed (the write lock says none is running)."""
    for stale in db.parent.glob(f".{glob.escape(db.name)}.ingest-*"):  # w[1].duckdb is not w1.duckdb
        shutil.rmtree(stale, ignore_errors=True)
    workdir = db.parent / f".{db.name}.ingest-{run_id}"
    workdir.mkdir()
    return workdir


class _Suites:
    """Compiled checks per source, from the GX suites (suites.json when current), once per run."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.compiled: dict[str, list] = {}

    def checks(self, source: str):
        if source not in self.compiled:
            from ingest.quality.sql_checks import compile_suite
            from ingest.quality.suites import suite_config, suite_parameters

            self.compiled[source] = compile_suite(suite_config(source), suite_parameters(self.now))
        return self.compiled[source]


def _ingest_one(
    con,
    path: Path,
    source,
    profile_name,
    profiles: dict[str, Profile],
    suites: _Suites,
    settings: Settings,
    run_id: str,
    workdir: Path,
    advance,
    questions: tuple[Questions | None, str | None] = (None, None),
    limit: ErrorLimit | None = None,
    sheet: str | None = None,
) -> list[FileResult]:
    """One result per source the file feeds: its profile's, then each companion profile's; of a
    workbook, that per sheet read (ingest.workbooks; `sheet`: only that one)."""
    if path.is_dir():
        raise Refused("a directory")
    if not path.exists():
        raise Refused("no such file")
    # Hash and stage at the same time (both release the GIL); a duplicate only wastes the stage.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as pool:
        hashing = pool.submit(file_sha256, path, lambda n: advance("hash", n))
        export = None
        try:
            # of a workbook, the first sheet whose header some profile (of --source/--profile) accepts
            def matches(header: list[str]) -> bool:
                found = detect_profile(header, profiles, source=source, profile=profile_name)
                return found.profile is not None

            feed = dict(
                con=con, path=path, hashing=hashing, source=source, profile_name=profile_name,
                profiles=profiles, suites=suites, settings=settings, run_id=run_id, workdir=workdir,
                advance=advance, questions=questions, limit=limit,
            )  # fmt: skip
            export = open_export(path, workdir, accept_header=matches, sheet=sheet, all_sheets=True)
            sheets = export.sheets if export.format == "xlsx" else []
            if len(sheets) <= 1 and sheet is None:
                return _feed(export, None, **feed)
            # a workbook of several sheets (or --sheet): each sheet is an export of its own
            results = []
            first_notes = export.sheet_notes
            for position, name in enumerate(sheets):
                if position > 0:
                    export.cleanup()
                    export = open_export(path, workdir, sheet=name)
                    export.notes = [first_notes[name]] if name in first_notes else []
                # the first sheet of a plain run keeps the file's id: a workbook loaded before
                # (its first matching sheet) is still a duplicate; other sheets are new files
                key = None if position == 0 and sheet is None else name
                try:
                    results += _feed(export, key, **feed)
                except Refused as exc:
                    wrapped = Refused(
                        f"sheet {quote(name)}: {exc}", complete=exc.complete, profile=exc.profile
                    )
                    results.append(_refused(con, path, run_id, wrapped, source, profile_name, profiles))
            return results
        except Refused:
            # Same content already loaded: that is the answer, whatever else is wrong with it.
            if hashing.exception() is None:
                duplicate = _duplicate_of(con, run_id, _info(hashing, path), path)
                if duplicate is not None:
                    return [duplicate]
            raise
        finally:
            if export is not None:
                export.cleanup()


def _feed(
    export, sheet_key: str | None, *, con, path, hashing, source, profile_name, profiles, suites, settings,
    run_id, workdir, advance, questions, limit,
) -> list[FileResult]:  # fmt: skip
    """The results of one export (a file, or one sheet `sheet_key` of a workbook)."""
    detection = detect_profile(export.header, profiles, source=source, profile=profile_name)
    if detection.profile is None:
        raise Refused(f"{detection.message} (file format {export.format})", complete=True)
    chosen = detection.profile
    advance("read")
    if chosen.skip:
        return [_skipped(con, run_id, _info(hashing, path, sheet_key), path, chosen)]
    # --source restricts a run to one source: then a file's companions (other sources) wait
    companions = [profiles[c] for c in chosen.companions if source is None]
    applicable = [c for c in companions if not c.missing(export.header)]
    notes = tuple(
        f"no {c.source} from it (lacks {', '.join(c.missing(export.header))})"
        for c in companions
        if c not in applicable
    )
    load = dict(
        con=con, export=export, path=path, hashing=hashing, suites=suites, settings=settings,
        run_id=run_id, workdir=workdir, advance=advance, questions=questions, limit=limit, sheet=sheet_key,
    )  # fmt: skip
    results = [_load_profile(profile=chosen, notes=notes, **load)]
    for companion in applicable:
        try:
            results.append(_load_profile(profile=companion, **load))
        except Refused as exc:  # the main source stays loaded; this source is refused
            results.append(_refused(con, path, run_id, exc, companion.source, companion.name, profiles))
    return results


def _info(hashing, path: Path, sheet: str | None = None) -> FileInfo:
    """The file's lineage: its content's sha256 and name. Of one sheet `sheet` of a workbook read
    sheet by sheet: the sha256 of the content's and the sheet name, the name with the sheet."""
    try:
        file_id = hashing.result()
    except OSError as exc:
        raise Refused(f"unreadable file: {exc.strerror or exc}") from None
    if sheet is None:
        return FileInfo(file_id, _name(path), printable(str(path.resolve())))
    sheet_id = hashlib.sha256(f"{file_id}\nsheet {sheet}".encode()).hexdigest()
    return FileInfo(sheet_id, f"{_name(path)} [sheet {printable(sheet)}]", printable(str(path.resolve())))


def _load_profile(
    *, con, export, profile: Profile, path, hashing, suites, settings, run_id, workdir, advance, questions,
    limit: ErrorLimit | None, notes: tuple[str, ...] = (), sheet: str | None = None,
) -> FileResult:  # fmt: skip
    stage = workdir / f"stage-{uuid.uuid4().hex}.parquet"
    staging = dict(
        salt=settings.pii_salt,
        questions=questions[0],
        questions_error=questions[1],
        lookup=lookup_reader(con) if profile.spec.lookup else None,
    )
    try:
        refusal = _judge_start(con, export, profile, stage, staging, suites, limit)
        if refusal is not None:
            duplicate = _duplicate_of(con, run_id, _info(hashing, path, sheet), path, profile.source)
            if duplicate is not None:  # the same content loaded before: that is the answer
                return duplicate
            raise Refused(refusal, complete=True, profile=profile)
        staged = stage_profile(export, profile, stage, **staging)
        info = _info(hashing, path, sheet)
        duplicate = _duplicate_of(con, run_id, info, path, profile.source)
        if duplicate is not None:
            return duplicate
        chosen = staged.profile
        con.execute(f"set memory_limit = '{_memory_limit(staged.rows) // 1024**2}MB'")
        try:
            counts = load_file(
                con,
                contract=CONTRACTS[chosen.source],
                profile=chosen,
                checks=suites.checks(chosen.source),
                stage=stage,
                info=info,
                run_id=run_id,
                loaded_at=utcnow(),
                salt=settings.pii_salt,
                rows_read=staged.rows,
                step=advance,
                # how the file was read (encoding: export.notes), what the profile decided, companions
                notes=(*export.notes, *staged.notes, *notes),
                limit=limit,
            )
        except TooManyErrors as exc:
            raise Refused(str(exc), complete=True, profile=chosen) from None
        except Exception as exc:
            message = (
                f"load failed and was rolled back, nothing of the file was written: "
                f"{type(exc).__name__}: {_one_line(exc)}"
            )
            raise Refused(message, complete=True, profile=chosen) from None
    finally:
        stage.unlink(missing_ok=True)
    return FileResult(
        str(path),
        chosen.source,
        chosen.name,
        counts.rows_read,
        counts.rows_loaded,
        counts.rows_quarantined,
        "loaded",
        counts.message,
    )


def _judge_start(
    con, export, profile: Profile, stage: Path, staging: dict, suites, limit: ErrorLimit | None
) -> str | None:
    """The refusal of a mostly-bad file, judged by its first rows (limit.min_rows of them) before
    the whole file is read: None when they are good enough, or too few, or cannot be read as the
    whole file would be (its stage then says why)."""
    if limit is None or limit.max_share >= 1 or not export.may_hold(limit.min_rows):
        return None
    try:
        start = stage_profile(export, profile, stage, limit=limit.min_rows, **staging)
    except Refused:
        return None
    try:
        if start.rows < limit.min_rows:
            return None
        errors, rules = start_errors(
            con,
            contract=CONTRACTS[start.profile.source],
            profile=start.profile,
            checks=suites.checks(start.profile.source),
            stage=stage,
        )
    finally:
        stage.unlink(missing_ok=True)
    if not limit.exceeded(errors, start.rows):
        return None
    return limit.message(f"{errors:,} of its first {start.rows:,} rows", rules)


def _skipped(con, run_id: str, info: FileInfo, path: Path, profile: Profile) -> FileResult:
    """A recognised export that feeds no source: logged, nothing loaded, not an error."""
    vendor = f" ({profile.vendor})" if profile.vendor else ""
    message = (
        f"{_name(path)}: skipped: recognised as {profile.name}{vendor}, which feeds no source: {profile.skip}"
    )
    _log(con, run_id, info, None, profile.name, 0, 0, 0, "skipped", message)
    return FileResult(str(path), None, profile.name, 0, 0, 0, "skipped", message)


def _duplicate_of(
    con, run_id: str, info: FileInfo, path: Path, source: str | None = None
) -> FileResult | None:
    """The duplicate result when this content was loaded before (into `source`, when given: a file
    feeding two sources is loaded once into each)."""
    earlier = con.execute(
        "select file_name, run_id, source, profile, loaded_at from meta.file_loads "
        "where file_id = ? and status = 'loaded' and (source = ? or ? is null) order by loaded_at limit 1",
        [info.file_id, source, source],
    ).fetchone()
    if not earlier:
        return None
    name, earlier_run, source, profile, at = earlier
    message = (
        f"{_name(path)}: duplicate: same content as {name}, already loaded in run {earlier_run} "
        f"at {at:%Y-%m-%d %H:%M:%S}; nothing loaded"
    )
    _log(con, run_id, info, source, profile, 0, 0, 0, "duplicate", message)
    return FileResult(str(path), source, profile, 0, 0, 0, "duplicate", message)


def _expected(source: str | None, profile_name: str | None, profiles: dict[str, Profile]) -> str:
    formats = "CSV, CSV.gz, XLSX, JSON lines or Parquet"
    candidates = [
        p
        for p in profiles.values()
        if (profile_name is None or p.name == profile_name) and (source is None or p.source == source)
    ]
    if profile_name is not None or source is not None:
        what = (
            "; ".join(
                f"profile {p.name} (source {p.source}; required columns {', '.join(p.required_columns)})"
                for p in candidates
            )
            or f"source {source} / profile {profile_name}"
        )
        return f"{what} as {formats}"
    return f"an export of one of the sources {', '.join(CONTRACTS)} as {formats}"


def _refused(
    con,
    path: Path,
    run_id: str,
    exc: Refused,
    source: str | None,
    profile_name: str | None,
    profiles: dict[str, Profile],
) -> FileResult:
    chosen: Profile | None = exc.profile
    if exc.complete:
        message = f"{_name(path)}: refused: {exc}"
    else:
        expected = _expected(
            chosen.source if chosen else source, chosen.name if chosen else profile_name, profiles
        )
        message = f"{_name(path)}: refused: expected {expected}; found {exc}"
    message = redact(message)  # a file without a header row shows its first row as the header
    src = chosen.source if chosen else source
    file_id = None
    with contextlib.suppress(OSError):
        if path.is_file():
            file_id = file_sha256(path)
    info = FileInfo(file_id, _name(path), printable(str(path.resolve()) if path.exists() else str(path)))
    with contextlib.suppress(duckdb.Error):  # the result still reports the refusal
        _log(con, run_id, info, src, chosen.name if chosen else None, 0, 0, 0, "refused", message)
    return FileResult(str(path), src, chosen.name if chosen else profile_name, 0, 0, 0, "refused", message)


def _log(con, run_id, info: FileInfo, source, profile, read, loaded, quarantined, status, message) -> None:
    log_file(
        con,
        run_id=run_id,
        file_id=info.file_id,
        file_name=info.file_name,
        file_path=info.file_path,
        source=source,
        profile=profile,
        rows_read=read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        status=status,
        message=message,
        loaded_at=utcnow(),
    )


def _finish_run(con, run_id: str, results: list[FileResult]) -> None:
    refused = sum(r.status == "refused" for r in results)
    status = "ok" if not refused else ("failed" if refused == len(results) else "partial")
    con.execute(
        "update meta.ingest_runs set finished_at = ?, status = ?, files = ?, rows_read = ?, rows_loaded = ?, "
        "rows_quarantined = ? where run_id = ?",
        [
            utcnow(),
            status,
            len({r.file for r in results}),
            sum(r.rows_read for r in results),
            sum(r.rows_loaded for r in results),
            sum(r.rows_quarantined for r in results),
            run_id,
        ],
    )


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return cut(" ".join(lines[:2]), ERROR_CHARACTERS) if lines else type(exc).__name__


def _name(path: Path) -> str:
    """A file's name as messages and meta.file_loads hold it: escaped (read_errors.printable)."""
    return printable(path.name)


def _memory_limit(rows: int) -> int:
    """DuckDB's memory for loading a file of `rows` rows, in bytes: 1 GB up to ~13M rows, then
    MEMORY_PER_ROW a row, capped at a quarter of the machine's memory."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        physical = 4 * MEMORY_LIMIT_BYTES
    return max(MEMORY_LIMIT_BYTES, min(rows * MEMORY_PER_ROW, physical // 4))

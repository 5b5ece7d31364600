"""Stage one export with one profile: bind the survey questions, apply the profile's rules while
writing the text stage, decide the file's date order, and refuse a file none of whose looked-up
keys are loaded. Also the order in which one invocation's files are loaded (lookups last).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest.parse import quote_ident
from ingest.profiles import Profile, detect_profile
from ingest.profiles.answers import Questions, QuestionsError, bind, parse_questions, sidecar
from ingest.profiles.dates import decide_date_order
from ingest.profiles.transform import IDS_NORMALISED, LookupReader, apply_profile
from ingest.readers import MISSING_REFERENCE, SNIFF_BYTES, Refused, _sniff_delimiter, open_export


@dataclass
class Staged:
    profile: Profile  # bound to this file: its questions and date order
    rows: int
    notes: list[str] = field(default_factory=list)


def lookup_reader(con: duckdb.DuckDBPyConnection) -> LookupReader:
    """Reads a looked-up source from the ingest database, as text keyed by `__key`."""

    def read(source: str, key: str, columns: list[str]) -> pl.DataFrame:
        cols = ", ".join(f"cast({quote_ident(c)} as varchar) as {quote_ident(c)}" for c in columns)
        sql = (
            f"select cast({quote_ident(key)} as varchar) as __key, {cols} from raw.{quote_ident(source)} "
            f"where {quote_ident(key)} is not null"
        )
        return con.cursor().sql(sql).pl()

    return read


def stage_profile(
    export,
    profile: Profile,
    stage: Path,
    *,
    salt: str,
    questions: Questions | None = None,
    questions_error: str | None = None,
    lookup: LookupReader | None = None,
    limit: int | None = None,
) -> Staged:
    """Write the stage of `export` read with `profile`; Refused when the file cannot be staged.
    With `limit`, of its first `limit` data rows only (readers.Export.stage): a file none of whose
    looked-up keys are loaded is then not judged (its first rows do not say)."""
    notes: list[str] = [profile.note] if profile.note else []
    context = ""
    if profile.spec.answers is not None:
        beside = sidecar(export.path)
        declared = profile.spec.answers.declared
        try:
            if beside is not None and declared:
                questions, questions_error = parse_questions(str(beside)), None
                notes.append(f"questions from {beside.name}")
            if questions_error and declared:
                raise Refused(questions_error, complete=True, profile=profile)
            profile, columns = bind(profile, export.header, questions)
        except QuestionsError as exc:
            raise Refused(str(exc), complete=True, profile=profile) from None
        context = ", ".join(f"{s}={c}" for s, c in columns.items())
        if declared:
            notes.append(f"questions {context}")
    names = profile.contract.names

    def transform(frame: pl.LazyFrame) -> pl.LazyFrame:
        return apply_profile(frame, profile.spec, names, salt=salt, lookup=lookup, answers_context=context)

    try:
        rows = export.stage(
            profile.mapping(export.header), names + profile.helpers, stage, profile.read, transform, limit
        )
    except Refused as exc:
        raise Refused(str(exc), profile=profile) from None
    profile, date_notes = decide_date_order(profile, stage)
    notes += date_notes
    if rows:
        floats = pl.scan_parquet(stage, glob=False).select(pl.col(IDS_NORMALISED).sum()).collect().item()
        if floats:
            notes.append(
                f"{floats:,} identifiers written as whole-number floats read as whole numbers "
                "(12346.0 as 12346)"
            )
    lk = profile.spec.lookup
    if lk is not None and rows and limit is None:
        missing = (
            pl.scan_parquet(stage, glob=False)
            .select(pl.col(MISSING_REFERENCE).is_not_null().sum())
            .collect()
            .item()
        )
        if missing == rows:
            first = f"load {lk.load_first} first" if lk.load_first else f"load the {lk.source} file first"
            raise Refused(
                f"none of its {rows:,} rows' {lk.key} is in {lk.source}: {first}, then this file again "
                "(nothing of it was loaded)",
                complete=True,
                profile=profile,
            )
    return Staged(profile, rows, notes)


def _peek_header(path: Path, workdir: Path) -> list[str]:
    """The header of an export, reading only its start (a .csv.gz is not decompressed whole)."""
    name = path.name.lower()
    if name.endswith((".csv.gz", ".tsv.gz", ".txt.gz")):
        with gzip.open(path, "rb") as fh:
            text = fh.read(SNIFF_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff")
        first = text.splitlines()[0] if text else ""
        delimiter = "\t" if name.endswith(".tsv.gz") else _sniff_delimiter(first)
        return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    export = open_export(path, workdir)
    export.cleanup()
    return export.header


def load_order(
    paths: list[Path], profiles: dict[str, Profile], source, profile_name, workdir: Path
) -> list[Path]:
    """`paths` with files whose profile looks up another source after the others (stable), so one
    invocation can load Olist orders and their items in any order given."""
    if len(paths) < 2 or not any(p.spec.lookup for p in profiles.values()):
        return list(paths)
    later: set[Path] = set()
    for path in paths:
        with contextlib.suppress(Exception):  # an unreadable file is refused later, in its place
            header = _peek_header(Path(path), workdir)
            chosen = detect_profile(header, profiles, source=source, profile=profile_name).profile
            if chosen is not None and chosen.spec.lookup is not None:
                later.add(path)
    return [p for p in paths if p not in later] + [p for p in paths if p in later]

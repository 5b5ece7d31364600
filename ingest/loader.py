"""Load one staged file in one DuckDB transaction: accepted rows -> raw.<source>, rejected -> meta.quarantine.

The stage is a Parquet file of text columns (ingest.readers). Three scans of it, all in SQL:
1. keys: rows whose key repeats an earlier row of the file, or a key already in raw.<source>;
2. row checks: every compiled expectation in one pass; a row gets one violation per broken rule;
3. insert: typed rows without any violation, personal data hashed or dropped, lineage added.
Then the quarantine rows (with the row as read, as JSON without personal data) and the file_loads
row. rows read = rows loaded + rows quarantined is asserted before the commit; any error rolls
the whole file back.

The stage's row_number identifies a staged row; `_file_row` (ingest.parse) is the file's data
row written to lineage and quarantine. They differ only where a profile splits a file row into
several canonical rows (wide survey exports), and then rows are counted as staged rows.
A row flagged not_a_fact reports only that rule, and one flagged missing_reference only that:
its other violations follow from it (an unlooked-up order has no ordered_at) and would read as
errors on the data-quality page.

A file whose rows are mostly bad is refused whole (ErrorLimit): ingest.run judges its first rows
before staging it all (start_errors), and load_file the whole file right after the insert, before
the violations of the rows left behind and their quarantine records, which would cost the most.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import erasures, structure
from ingest.contracts import Contract
from ingest.parse import checked_relation, quote_ident, text_column
from ingest.profiles import Profile
from ingest.quality.sql_checks import Check
from ingest.readers import NOT_A_FACT, literal_pattern
from ingest.store import LINEAGE, log_file, stored_name
from warehouse.sql_text import literal

VIOLATIONS = "_cx_violations"
# the keys of a file already loaded before it, per key check (_earlier_keys_sql)
EARLIER = "_cx_earlier_keys"
# Rules that, when a row breaks them, are the only ones reported for it (first wins): a row of
# an erased person (ingest.erasures) says only that, with nothing of the row.
SOLE_RULES = (erasures.RULE, "not_a_fact", "missing_reference")
# Rules that do not make a row an error when a file's share of bad rows is judged: a corrected
# file sent again, an overlapping export, a vendor's postage lines, the rows of people who asked
# to be forgotten are not bad files.
NOT_ERRORS = ("duplicate_key", "not_a_fact", erasures.RULE)
IS_ERROR = f"rule not in ({', '.join(map(literal, NOT_ERRORS))})"  # SQL, of a violation
MAX_ERROR_SHARE = 0.5  # = config.settings' default of CX_MAX_ERROR_SHARE
ERROR_SHARE_MIN_ROWS = 10_000
SAMPLE_ROWS = 10_000  # bad rows whose rules a refusal lists (of a whole file)
# Of an offending value, meta.quarantine's value and message hold this many characters: the row's
# record holds it whole, once (a 10 MB value was stored three times and shown whole).
VALUE_CHARACTERS = 200


@dataclass(frozen=True)
class FileInfo:
    file_id: str
    file_name: str
    file_path: str


@dataclass(frozen=True)
class ErrorLimit:
    """A file is refused whole when, after `min_rows` rows, more than `max_share` of its rows
    break a rule other than NOT_ERRORS."""

    max_share: float = MAX_ERROR_SHARE
    min_rows: int = ERROR_SHARE_MIN_ROWS

    def exceeded(self, errors: int, rows: int) -> bool:
        return rows >= self.min_rows and errors > self.max_share * rows

    def message(self, counted: str, rules: dict[str, int], checked: str = "") -> str:
        """`counted`: "9,990 of its first 10,000 rows"; `rules`: violations per rule (`checked`:
        of which rows, when not all)."""
        broken = ", ".join(f"{r}: {n:,}" for r, n in sorted(rules.items(), key=lambda item: -item[1]))
        return (
            f"mostly bad rows: {counted} break a rule ({checked}{broken or 'no rule listed'}), more "
            f"than the {self.max_share * 100:g}% a file may have once {self.min_rows:,} rows are read "
            f"(CX_MAX_ERROR_SHARE; rules {' and '.join(NOT_ERRORS)} do not count); nothing of it was "
            "loaded. Correct the export at its source and load it again"
        )


class TooManyErrors(Exception):
    """The file's rows are mostly bad (ErrorLimit); the message says how many, and which rules."""


@dataclass(frozen=True)
class LoadCounts:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rules: dict[str, int]  # rule -> violations
    notes: tuple[str, ...] = ()  # how the file was read (e.g. its encoding), from the reader

    @property
    def message(self) -> str:
        text = f"{self.rows_loaded:,} rows loaded, {self.rows_quarantined:,} quarantined"
        if self.rules:
            text += " (" + ", ".join(f"{r}: {n:,}" for r, n in sorted(self.rules.items())) + ")"
        return "; ".join([text, *self.notes])


def stage_relation(stage: Path) -> str:
    # read_parquet takes a glob pattern: the scratch folder sits beside the warehouse, whose path
    # may hold [ ] * ?
    return f"read_parquet({literal(literal_pattern(stage))})"


def _shown(text: str) -> str:
    """SQL: the text expression `text` cut to VALUE_CHARACTERS, saying how many more there were
    (as read_errors.cut does)."""
    n = VALUE_CHARACTERS
    more = f"'... (+' || format('{{:,}}', length({text}) - {n}) || ' characters)'"
    return f"(case when length({text}) > {n} then left({text}, {n}) || {more} else {text} end)"


# Sources whose records change after their first export and whose staging models read the latest
# version of each key (warehouse/models/staging): a changed row of a loaded key is an update. Of
# the other sources any loaded key is a duplicate (their models expect one row per key).
UPDATABLE = ("orders", "contacts", "surveys", "sessions")


def _compared(contract: Contract, check: Check) -> list[str]:
    """The columns by which a row already loaded is the same record rather than an update: the
    columns raw.<source> stores as they are, besides the key (none where updates are not taken)."""
    if contract.source not in UPDATABLE:
        return []
    return [c.name for c in contract.columns if c.pii is None and c.name not in check.key]


def _key_columns(check: Check) -> tuple[list[str], str, str]:
    """A key check's columns quoted, as a list for `using (...)`, and the condition that none is null."""
    keys = [quote_ident(k) for k in check.key]
    return keys, ", ".join(keys), " and ".join(f"{k} is not null" for k in keys)


def _earlier_keys_sql(contract: Contract, check: Check, relation: str) -> str:
    """The file's keys already in raw.<source> (before it loads), each with a file that loaded it:
    kept in a temporary table (EARLIER) for the key check and the count of updates."""
    _, cols, not_null = _key_columns(check)
    return f"""
        select {cols}, any_value(r._file_id) as earlier_file
        from raw.{contract.source} r
        semi join (select {cols} from ({relation}) where {not_null}) as keyed using ({cols})
        group by all
    """


def _key_violations_sql(contract: Contract, check: Check, relation: str, earlier_keys: str) -> str:
    """Rows whose key repeats an earlier row of the file, or a key already in raw.<source> with the
    same values (a duplicate). A file's first row of a key already loaded from an earlier file,
    with values no loaded version has, is an update (the record changed after its first export:
    a delivery date, a return, a solved time): not a violation; it loads, the earlier version
    stays in raw as lineage and the warehouse's staging models take the latest version.
    `earlier_keys`: the table of _earlier_keys_sql."""
    keys, cols, not_null = _key_columns(check)
    compared = [quote_ident(c) for c in _compared(contract, check)]
    described = _shown(" || ', ' || ".join(f"'{k}=' || cast({quote_ident(k)} as varchar)" for k in check.key))
    on_key = " and ".join(f"r.{k} = k.{k}" for k in keys)
    same = " and ".join(f"r.{c} is not distinct from k.{c}" for c in compared) or "true"
    # keyed holds the keys only: the compared columns are parsed only for rows of a key loaded
    # before (identical), not for every row (that parse took as long as the insert's, README)
    return f"""
        with keyed as (
            select row_number, _file_row, {cols} from ({relation}) where {not_null}
        ),
        earlier as (
            select * from {earlier_keys}
        ),
        -- rows whose key and values are already loaded (the others of a loaded key are updates)
        identical as (
            select distinct k.row_number
            from (
                select row_number, {", ".join([*keys, *compared])} from ({relation}) where {not_null}
            ) k
            semi join earlier using ({cols})
            join raw.{contract.source} r on {on_key}
            where {same}
        ),
        -- Only keys that repeat in the file or were loaded before need the (sorting) window:
        -- finding them is a hash aggregate, a third cheaper than ranking every row.
        repeated as (
            select {cols} from keyed group by all having count(*) > 1
        ),
        ranked as (
            select row_number, {cols},
                row_number() over by_key as occurrence,
                first_value(_file_row) over by_key as first_row
            from keyed semi join (select * from repeated union all select {cols} from earlier) using ({cols})
            window by_key as (partition by {cols} order by row_number)
        ),
        flagged as (
            select ranked.*, earlier.earlier_file
            from ranked left join earlier using ({cols})
            where ranked.occurrence > 1 or (
                earlier.earlier_file is not null and ranked.row_number in (select row_number from identical)
            )
        ),
        earlier_files as (
            select file_id, any_value(file_name) as earlier_name
            from meta.file_loads where status = 'loaded' group by file_id
        )
        select row_number, {literal(check.rule)}, {literal(check.column)}, {_shown(check.value)},
            case when earlier_file is not null
                then {literal(check.message)} || ': ' || {described} || ' was already loaded from '
                    || coalesce(earlier_name, earlier_file)
                else {literal(check.message)} || ': ' || {described} || ' repeats row '
                    || cast(first_row as varchar) || ' of this file'
            end
        from flagged left join earlier_files on earlier_files.file_id = flagged.earlier_file
    """


def _updates(con, key_checks: list[Check], relation: str) -> int:
    """Rows of the file just loaded whose key an earlier file loaded (updates): its rows of a key
    the key check found in raw before the load (EARLIER), less those not loaded (VIOLATIONS holds
    every row not loaded). Read from the file's own rows: a query over raw.<source> for them scanned
    every loaded key, 2.2 of a day's 3.8 s of ingest SQL at 10M order lines (bench/RESULTS.md)."""
    if not key_checks:
        return 0
    earlier = _earlier_table(0)
    if con.execute(f"select count(*) from {earlier}").fetchone()[0] == 0:
        return 0  # no key of the file was loaded before: the usual day
    _, cols, not_null = _key_columns(key_checks[0])
    return con.execute(
        f"select count(*) from (select row_number, {cols} from ({relation}) where {not_null}) "
        f"semi join {earlier} using ({cols}) anti join {VIOLATIONS} using (row_number)"
    ).fetchone()[0]


def _earlier_table(index: int) -> str:
    return f"{EARLIER}_{index}"


def _row_violations_sql(checks: list[Check], relation: str) -> str:
    items = []
    for c in checks:
        value = _shown(f"cast({c.value} as varchar)")
        message = f"{literal(c.message)} || coalesce(' (found ' || {value} || ')', '')"
        items.append(
            f"case when {c.predicate} then {{'rule': {literal(c.rule)}, 'column_name': {literal(c.column)}, "
            f"'value': {value}, 'message': {message}}} end"
        )
    any_broken = "\n            or ".join(c.predicate for c in checks)
    listed = ",\n                ".join(items)
    return f"""
        select row_number, v.rule, v.column_name, v.value, v.message
        from (
            select row_number, unnest(list_filter([
                {listed}
            ], lambda x: x is not null)) as v
            from ({relation})
            where {any_broken}
        )
    """


def _insert_raw_sql(contract: Contract) -> tuple[str, str]:
    names, exprs = [], []
    for c in contract.columns:
        stored = stored_name(c)
        if stored is None:
            continue
        names.append(quote_ident(stored))
        if c.pii == "hash":
            text = quote_ident(text_column(c.name))
            exprs.append(f"case when {text} is not null then sha256($salt || lower({text})) end")
        else:
            exprs.append(quote_ident(c.name))
    names += [n for n, _ in LINEAGE]
    exprs += ["$file_id", "_file_row", "$run_id", "$loaded_at"]
    return ", ".join(names), ", ".join(exprs)


def _with_option(options: str, option: str) -> str:
    names = [o.strip() for o in options.split(",") if o.strip()]
    return ",".join([*names, option] if option not in names else names)


def _used(sql: str, params: dict) -> dict:
    """DuckDB rejects named parameters a statement does not use."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def start_errors(
    con: duckdb.DuckDBPyConnection, *, contract: Contract, profile: Profile, checks: list[Check], stage: Path
) -> tuple[int, dict[str, int]]:
    """(error rows, violations per rule) of a stage of a file's first rows (ErrorLimit). Keys are
    not checked: duplicate_key is not an error."""
    row_checks = [c for c in checks if c.kind == "row"]
    relation = checked_relation(contract, profile, structure.data_rows(stage_relation(stage)))
    violations = [structure.violations_sql(stage_relation(stage))]
    if row_checks:
        violations.append(_row_violations_sql(row_checks, relation))
    return _errors(con, " union all ".join(f"select * from ({v})" for v in violations))


def _errors(con, violations: str) -> tuple[int, dict[str, int]]:
    """(error rows, violations per rule) of `violations` (SELECT row_number, rule, ...): the rules
    a row reports (SOLE_RULES), other than NOT_ERRORS."""
    sole = " ".join(
        f"and (rule = {literal(r)} or row_number not in (select row_number from v where rule = {literal(r)}))"
        for r in SOLE_RULES
    )
    counted = con.execute(
        f"with v as (select * from ({violations}) as found(row_number, rule)), "
        f"errors as (select row_number, rule from v where {IS_ERROR} {sole}) "
        "select rule, count(*), count(distinct row_number) from errors group by grouping sets ((rule), ())"
    ).fetchall()
    rows = sum(n for rule, _, n in counted if rule is None)
    return rows, {rule: n for rule, n, _ in counted if rule is not None}


def _whole_file_errors(
    con, contract: Contract, profile: Profile, row_checks: list[Check], stage: Path, limit, rows_read, loaded
) -> None:
    """Refuse the file (TooManyErrors) when `limit` finds its rows mostly bad: called right after
    the insert, when the rows left behind are known but not yet checked one by one.

    Of the rows left behind, those whose key repeats (VIOLATIONS) or that a profile marks not a
    fact are not errors; the others broke a rule, so they are counted without checking them (a
    duplicate that also breaks another rule is not counted: the count is a lower bound). The
    message lists the rules the first SAMPLE_ROWS of them break."""
    if limit is None or rows_read < limit.min_rows or loaded >= rows_read:
        return
    data_rows = structure.data_rows(stage_relation(stage))
    [(exempt,)] = con.execute(
        f"select count(*) from (select row_number from {VIOLATIONS} where rule in ('duplicate_key', "
        f"{literal(erasures.RULE)}) "
        f"union select row_number from {data_rows} where {NOT_A_FACT} is not null)"
    ).fetchall()
    errors = rows_read - loaded - exempt
    if not limit.exceeded(errors, rows_read):
        return
    # some rows that are not data, and some rows that break a row check
    sample = [f"select row_number, rule from {VIOLATIONS} where {IS_ERROR} limit {SAMPLE_ROWS}"]
    if row_checks:
        relation = checked_relation(contract, profile, data_rows)
        any_broken = " or ".join(c.predicate for c in row_checks)
        some = f"select * from ({relation}) where {any_broken} limit {SAMPLE_ROWS}"
        sample.append(f"select row_number, rule from ({_row_violations_sql(row_checks, some)})")
    _, rules = _errors(con, " union all ".join(f"select * from ({part})" for part in sample))
    counted = f"at least {errors:,} of its {rows_read:,} rows"
    raise TooManyErrors(limit.message(counted, rules, f"in up to {SAMPLE_ROWS:,} of them: "))


def load_file(
    con: duckdb.DuckDBPyConnection,
    *,
    contract: Contract,
    profile: Profile,
    checks: list[Check],
    stage: Path,
    info: FileInfo,
    run_id: str,
    loaded_at: dt.datetime,
    salt: str,
    rows_read: int,
    step: Callable[[str], None] = lambda _: None,
    notes: tuple[str, ...] = (),
    limit: ErrorLimit | None = None,
) -> LoadCounts:
    """Load the stage of one file into raw.<source> and meta.quarantine; `notes` (how the file was
    read: its encoding, the date order decided for it) end the file's message in meta.file_loads.
    TooManyErrors, and nothing written, when `limit` finds its rows mostly bad."""
    # Rows the reader found not to be data (ingest.structure) get their own rule and no other check.
    data_rows = structure.data_rows(stage_relation(stage))
    relation = checked_relation(contract, profile, data_rows)
    row_checks = [c for c in checks if c.kind == "row"]
    key_checks = [c for c in checks if c.kind == "unique"]
    # The checks filter on the typed columns of the checked relation. DuckDB's filter pushdown
    # would inline every typed column's parse expression into each check that reads it (and the
    # projection computes it again): with it off, each value is parsed once and the load of a file
    # takes a third of the CPU time (README, "Benchmarks"). Results are the same either way.
    disabled = con.execute("select current_setting('disabled_optimizers')").fetchone()[0] or ""
    con.execute(f"set disabled_optimizers = {literal(_with_option(disabled, 'filter_pushdown'))}")
    con.execute("begin transaction")
    try:
        con.execute(
            f"create temp table {VIOLATIONS} (row_number bigint, rule varchar, column_name varchar, "
            "value varchar, message varchar)"
        )
        con.execute(f"insert into {VIOLATIONS} {structure.violations_sql(stage_relation(stage))}")
        erased = erasures.violations_sql(contract, relation) if erasures.count(con) else None
        if erased is not None:  # people who asked to be forgotten are not loaded again
            con.execute(f"insert into {VIOLATIONS} {erased}", {"salt": salt, "file_name": info.file_name})
        for index, check in enumerate(key_checks):
            earlier = _earlier_table(index)
            keys_sql = _earlier_keys_sql(contract, check, relation)
            con.execute(f"create or replace temp table {earlier} as {keys_sql}")
            con.execute(f"insert into {VIOLATIONS} {_key_violations_sql(contract, check, relation, earlier)}")
        step("keys")
        # One full parse: insert the rows that break no rule. Then find the violations of the
        # (usually few) rows left behind, parsing only those.
        columns, exprs = _insert_raw_sql(contract)
        any_broken = " or ".join(c.predicate for c in row_checks) or "false"
        insert = (
            f"insert into raw.{contract.source} ({columns}) select {exprs} from ({relation}) "
            f"anti join (select distinct row_number from {VIOLATIONS}) using (row_number) "
            f"where not coalesce({any_broken}, false)"
        )
        params = {"salt": salt, "file_id": info.file_id, "run_id": run_id, "loaded_at": loaded_at}
        loaded = con.execute(insert, _used(insert, params)).fetchone()[0]
        step("load")
        _whole_file_errors(con, contract, profile, row_checks, stage, limit, rows_read, loaded)
        # The rows left behind are found by their data row in raw, which identifies a staged row
        # only when no file row was split into several.
        split = con.execute(
            f"select count(*) from {stage_relation(stage)} where _source_row <> row_number"
        ).fetchone()[0]
        if row_checks and loaded < rows_read and split:
            con.execute(f"insert into {VIOLATIONS} {_row_violations_sql(row_checks, relation)}")
        elif row_checks and loaded < rows_read:
            left_behind = (
                f"(select * from {data_rows} anti join "
                f"(select _row_number as row_number from raw.{contract.source} where _file_id = $file_id) "
                f"using (row_number))"
            )
            relation_left = checked_relation(contract, profile, left_behind)
            con.execute(
                f"insert into {VIOLATIONS} {_row_violations_sql(row_checks, relation_left)}",
                {"file_id": info.file_id},
            )
        step("checks")
        for rule in SOLE_RULES:
            con.execute(
                f"delete from {VIOLATIONS} where rule <> {literal(rule)} and row_number in "
                f"(select row_number from {VIOLATIONS} where rule = {literal(rule)})"
            )
        record_cols = ", ".join(
            f"{quote_ident(c.name)} := {quote_ident(c.name)}" for c in contract.columns if c.pii is None
        )
        con.execute(
            f"""
            insert into meta.quarantine
            select $run_id, $file_id, $file_name, $source, r._source_row, v.rule, v.column_name, v.value,
                v.message, case when v.rule = {literal(erasures.RULE)} then null else r.record end, $loaded_at
            from {VIOLATIONS} v
            join (
                select row_number, _source_row, to_json(struct_pack({record_cols})) as record
                from {stage_relation(stage)} semi join {VIOLATIONS} using (row_number)
            ) r using (row_number)
            order by v.row_number, v.rule
            """,
            {
                "run_id": run_id,
                "file_id": info.file_id,
                "file_name": info.file_name,
                "source": contract.source,
                "loaded_at": loaded_at,
            },
        )
        quarantined = con.execute(f"select count(distinct row_number) from {VIOLATIONS}").fetchone()[0]
        rules = dict(con.execute(f"select rule, count(*) from {VIOLATIONS} group by rule").fetchall())
        updates = _updates(con, key_checks, relation) if loaded else 0
        if updates:
            notes = (f"{updates:,} rows update records loaded before (the latest export wins)", *notes)
        if rules.get(erasures.RULE):
            notes = (
                f"{rules[erasures.RULE]:,} rows of customers erased on request not loaded (erasure list)",
                *notes,
            )
        counts = LoadCounts(rows_read, loaded, quarantined, rules, tuple(notes))
        if loaded + quarantined != rows_read:
            raise AssertionError(
                f"reconciliation failed: {rows_read} rows read != {loaded} loaded + {quarantined} quarantined"
            )
        log_file(
            con,
            run_id=run_id,
            file_id=info.file_id,
            file_name=info.file_name,
            file_path=info.file_path,
            source=contract.source,
            profile=profile.name,
            rows_read=rows_read,
            rows_loaded=loaded,
            rows_quarantined=quarantined,
            status="loaded",
            message=counts.message,
            loaded_at=loaded_at,
        )
        con.execute(f"drop table {VIOLATIONS}")
        for index in range(len(key_checks)):
            con.execute(f"drop table {_earlier_table(index)}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute(f"set disabled_optimizers = {literal(disabled)}")
    return counts

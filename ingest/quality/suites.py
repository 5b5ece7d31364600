"""One Great Expectations (GX Core 1.x) ExpectationSuite per source, built from the contract.

The suite is the declared data contract: real GX expectation objects, serialisable to JSON
(`suite_json`), runnable by GX itself (tests/ingest/test_gx_equivalence.py does that). The row-level
execution at ingest compiles the same suite to DuckDB SQL (ingest.quality.sql_checks), because GX's
pandas route costs 4-5.5 GB at 10M rows and its DuckDB route needs fragile workarounds (a
persistent connection, regexes as UnexpectedRowsExpectation queries; see the equivalence test).

Expectations run on the checked relation of ingest.parse: `<name>__text` (value as read) and
`<name>` (typed). Each expectation carries `meta = {"rule": ..., "column": ...}`, the rule name
written to meta.quarantine, and a description used as the quarantine message. The time bounds are
suite parameters ({"$PARAMETER": "now"}, {"$PARAMETER": "earliest"}), bound when the suite runs.

great_expectations takes 3-4 s to import, more than ingesting a 200k-line file. So the suites are
also kept, as GX writes them, in suites.json beside this module, with a fingerprint of the code
that builds them (contracts.py and this file): ingest compiles that JSON and imports GX only when
the fingerprint is stale. `python -m ingest.quality.suites` rewrites the file; a test fails when
it is out of date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cache
from pathlib import Path

from ingest.contracts import CONTRACTS, SURVEY_SCALES, Contract
from ingest.parse import quote_ident, text_column

EARLIEST = dt.datetime(2000, 1, 1)
SUITES_FILE = Path(__file__).with_name("suites.json")
# Lower bounds that have a rule of their own instead of out_of_range.
MIN_RULES = {("orders", "quantity"): "negative_quantity"}
RULES = (
    "missing_required",
    "unparseable_integer",
    "unparseable_number",
    "unparseable_timestamp",
    "unparseable_date",
    "unparseable_boolean",
    "unknown_value",
    "out_of_range",
    "score_out_of_scale",
    "negative_quantity",
    "timestamp_in_future",
    "timestamp_before_2000",
    "duplicate_key",
    # Rows a profile's rules flag (ingest.profiles.spec): not a fact of the source (a postage line,
    # an internal ticket, a response that answered nothing: expected exclusions, not errors), and
    # rows whose looked-up reference (an Olist line's order) has not been loaded. Either one is
    # the only rule reported for its row (ingest.loader), since other rules follow from it.
    "not_a_fact",
    "missing_reference",
)
# What a value must look like, for the quarantine message: the format expected, with an example,
# and the usual near misses (thousands separators, decimal commas, day-first dates) named.
TYPE_WORDS = {
    "integer": "a whole number like 1234 (no thousands separators)",
    "number": "a number like 1234.5 (decimal point; no thousands separators, decimal commas or "
    "currency signs)",
    "timestamp": "a timestamp YYYY-MM-DD HH:MM:SS like 2024-03-01 14:30:00 (T allowed, optional UTC offset "
    "like +01:00 or Z; not day-first or month-first dates)",
    "date": "a date YYYY-MM-DD like 2024-03-01 (not day-first or month-first)",
    "boolean": "true or false",
}


def suite_name(source: str) -> str:
    return f"{source}_contract"


def _meta(rule: str, column: str) -> dict:
    assert rule in RULES, rule
    return {"rule": rule, "column": column}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@cache
def _gx():
    import great_expectations as gx

    return gx


def build_suite(source: str):
    """The ExpectationSuite of `source`, derived from its contract."""
    gxe = _gx().expectations
    contract: Contract = CONTRACTS[source]
    out = []
    for c in contract.columns:
        name, text = c.name, text_column(c.name)
        if c.required:
            out.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=text, meta=_meta("missing_required", name), description=f"{name} is required"
                )
            )
        if c.type != "string":
            broken = f"{quote_ident(text)} is not null and {quote_ident(name)} is null"
            query = f"select * from {{batch}} where {broken}"
            out.append(
                gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query=query,
                    meta=_meta(f"unparseable_{c.type}", name),
                    description=f"{name} must be {TYPE_WORDS[c.type]}",
                )
            )
        if c.allowed:
            out.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=name,
                    value_set=list(c.allowed),
                    meta=_meta("unknown_value", name),
                    description=f"{name} must be one of: {', '.join(c.allowed)}",
                )
            )
        if c.min is not None or c.max is not None:
            rule = MIN_RULES.get((source, name), "out_of_range")
            if rule == "negative_quantity":
                words = f"{name} must not be negative (a return is given by returned_quantity)"
            elif c.min is not None and c.max is not None:
                words = f"{name} must be between {_fmt(c.min)} and {_fmt(c.max)}"
            elif c.min is not None:
                words = f"{name} must be at least {_fmt(c.min)}"
            else:
                words = f"{name} must be at most {_fmt(c.max)}"
            out.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=name, min_value=c.min, max_value=c.max, meta=_meta(rule, name), description=words
                )
            )
        if c.type in ("timestamp", "date"):
            if not c.before_2000_ok:
                out.append(
                    gxe.ExpectColumnValuesToBeBetween(
                        column=name,
                        min_value={"$PARAMETER": "earliest"},
                        meta=_meta("timestamp_before_2000", name),
                        description=f"{name} must not be before 2000-01-01",
                    )
                )
            if not c.future_ok:
                out.append(
                    gxe.ExpectColumnValuesToBeBetween(
                        column=name,
                        max_value={"$PARAMETER": "now"},
                        meta=_meta("timestamp_in_future", name),
                        description=f"{name} must not be later than the time of ingest",
                    )
                )
    if source == "surveys":
        off_scale = " or ".join(
            f"(survey = '{s}' and (score < {lo} or score > {hi}))" for s, (lo, hi) in SURVEY_SCALES.items()
        )
        scales = ", ".join(f"{s} {lo}-{hi}" for s, (lo, hi) in SURVEY_SCALES.items())
        out.append(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=f"select * from {{batch}} where {off_scale}",
                meta=_meta("score_out_of_scale", "score"),
                description=f"score must be on its survey's scale ({scales})",
            )
        )
    out.append(
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query="select * from {batch} where not_a_fact__text is not null",
            meta=_meta("not_a_fact", "not_a_fact"),
            description="row is not a fact of this source (an expected exclusion, not an error)",
        )
    )
    out.append(
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query="select * from {batch} where missing_reference__text is not null",
            meta=_meta("missing_reference", "missing_reference"),
            description="row refers to a record that is not loaded; load that file first",
        )
    )
    key = list(contract.key)
    key_words = f"key ({', '.join(key)}) must be unique within the file and across loaded files"
    if len(key) == 1:
        out.append(
            gxe.ExpectColumnValuesToBeUnique(
                column=key[0], meta=_meta("duplicate_key", key[0]), description=key_words
            )
        )
    else:
        out.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=key,
                ignore_row_if="any_value_is_missing",
                meta=_meta("duplicate_key", ",".join(key)),
                description=key_words,
            )
        )
    return _gx().ExpectationSuite(name=suite_name(source), expectations=out, meta={"source": source})


def suite_json(source: str) -> str:
    """The suite as JSON text (what a GX context would store)."""
    return json.dumps(build_suite(source).to_json_dict(), indent=2)


def suite_parameters(now: dt.datetime) -> dict:
    """Values of the suite parameters: the time of ingest (UTC, naive) and the earliest valid time.
    Date columns are compared with them too (a date is its midnight)."""
    return {"now": now, "earliest": EARLIEST}


def fingerprint() -> str:
    """Changes whenever the code that derives the suites changes."""
    digest = hashlib.sha256()
    for module in (Path(__file__), Path(__file__).parents[1] / "contracts.py"):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def suites_document() -> dict:
    """Every suite, built with GX, as the content of suites.json."""
    return {
        "fingerprint": fingerprint(),
        "great_expectations_version": _gx().__version__,
        "suites": {source: build_suite(source).to_json_dict() for source in CONTRACTS},
    }


@cache
def _stored() -> dict | None:
    try:
        document = json.loads(SUITES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if document.get("fingerprint") == fingerprint() else None


def suite_config(source: str) -> dict:
    """The suite of `source` as its JSON dict: from suites.json when current, else built with GX."""
    stored = _stored()
    if stored is not None and source in stored["suites"]:
        return stored["suites"][source]
    return build_suite(source).to_json_dict()


def write_suites_file() -> Path:
    SUITES_FILE.write_text(json.dumps(suites_document(), indent=1) + "\n", encoding="utf-8")
    return SUITES_FILE


if __name__ == "__main__":
    print(f"wrote {write_suites_file()}")

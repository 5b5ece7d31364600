"""Every case of the bad-input corpus (corpus.py), ingested into a warehouse holding a known good load:
the outcome is the one written next to the case, rows read = rows loaded + rows quarantined, and
nothing but the file's own rows changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from config.settings import Settings
from ingest.contracts import CONTRACTS
from ingest.run import ingest_paths
from tests.ingest.exports import SALT
from tests.reliability.corpus import CASES
from tests.reliability.outcomes import Case, Duplicate, Loaded, Refused
from tests.reliability.warehouse_state import contents, good_load, without_run

SETTINGS = Settings(pii_salt=SALT)


@pytest.fixture(scope="module")
def known_good(tmp_path_factory) -> Path:
    """The warehouse every case starts from: BASE of every source loaded, nothing quarantined."""
    return good_load(tmp_path_factory.mktemp("known_good"))


def _copy(db: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    target = folder / db.name
    shutil.copy(db, target)
    return target


def test_the_corpus_covers_every_source_and_enough_cases():
    assert len(CASES) >= 30
    assert {c.source for c in CASES} == set(CONTRACTS)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, known_good: Path, tmp_path: Path):
    db = _copy(known_good, tmp_path / "wh")
    before = contents(db)
    path = tmp_path / "exports" / case.file
    path.parent.mkdir()
    path.write_bytes(case.data())
    for name, data in case.files_beside().items():
        (path.parent / name).write_bytes(data)

    [result] = ingest_paths([path], db, settings=SETTINGS, **case.options)

    after = contents(db)
    earlier_runs = {row[0] for row in before["meta.ingest_runs"]["rows"]}
    [run_id] = [row[0] for row in after["meta.ingest_runs"]["rows"] if row[0] not in earlier_runs]
    con = duckdb.connect(str(db), read_only=True)

    def query(sql: str, *params):
        return con.execute(sql, list(params)).fetchall()

    try:
        [(files, run_read, run_loaded, run_quarantined)] = query(
            "select files, rows_read, rows_loaded, rows_quarantined from meta.ingest_runs where run_id = ?",
            run_id,
        )
        logged = query(
            "select file_name, status, rows_read, rows_loaded, rows_quarantined, message "
            "from meta.file_loads where run_id = ?",
            run_id,
        )
        assert logged == [
            (
                case.file,
                result.status,
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                result.message,
            )
        ]
        assert (files, run_read, run_loaded, run_quarantined) == (
            1,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
        )
        # rows read = rows loaded + rows quarantined, in the result, the log and the tables
        assert result.rows_read == result.rows_loaded + result.rows_quarantined
        raw_rows = sum(
            query(f"select count(*) from raw.{s} where _run_id = ?", run_id)[0][0] for s in CONTRACTS
        )
        [(quarantined_rows,)] = query(
            "select count(distinct row_number) from meta.quarantine where run_id = ?", run_id
        )
        assert (raw_rows, quarantined_rows) == (result.rows_loaded, result.rows_quarantined)

        expected = case.expected
        if isinstance(expected, Refused):
            assert result.status == "refused", result.message
            for word in expected.words:
                assert word in result.message, result.message
            for text in expected.never:
                assert text not in result.message, result.message
            assert result.rows_read == 0
        elif isinstance(expected, Duplicate):
            assert result.status == "duplicate", result.message
            assert f"same content as {expected.of}" in result.message
        else:
            assert isinstance(expected, Loaded)
            assert result.status == "loaded", result.message
            assert result.source == case.source
            rules = dict(
                query("select rule, count(*) from meta.quarantine where run_id = ? group by 1", run_id)
            )
            assert (result.rows_loaded, rules, result.rows_quarantined) == (
                expected.rows,
                expected.quarantined,
                expected.expected_quarantined_rows,
            ), result.message
            for word in expected.words:
                assert word in result.message, result.message
            messages = " | ".join(
                m for (m,) in query("select message from meta.quarantine where run_id = ?", run_id)
            )
            for word in expected.quarantine_words:
                assert word in messages, messages
            if expected.check:
                expected.check(query)
    finally:
        con.close()

    # nothing else changed: every raw and meta table is as before, apart from this run's rows
    assert without_run(after, run_id) == before

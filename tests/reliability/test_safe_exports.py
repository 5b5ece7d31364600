"""Exports that are safe to open: every download of every page (tables as CSV, XLSX and Parquet, the
explorer, the cost assumptions CSV, the board pack HTML and XLSX), made from a warehouse loaded
through ingest from exports full of formula-like text and personal data:
- no CSV or XLSX cell a spreadsheet would run (text starting with = + - @ tab or CR), no formulas;
- no personal data anywhere (not in the exports, not in the warehouse);
- download names that stay in their folder, whatever the filter values.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from config.settings import Settings
from dashboard import exports
from ingest.run import ingest_paths
from tests.dashboard.conftest import make_app
from tests.dashboard.test_pages import PAGES
from tests.ingest.exports import BASE, SALT, query
from tests.reliability import builders as b
from warehouse.build import build
from warehouse.filters import Filters

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERSONAL = ("ann@example.com", "bob@example.com", "example.com", "7946 0001", "7946 0002", "+44 20")
HOSTILE = {
    "stores": [
        b.variant("stores", "S1", name='=HYPERLINK("http://evil.example","click")', region="+north"),
        b.variant("stores", "S2", row=2, name="@SUM(1+1)", format="-online"),
    ],
    "customers": [
        b.variant("customers", "C1", segment="-budget"),
        b.variant("customers", "C2", row=2, segment="=cmd|' /C calc'!A0"),
    ],
    "orders": [
        b.variant("orders", "O1", category="=1+2", return_reason="\tdamaged"),
        b.variant("orders", "O2", row=2, return_reason="\r=x"),
    ],
    "roadmap": [
        b.variant("roadmap", "I1", name="=cmd|' /C notepad'!A0", owner="@ops"),
        b.variant("roadmap", "I2", row=2, name="+Order tracking SMS"),
    ],
    "roadmap_checkins": [
        # a status change in the latest month, so the board pack lists it
        b.variant("roadmap_checkins", "I1", note="@SUM(A1:A9)", checkin_date="2024-02-01"),
        b.variant("roadmap_checkins", "I1", row=2, note="=2+3", checkin_date="2024-03-01"),
    ],
    "cost_assumptions": [
        b.variant("cost_assumptions", "gross_margin", description="=2+3", unit="-share"),
        b.variant("cost_assumptions", "cost_per_transfer", row=2, description="@cost"),
    ],
    "contacts": [
        b.variant("contacts", "K1", agent_id="=agent"),
        b.variant("contacts", "K2", row=2, channel="=evil()"),  # quarantined: its value is shown
    ],
    # the header again mid-file: quarantined under repeated_header, a rule without column or value
    "sessions": [b.rows("sessions")[0], b.header("sessions"), b.rows("sessions")[1]],
}


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    files = []
    for source in BASE:
        data = HOSTILE.get(source) or b.rows(source)
        name = "=contacts.csv" if source == "contacts" else f"{source}.csv"  # a file name shown on a page
        path = folder / "exports" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b.csv_bytes(b.table(source, data)))
        files.append(path)
    db = folder / "warehouse.duckdb"
    results = ingest_paths(files, db, settings=Settings(pii_salt=SALT))
    assert {r.status for r in results} == {"loaded"}, [r.message for r in results]
    build(db)
    return db


def _text_of(name: str, data: bytes) -> str:
    """Everything a file holds, as text, for the personal-data search."""
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    if name.endswith(".parquet"):
        metadata = pq.read_schema(io.BytesIO(data)).metadata or {}  # the filters, stated
        return pl.read_parquet(io.BytesIO(data)).write_csv() + " ".join(v.decode() for v in metadata.values())
    return data.decode("utf-8", "replace")


def _unsafe_cells(name: str, data: bytes) -> list[str]:
    """Cells a spreadsheet would run: text starting with a formula character (numbers are fine)."""
    cells: list[str] = []
    if name.endswith(".csv"):
        cells = [c for row in csv.reader(io.StringIO(data.decode())) for c in row]
    elif name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in s or "<f " in s for s in sheets), f"{name}: a formula cell"
        frames = pl.read_excel(io.BytesIO(data), sheet_id=0, infer_schema_length=0, raise_if_empty=False)
        for frame in frames.values():
            cells += frame.columns + [
                v for col in frame.iter_columns() for v in col.to_list() if v is not None
            ]
    return [c for c in cells if c.startswith(FORMULA_START) and not _is_number(c)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _downloads(calls) -> dict[str, bytes]:
    """File name -> the bytes a click downloads (deferred data called, text encoded as Streamlit does)."""
    out = {}
    for _, data, name in calls:
        data = data() if callable(data) else data
        out[name] = data.encode("utf-8") if isinstance(data, str) else data
    return out


def _collect(db: Path, monkeypatch, recorded) -> dict[str, bytes]:
    """Open every page (the explorer grouped by the text dimensions, the friction page with an
    edited assumption, the monthly review with its board pack made) and fetch every download."""
    files: dict[str, bytes] = {}
    for page, path in PAGES.items():
        params = {"group_by": ["channel", "region", "segment"]} if page == "explore" else {}
        at = make_app(db, monkeypatch, params)
        if page == "friction":
            at.session_state["assumptions_editor"] = {
                "edited_rows": {0: {"setting_value": 9.0}},
                "added_rows": [],
                "deleted_rows": [],
            }
        recorded.clear()
        at.run()
        if page != "overview":
            at.switch_page(path).run()
        if page == "review":
            at.button(key="make_pack").click().run()
        assert not at.exception, (page, [e.value for e in at.exception])
        files.update(_downloads(recorded))
    return files


def test_every_download_is_safe_to_open(hostile_db, monkeypatch, recorded):
    files = _collect(hostile_db, monkeypatch, recorded)
    kinds = {Path(n).suffix for n in files}
    # the board pack's PDF, printed when the pack is made, where Chromium is there to print it
    printed = {".pdf"} if Path("/usr/bin/chromium").exists() else set()
    assert kinds == {".csv", ".xlsx", ".parquet", ".html"} | printed
    assert all(data.startswith(b"%PDF") for n, data in files.items() if n.endswith(".pdf"))
    assert any(n.startswith("cx_board_pack_") for n in files) and "cost_assumptions.csv" in files
    assert any(n.startswith("explore_") for n in files) and any(
        n.startswith("quarantined_rows") for n in files
    )
    texts = {name: _text_of(name, data) for name, data in files.items()}
    # the hostile values did reach the exports (as text), so the checks below mean something
    reached = {
        "explore_mart_daily_orders": "-budget",  # a segment, grouped by
        "roadmap_initiatives": "=cmd|' /C notepad'!A0",  # an initiative name
        "quarantined_rows": "=evil()",  # a quarantined value
        "file_loads": "=contacts.csv",  # a file name
        "cost_assumptions.csv": "@cost",  # a description, in the next-version CSV
        "cx_board_pack_2024-03.xlsx": "notepad",  # the roadmap change in the board pack
        "cx_board_pack_2024-03.html": "notepad",
    }
    for prefix, value in reached.items():
        assert any(value in t for n, t in texts.items() if n.startswith(prefix)), (prefix, value)
    for name, data in files.items():
        assert _unsafe_cells(name, data) == [], name
        for text in PERSONAL:
            assert text not in texts[name], (name, text)
        if name.endswith(".html"):  # the board pack: data shown as text, never as markup
            assert "<script>alert" not in texts[name]
            assert "=HYPERLINK(&quot;" in texts[name] or "HYPERLINK" not in texts[name]


def test_the_warehouse_holds_no_personal_data(hostile_db):
    """Ingest hashes e-mails and drops phones (and keeps them out of quarantine records and
    messages), so neither the ingest database nor the published snapshot holds them."""
    from warehouse import snapshots

    for db in (hostile_db, snapshots.current_snapshot(hostile_db)):
        con = duckdb.connect(str(db), read_only=True)
        try:
            columns = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where table_catalog = current_database() and data_type = 'VARCHAR'"
            ).fetchall()
            assert columns
            for schema, table, column in columns:
                for text in PERSONAL:
                    found = con.execute(
                        f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)', [text]
                    ).fetchone()[0]
                    assert found == 0, (db.name, schema, table, column, text)
        finally:
            con.close()


NASTY = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    ".hidden",
    "-rf",
    "a\x00b",
    "C:\\Windows\\system32",
    "con",
    "名前/ファイル",
    "x" * 1000,
    "\u202eexe.csv",
]


@pytest.mark.parametrize("value", NASTY, ids=[repr(v[:20]) for v in NASTY])
def test_download_names_stay_in_their_folder(value, tmp_path):
    filters = Filters(
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
        channel=(value,),
        store=(value, "S1"),
        segment=(value,),
    )
    for stem in (
        exports.file_stem(value, None),
        exports.file_stem(value, filters),
        exports.file_stem("t", filters),
    ):
        name = f"{stem}.xlsx"
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._+-]*\.xlsx", name), name
        assert len(name.encode()) <= 255
        target = (tmp_path / name).resolve()
        assert target.parent == tmp_path.resolve()
        target.write_bytes(b"ok")  # a real file system takes it


def test_csv_header_names_are_neutralised_too():
    frame = pl.DataFrame({"=cmd()": ["=1+2"], "plain": ["-x"], "n": [-1.5]})
    assert exports.csv_bytes(frame) == b"'=cmd(),plain,n\n'=1+2,'-x,-1.5\n"


def test_a_roadmap_kpi_the_metrics_do_not_define_is_shown_plain():
    """Regression: the roadmap page raised KeyError for an initiative whose kpi (any text in the
    contract) is not in metrics.toml, e.g. BASE's 'wismo_contacts'."""
    from dashboard.components import fmt_value

    assert fmt_value("wismo_contacts", 0.2) == "0.2"
    assert fmt_value("wismo_contacts", 12345.0) == "12,345"
    assert fmt_value("wismo_contacts", None) == "–" and fmt_value("wismo_contacts", float("nan")) == "–"
    assert fmt_value("csat", 91.234) == "91.2%"


HOSTILE_NAMES = [
    "--help.csv",
    "; rm -rf ~.csv",
    "$(touch pwned).csv",
    ".hidden.csv",
    "名前 ファイル.csv",
    "x" * 200 + ".csv",
    "..csv.gz",
]


def test_export_files_with_hostile_names_stay_where_they_are(tmp_path):
    """An export's name is only ever a label: ingest writes nothing outside the warehouse's folder
    whatever the name (its scratch files sit in a folder of their own, named by the run)."""
    exports_dir, db = tmp_path / "in", tmp_path / "wh" / "warehouse.duckdb"
    exports_dir.mkdir()
    paths = []
    for i, name in enumerate(HOSTILE_NAMES):
        data = b.csv_bytes(b.table("stores", [b.variant("stores", f"hn{i}")]))
        path = exports_dir / name
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        paths.append(path)
    results = ingest_paths(paths, db, settings=Settings(pii_salt=SALT))
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 1)] * len(paths), [
        r.message for r in results
    ]
    names = [n for (n,) in query(db, "select file_name from meta.file_loads")]
    assert sorted(names) == sorted(HOSTILE_NAMES)
    outside = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")} - {Path("in"), Path("wh")}
    assert {p for p in outside if p.parts[0] not in ("in", "wh")} == set()
    assert sorted(p.name for p in exports_dir.iterdir()) == sorted(HOSTILE_NAMES)  # inputs untouched
    assert sorted(p.name for p in db.parent.iterdir()) == ["warehouse.duckdb"]  # scratch folder removed

"""Corpus cases about containers and formats: gzip, XLSX sheets, Parquet, JSON lines, binary content."""

from __future__ import annotations

import gzip

from tests.reliability import builders as b
from tests.reliability.outcomes import Case, Loaded, Refused


def _gzip_cut() -> bytes:
    lines = [b.header("orders")] + [b.variant("orders", f"gz-{i}") for i in range(3000)]
    whole = gzip.compress(b.csv_bytes(lines))
    return whole[: len(whole) // 2]


FILE_CASES: list[Case] = [
    # -- containers and formats -------------------------------------------------------------------
    Case(
        "gzip_cut_off",
        "orders",
        "orders.csv.gz",
        _gzip_cut,
        Refused(("could not be read as csv.gz", "end-of-stream marker")),
    ),
    Case(
        "gzip_of_windows_1252_text",
        "stores",
        "stores_1252.csv.gz",
        gzip.compress(
            b.csv_bytes(
                b.table("stores", [b.variant("stores", "gz1252", name="Bäckerei")]), encoding="cp1252"
            )
        ),
        Loaded(1, words=("read as Windows-1252",)),
    ),
    Case(
        "plain_text_named_csv_gz",
        "orders",
        "orders_plain.csv.gz",
        b.csv_bytes(b.table("orders", b.rows("orders", "pl"))),
        Refused(("not gzip-compressed",)),
    ),
    Case(
        "xlsx_with_several_sheets",
        "surveys",
        "surveys.xlsx",
        b.xlsx_bytes(
            [
                ("Read me", [["Exported by the survey tool"], ["one answer per row"]]),
                ("Summary", [["survey", "answers"], ["nps", "1"], ["csat", "1"]]),
                ("Responses", b.table("surveys", b.rows("surveys", "xl"))),
                ("Pivot", [["touchpoint", "nps"]]),
            ]
        ),
        Loaded(
            2,
            words=("read sheet 'Responses' (3 of 4; skipped: 'Read me' (its header matches no profile)",),
        ),
    ),
    Case(
        "xlsx_without_a_matching_sheet",
        "surveys",
        "summary.xlsx",
        b.xlsx_bytes(
            [("Read me", [["note"]]), ("Summary", [["survey", "answers"], ["nps", "1"]]), ("Empty", [])]
        ),
        Refused(
            ("no sheet has a header that matches a profile", "'Read me' (header 'note')", "'Empty' (empty)")
        ),
    ),
    Case(
        "xlsx_cut_off",
        "surveys",
        "surveys_cut.xlsx",
        lambda: b.xlsx_bytes([("Responses", b.table("surveys", b.rows("surveys", "xc")))])[:600],
        Refused(("could not be read as xlsx",)),
    ),
    Case(
        "parquet_with_text_in_a_number_column",
        "orders",
        "orders.parquet",
        lambda: b.parquet_bytes(
            b.frame("orders", [b.variant("orders", "pq1", quantity="two"), b.variant("orders", "pq2")])
        ),
        Loaded(1, {"unparseable_integer": 1}),
    ),
    Case(
        "parquet_cut_off",
        "orders",
        "orders_cut.parquet",
        lambda: b.parquet_bytes(b.frame("orders", b.rows("orders", "pqc")))[:200],
        Refused(("could not be read as parquet",)),
    ),
    Case(
        "json_lines_with_a_broken_line",
        "stores",
        "stores_broken.jsonl",
        b'{"store_id": "jb1", "name": "A", "region": "north"}\n{"store_id": "jb2", "name": \n',
        Refused(("line 2 is not a JSON object",)),
    ),
    Case(
        "binary_file_named_csv",
        "orders",
        "orders_binary.csv",
        bytes(range(256)) * 8,
        Refused(("found binary content",)),
    ),
    Case(
        "png_named_csv",
        "orders",
        "orders_png.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        Refused(("found binary content",)),
    ),
    Case(
        "xlsx_named_csv",
        "surveys",
        "surveys_xlsx.csv",
        lambda: b.xlsx_bytes([("Responses", b.table("surveys", b.rows("surveys", "xn")))]),
        Refused(("binary content (a ZIP archive (XLSX?))",)),
    ),
]

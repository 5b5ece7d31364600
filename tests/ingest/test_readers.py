"""Readers: each format loads the same rows; unreadable files are refused with expected and found."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json

import polars as pl
import pytest
import xlsxwriter

from .exports import BASE, csv_with, quarantined, query


def _records(source: str) -> tuple[list[str], list[dict]]:
    header, *rows = list(csv.reader(io.StringIO(BASE[source])))
    return header, [dict(zip(header, r, strict=True)) for r in rows]


def _orders_loaded(db):
    return query(
        db,
        "select order_id, line_no, ordered_at, quantity, unit_price, channel, _row_number "
        "from raw.orders order by _row_number",
    )


EXPECTED = [
    ("O1", 1, dt.datetime(2024, 3, 1, 10, 0), 2, 9.99, "web", 1),
    ("O2", 1, dt.datetime(2024, 3, 2, 11, 30), 1, 20.0, "store", 2),
]


def test_csv(write, ingest, db):
    [r] = ingest(write("orders.csv", BASE["orders"]))
    assert (r.status, r.source, r.profile, r.rows_loaded) == ("loaded", "orders", "canonical_orders", 2)
    assert _orders_loaded(db) == EXPECTED


def test_csv_gz(write, ingest, db):
    [r] = ingest(write("orders.csv.gz", gzip.compress(BASE["orders"].encode())))
    assert (r.status, r.rows_loaded) == ("loaded", 2), r.message
    assert _orders_loaded(db) == EXPECTED


def test_xlsx_with_typed_cells(write, ingest, db, tmp_path):
    header, records = _records("orders")
    path = tmp_path / "exports" / "orders.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("export")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, header)
    for i, rec in enumerate(records, start=1):
        for j, col in enumerate(header):
            value = rec[col]
            if col == "ordered_at":
                sheet.write_datetime(i, j, dt.datetime.fromisoformat(value), when)
            elif col in ("line_no", "quantity", "unit_price") and value:
                sheet.write_number(i, j, float(value))  # Excel stores numbers as floats: 2 -> 2.0
            elif value:
                sheet.write_string(i, j, value)
    book.add_worksheet("notes").write(0, 0, "second sheet is ignored")
    book.close()
    [r] = ingest(path)
    assert (r.status, r.rows_loaded, r.rows_quarantined) == ("loaded", 2, 0), r.message
    assert _orders_loaded(db) == EXPECTED


def test_jsonl_with_json_types(write, ingest, db):
    _, records = _records("orders")
    lines = []
    for rec in records:
        rec = {k: v for k, v in rec.items() if v != ""}
        rec["line_no"], rec["quantity"], rec["unit_price"] = (
            int(rec["line_no"]),
            int(rec["quantity"]),
            float(rec["unit_price"]),
        )
        lines.append(json.dumps(rec))
    [r] = ingest(write("orders.jsonl", "\n".join(lines) + "\n"))
    assert (r.status, r.rows_loaded, r.rows_quarantined) == ("loaded", 2, 0), r.message
    assert _orders_loaded(db) == EXPECTED


def test_parquet_with_native_types(write, ingest, db, tmp_path):
    _, records = _records("orders")
    frame = pl.DataFrame(records).with_columns(
        pl.col("line_no", "quantity").cast(pl.Int64),
        pl.col("unit_price").cast(pl.Float64),
        pl.col("ordered_at").str.to_datetime().dt.replace_time_zone("UTC"),
    )
    path = tmp_path / "exports" / "orders.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    [r] = ingest(path)
    assert (r.status, r.rows_loaded, r.rows_quarantined) == ("loaded", 2, 0), r.message
    assert _orders_loaded(db) == EXPECTED


def test_header_names_are_normalised_and_extra_columns_ignored(write, ingest, db):
    text = BASE["orders"].replace("order_id,line_no", "\ufeff Order_ID ,LINE_NO", 1)
    text = text.replace("return_reason\n", "return_reason,internal_note\n", 1)
    [r] = ingest(write("orders.csv", text))
    assert (r.status, r.rows_loaded) == ("loaded", 2), r.message
    assert _orders_loaded(db) == EXPECTED


def test_semicolon_delimited_and_optional_columns_missing(write, ingest, db):
    text = (
        "order_id;line_no;ordered_at;store_id;channel;sku;quantity;unit_price\n"
        "O1;1;2024-03-01 10:00:00;S1;web;SKU1;2;9.99\n"
    )
    [r] = ingest(write("orders.csv", text))
    assert (r.status, r.rows_loaded) == ("loaded", 1), r.message
    assert query(db, "select order_id, customer_id, currency from raw.orders") == [("O1", None, None)]


def test_blank_lines_are_not_rows(write, ingest, db):
    header, first, second = BASE["orders"].splitlines()
    [r] = ingest(write("orders.csv", f"{header}\n{first}\n\n{second}\n"))
    assert (r.rows_read, r.rows_loaded) == (2, 2)
    assert [row[-1] for row in _orders_loaded(db)] == [1, 3]  # row numbers keep the file's positions


def test_quoted_values_with_delimiters_and_newlines(write, ingest, db):
    text = csv_with("surveys", row=1, comment='fast, friendly\n"really" good')
    [r] = ingest(write("surveys.csv", text))
    assert (r.rows_loaded, r.rows_quarantined) == (2, 0), r.message
    assert query(db, "select comment from raw.surveys where response_id = 'R1'") == [
        ('fast, friendly\n"really" good',)
    ]


# --- refusals: the message names the file, what was expected and what was found --------------------


def test_empty_file_is_refused(write, ingest):
    [r] = ingest(write("orders.csv", ""))
    assert r.status == "refused"
    assert r.message.startswith(
        "orders.csv: refused: expected an export of one of the sources orders, customers"
    )
    assert r.message.endswith("found empty file")


def test_binary_content_with_csv_name_is_refused(write, ingest):
    [r] = ingest(write("orders.csv", bytes(range(256)) * 4))
    assert r.status == "refused"
    assert "orders.csv: refused: expected" in r.message and "found binary content" in r.message


def test_zip_with_csv_name_is_refused_as_binary(write, ingest):
    [r] = ingest(write("orders.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64))
    assert r.status == "refused" and "found binary content (a ZIP archive (XLSX?))" in r.message


def test_header_of_another_source_with_source_given(write, ingest):
    [r] = ingest(write("orders.csv", BASE["surveys"]), source="orders")
    assert r.status == "refused"
    assert "canonical_orders (source orders) needs order_id, line_no, ordered_at" in r.message
    assert "missing: line_no, ordered_at, store_id, sku, quantity, unit_price." in r.message
    assert "found header: 'response_id', 'survey', 'score'" in r.message


def test_unknown_header_names_closest_profiles_and_unmatched_columns(write, ingest):
    [r] = ingest(write("export.csv", "invoice,stock_code,qty\n1,A,2\n"))
    assert r.status == "refused"
    assert "header matches no profile; closest: online_retail_ii (source orders) needs invoice" in r.message
    assert "found header: 'invoice', 'stock_code', 'qty'" in r.message
    assert "columns not in those profiles: 'stock_code', 'qty'" in r.message


def test_missing_required_column_is_refused(write, ingest, db):
    text = (
        "\n".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != 6)  # drop sku
            for line in BASE["orders"].splitlines()
        )
        + "\n"
    )
    [r] = ingest(write("orders.csv", text), source="orders")
    assert r.status == "refused"
    assert "header lacks required columns: canonical_orders (source orders) needs" in r.message
    assert "missing: sku." in r.message and "'order_id', 'line_no'" in r.message
    assert query(db, "select count(*) from raw.orders") == [(0,)]


def test_malformed_csv_is_refused_not_a_traceback(write, ingest):
    [r] = ingest(
        write("orders.csv", BASE["orders"] + "O3,1,2024-03-01 10:00:00,S1,web,,SKU,toys,1,1,,GBP,,,,,,x,y\n")
    )
    assert r.status == "refused"
    assert r.message.startswith("orders.csv: refused: expected profile canonical_orders")
    assert "could not be read as csv" in r.message


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("orders.xlsx", b"order_id,line_no\n", "not an XLSX workbook: text content"),
        ("orders.parquet", b"order_id,line_no\n", "not a Parquet file: text content"),
        ("orders.csv.gz", b"order_id,line_no\n", "not gzip-compressed: plain text"),
        ("orders.jsonl", b'[{"order_id": "O1"}]\n', "a JSON array, not JSON lines"),
        ("orders.pdf", b"%PDF-1.7", "unsupported file type '.pdf'"),
    ],
)
def test_wrong_content_for_the_suffix(name, content, found, write, ingest):
    [r] = ingest(write(name, content))
    assert r.status == "refused" and found in r.message, r.message


def test_missing_file_and_directory(ingest, tmp_path):
    results = ingest(tmp_path / "nope.csv", tmp_path)
    assert [r.status for r in results] == ["refused", "refused"]
    assert results[0].message.endswith("found no such file")
    assert results[1].message.endswith("found a directory")


def test_refused_files_write_only_their_log_row(write, ingest, db):
    ingest(write("a.csv", ""), write("b.csv", BASE["stores"].replace("store_id", "shop")))
    assert query(db, "select file_name, status from meta.file_loads order by 1") == [
        ("a.csv", "refused"),
        ("b.csv", "refused"),
    ]
    assert quarantined(db) == []
    assert query(db, "select status from meta.ingest_runs") == [("failed",)]

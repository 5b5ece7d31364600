"""Ingest: export files -> checked, typed rows in raw.<source>, rejected rows in meta.quarantine.

    from ingest.run import ingest_paths
    results = ingest_paths([Path("orders.csv")], Path("data/warehouse.duckdb"))

Modules by role: contracts (canonical columns), profiles/ (TOML mappings + header detection),
readers (files -> text Parquet stage), workbooks (which XLSX sheet), encodings (non-UTF-8 CSV ->
UTF-8), structure (rows that are not data: repeated headers, a cut-off last row), read_errors
(refusals that name rows, never values), parse (text -> typed SQL), quality/suites (GX suites) and
quality/sql_checks (their SQL), loader (one transaction per file), store (DDL), run (orchestration).
"""

"""Ingest: export files -> checked, typed rows in raw.<source>, rejected rows in meta.quarantine.

    from ingest.run import ingest_paths
    results = ingest_paths([Path("orders.csv")], Path("data/warehouse.duckdb"))

Modules by role: contracts (canonical columns), profiles/ (one TOML file per export format, with
header detection in profiles/detect, the declarative rules in profiles/spec applied by
profiles/transform, wide survey answers in profiles/answers, per-file date order in
profiles/dates), readers (files -> text Parquet stage), workbooks (which XLSX sheet), encodings
(non-UTF-8 CSV -> UTF-8), structure (rows that are not data: repeated headers, a cut-off last row),
read_errors (refusals that name rows, never values), staging (one profile over one export:
questions, rules, lookups, load order), parse (text -> typed SQL), quality/suites (GX suites) and
quality/sql_checks (their SQL), loader (one transaction per file and source), store (DDL), run
(orchestration), results (what run reports per file), progress (the progress bar).
"""

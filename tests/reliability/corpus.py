"""The bad-input corpus: every case built in code, with its expected outcome written next to it.

Each case is ingested into a warehouse that already holds a known good load (BASE of every source,
tests/ingest/exports.py); test_bad_inputs.py checks the outcome (outcomes.py: Refused, Loaded,
Duplicate), that rows read = rows loaded + rows quarantined, and that nothing else in the
warehouse changed. The cases, by theme: cases_text.py (encodings, delimiters, line ends, quoting,
cut-off and empty files, headers, columns), cases_values.py (types, formats, time zones, ranges,
duplicates), cases_files.py (gzip, XLSX, Parquet, JSON lines, binary content), cases_names.py (file names
with [ ] * ?, beside the files they would match as patterns), cases_shares.py (files of mostly bad
rows, refused whole).
"""

from __future__ import annotations

from tests.reliability.cases_files import FILE_CASES
from tests.reliability.cases_names import NAME_CASES
from tests.reliability.cases_shares import SHARE_CASES
from tests.reliability.cases_text import TEXT_CASES
from tests.reliability.cases_values import VALUE_CASES

CASES = [*TEXT_CASES, *VALUE_CASES, *FILE_CASES, *NAME_CASES, *SHARE_CASES]

assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"

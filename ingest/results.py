"""What ingest reports per file and source: a FileResult (the columns of its meta.file_loads row
that a caller needs). Kept apart from ingest.run so that the command line can name its fields
without importing DuckDB."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class FileResult:
    file: str
    source: str | None
    profile: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    status: str  # loaded | duplicate | refused | skipped
    message: str

    def as_dict(self) -> dict:
        return asdict(self)

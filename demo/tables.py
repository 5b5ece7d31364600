"""One source's export as a table of rows that render on demand, so that a large export is
rendered, given its bad rows and written a chunk of rows at a time (peak memory: the world plus
one chunk, not the world plus the whole text frame).

A Table is also the bad-row plan's view of the full columns (bad_rows.Facts): its row count, the
non-null cells of a column (rendered column by column, chunk by chunk) and the text of a few chosen
rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import polars as pl

# Rows rendered and written at a time. Measured at scale 4 (800k order lines): peak RSS 388 MB with
# 100k-row chunks, 531 MB with 250k, 681 MB with 500k (each chunk's intermediates cost ~0.6 KB a
# row), for 3.7 s vs 3.4-3.6 s: small chunks cost little time and keep the peak near the world's.
CHUNK_ROWS = 100_000

Renderer = Callable[[np.ndarray | None, list[str] | None], pl.DataFrame]


class Table:
    def __init__(self, n: int, names: list[str], render: Renderer, chunk_rows: int = CHUNK_ROWS):
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
        self.n, self.names, self._render, self.chunk_rows = n, names, render, chunk_rows

    @classmethod
    def of_frame(cls, frame: pl.DataFrame, chunk_rows: int = CHUNK_ROWS) -> Table:
        """A small export rendered whole (stores, roadmap, ...), sliced like the others."""

        def render(rows, columns):
            part = frame if rows is None else frame[rows]
            return part if columns is None else part.select(columns)

        return cls(frame.height, frame.columns, render, chunk_rows)

    def rows(self, rows: np.ndarray | None = None, columns: list[str] | None = None) -> pl.DataFrame:
        """The clean text of the given rows (all by default) in contract order."""
        return self._render(None if rows is None else np.asarray(rows, dtype=np.int64), columns)

    def chunks(self) -> Iterator[tuple[int, pl.DataFrame]]:
        """(first row, clean text frame) of consecutive chunks; one empty chunk if there are no rows
        (so a writer still writes the header)."""
        for first in range(0, max(self.n, 1), self.chunk_rows):
            last = min(first + self.chunk_rows, self.n)
            yield first, self.rows(np.arange(first, last, dtype=np.int64))

    def not_null(self, column: str) -> np.ndarray:
        mask = np.empty(self.n, dtype=bool)
        for first in range(0, self.n, self.chunk_rows):
            last = min(first + self.chunk_rows, self.n)
            rows = np.arange(first, last, dtype=np.int64)
            mask[first:last] = self._render(rows, [column]).get_column(column).is_not_null().to_numpy()
        return mask

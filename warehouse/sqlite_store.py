"""Opening the small SQLite stores kept beside the warehouse (follow-up statuses, alerts sent) for
writing: WAL mode, so readers never block the writer, and a busy timeout for writers.

Two processes opening a new store at once both ask for WAL mode. Switching the journal mode needs
the database to itself, and SQLite answers "database is locked" at once, without waiting out the
busy timeout, while the other process holds it (creating the schema). So the switch is retried
until the timeout: it then finds the store in WAL mode already.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

TIMEOUT_S = 30


def connect_for_writing(path: Path, timeout_s: float = TIMEOUT_S) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), in WAL mode."""
    con = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
    con.execute(f"pragma busy_timeout={int(timeout_s * 1000)}")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            con.execute("pragma journal_mode=wal")
            return con
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                con.close()
                raise
            time.sleep(0.05)

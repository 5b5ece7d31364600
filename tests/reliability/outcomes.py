"""Outcomes of the bad-input corpus (corpus.py) and the helpers its cases share.

- Refused(words): the file is refused whole; its message holds every word.
- Loaded(rows, {rule: violations}): `rows` rows loaded, the rest quarantined under those rules
  (rows_quarantined = the sum of the violations unless given: a row can break several rules).
- Duplicate(of): the same bytes were loaded before (under any name); nothing is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refused:
    words: tuple[str, ...]
    never: tuple[str, ...] = ()  # text the message must not hold (personal data)


@dataclass(frozen=True)
class Loaded:
    rows: int
    quarantined: dict[str, int] = field(default_factory=dict)
    rows_quarantined: int | None = None
    words: tuple[str, ...] = ()  # in the file's load message
    quarantine_words: tuple[str, ...] = ()  # in the quarantine messages
    check: Callable | None = None  # check(query) with query(sql, *params) -> rows

    @property
    def expected_quarantined_rows(self) -> int:
        return sum(self.quarantined.values()) if self.rows_quarantined is None else self.rows_quarantined


@dataclass(frozen=True)
class Duplicate:
    of: str


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    file: str
    content: bytes | Callable[[], bytes]
    expected: Refused | Loaded | Duplicate
    options: dict = field(default_factory=dict)  # ingest_paths options: source=, profile=
    beside: dict = field(default_factory=dict)  # other files in the same folder: name -> content

    def data(self) -> bytes:
        return _bytes(self.content)

    def files_beside(self) -> dict[str, bytes]:
        return {name: _bytes(content) for name, content in self.beside.items()}


def _bytes(content: bytes | Callable[[], bytes]) -> bytes:
    return content() if callable(content) else content


def query_equals(sql: str, expected: list[tuple], *params):
    def check(query):
        assert query(sql, *params) == expected

    return check


def all_of(*checks: Callable) -> Callable:
    def check(query):
        for c in checks:
            c(query)

    return check

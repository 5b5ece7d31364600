"""A rich progress bar per file while `cx ingest` runs: bytes hashed, then the load steps."""

from __future__ import annotations

from pathlib import Path

from ingest.read_errors import printable

STEPS = ("hash", "read", "keys", "load", "checks")


class FileProgress:
    """A rich progress bar per file (bytes hashed, then the load steps); silent when off."""

    def __init__(self, enabled: bool):
        self.bar = None
        if enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}", markup=False),  # a file name, not markup
                BarColumn(),
                TextColumn("{task.fields[step]}"),
                TimeElapsedColumn(),
                transient=True,
            )

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def file(self, path: Path):
        if not self.bar:
            return lambda step, n=0: None
        size = max(path.stat().st_size if path.exists() else 1, 1)
        # progress units: the file's bytes for hashing, then one file-size share per later step
        task = self.bar.add_task(printable(path.name), total=size * len(STEPS), step="hash")

        def advance(step: str, n: int = 0) -> None:
            if step == "hash":
                self.bar.update(task, advance=n)
            else:
                done = size * (STEPS.index(step) + 1) if step in STEPS else size * len(STEPS)
                self.bar.update(task, completed=done, step=step)

        return advance

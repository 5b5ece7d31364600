"""`cx profiles`: every profile, with its source, vendor, and how a file is recognised.

A file's profile is detected from its header: all signature columns present (compared trimmed,
case-insensitive, byte-order mark stripped; other columns ignored). `--profile NAME` on `cx ingest`
overrides the detection.
"""

from __future__ import annotations

import json

import typer


def _options(p) -> str:
    notes = []
    if p.read.get("skip_rows_after_header"):
        notes.append(f"{int(p.read['skip_rows_after_header']) + 1} header rows")
    answers = p.spec.answers
    if answers is not None and answers.declared:
        group = f" ({answers.nps_group_suffix.upper()} columns mark NPS)" if answers.nps_group_suffix else ""
        notes.append(f"--questions nps=..,csat=..,ces=..{group}")
    if p.companions:
        notes.append("also loads " + ", ".join(p.companions))
    if not p.detect:
        notes.append("companion: used with its main profile or --profile")
    if p.spec.lookup is not None:
        notes.append(f"looks up {p.spec.lookup.source} by {p.spec.lookup.key} (load those first)")
    if p.spec.hash:
        notes.append("hashes " + ", ".join(p.spec.hash))
    if p.skip:
        notes.append(f"skipped: {p.skip}")
    return "; ".join(notes)


def rows(profiles) -> list[dict]:
    return [
        {
            "profile": p.name,
            "source": p.source or "(none)",
            "vendor": p.vendor or "canonical",
            "signature": list(p.signature),
            "description": p.description,
            "options": _options(p),
        }
        for p in sorted(profiles.values(), key=lambda p: (p.name.startswith("canonical_"), p.name))
    ]


def profiles(
    json_out: bool = typer.Option(False, "--json", help="one JSON object per profile (JSON lines)"),
) -> None:
    """List every profile: its source, vendor, the header columns that identify it, its options."""
    from ingest.profiles import load_profiles

    listed = rows(load_profiles())
    if json_out:
        for row in listed:
            typer.echo(json.dumps(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="profiles (detected from the header; cx ingest --profile NAME overrides)")
    for name in ("profile", "source", "vendor", "header signature", "options"):
        table.add_column(name, overflow="fold")
    for row in listed:
        table.add_row(
            row["profile"], row["source"], row["vendor"], ", ".join(row["signature"]), row["options"]
        )
    Console(width=200).print(table)

"""Re-issuing a board pack when late data changes a frozen month.

The pack in force stays at its usual path; `revise` moves it (JSON, and its print HTML and PDF when
there) to `<month>__<key>.rev<N>.*`, where it is kept, and freezes the month again as revision N+1
with the changes listed (`revision_changes`: each metric whose value, n or status moved). Nothing
changed, nothing is re-issued.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from dashboard import board_pack
from warehouse.filters import Filters
from warehouse.metrics import METRICS


def changes(old: dict, new: dict) -> list[dict]:
    """Each metric of the scorecard whose value, n or status differs between two packs."""
    before = {r["metric"]: r for r in old["scorecard"]}
    out = []
    for r in new["scorecard"]:
        b = before.get(r["metric"])
        if b is None:
            continue
        if (
            board_pack._differs(b["value"], r["value"])
            or board_pack._differs(b["n"], r["n"])
            or b["status"] != r["status"]
        ):
            m = METRICS[r["metric"]]
            out.append(
                {
                    "metric": r["metric"],
                    "label": m.label,
                    "before": m.fmt(b["value"]),
                    "after": m.fmt(r["value"]),
                    "n_before": b["n"],
                    "n_after": r["n"],
                    "status_before": b["status"],
                    "status_after": r["status"],
                }
            )
    return out


def archived(directory: Path, month: date, filters: Filters) -> list[Path]:
    """The JSON of every earlier revision kept, oldest first."""
    current = board_pack.pack_path(directory, month, filters)
    return sorted(current.parent.glob(f"{current.stem}.rev*.json"), key=lambda p: int(p.suffixes[-2][4:]))


def revise(directory: Path, month: date, filters: Filters, make) -> tuple[dict | None, list[dict]]:
    """(the new revision, its changes); (None, []) when no pack is frozen or nothing changed."""
    current = board_pack.pack_path(directory, month, filters)
    if not current.exists():
        return None, []
    old = json.loads(current.read_text())
    fresh = json.loads(json.dumps(make(), default=board_pack._json_default))
    listed = changes(old, fresh)
    if not listed:
        return None, []
    number = int(old.get("revision", 1))
    for suffix in (".json", ".html", ".pdf"):
        path = current.with_suffix(suffix)
        if path.exists():
            os.replace(path, current.with_name(f"{current.stem}.rev{number}{suffix}"))
    fresh["revision"] = number + 1
    fresh["revises"] = {"revision": number, "frozen_at": old["frozen_at"], "snapshot": old["snapshot"]}
    fresh["revision_changes"] = listed
    return board_pack.freeze(directory, month, filters, lambda: fresh), listed

"""The demo retailer's targets (demo/targets.toml), saved as the demo warehouse's first targets
version by `cx demo`, the way a governance team would save its own."""

from __future__ import annotations

from pathlib import Path

from warehouse import targets

DEMO_TARGETS = Path(__file__).with_name("targets.toml")


def save_demo_targets(db: Path) -> None:
    """Once per warehouse: a warehouse that already has targets keeps them."""
    if targets.read_store(db):
        return
    version = targets.read_file(DEMO_TARGETS)[0]
    targets.save_version(db, version.as_dict(), version.effective_from, version.set_by, version.reason)

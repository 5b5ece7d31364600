"""Targets and alert thresholds: the retailer's governed configuration, versioned like the cost
assumptions (who set them, when, why, effective from which day), never the demo's pounds judging
another retailer's reais.

Two places hold versions, read together:
- a TOML file the retailer keeps (`config/targets.toml`, or the path in CX_TARGETS):

      [[version]]
      effective_from = 2026-01-01
      set_by = "cx.governance@example.com"
      reason = "FY2026 service standards"
      [version.targets]
      csat = { target = 95, alert = 80 }
      aov = { target = 150, alert = 110 }

- the versions the governance team saves in the dashboard, appended (one JSON line each, never
  rewritten) to `targets/versions.jsonl` beside the warehouse, outside the read-only snapshot.

A period is judged by the newest version in effect on its last day. A metric no version names has
"no target set": no status colour and never an alert.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from warehouse.metrics import METRICS


class TargetsError(ValueError):
    """A targets file or a new version that cannot be used, with the reason."""


@dataclass(frozen=True)
class Target:
    target: float
    alert: float


@dataclass(frozen=True)
class TargetVersion:
    effective_from: date
    set_by: str
    set_at: str  # ISO time it was saved (a file's version: "file")
    reason: str
    targets: tuple[tuple[str, Target], ...]
    source: str = "dashboard"  # or the file's name

    def as_dict(self) -> dict[str, Target]:
        return dict(self.targets)


@dataclass(frozen=True)
class Targets:
    """Every version (hashable: the dashboard's cache keys on it)."""

    versions: tuple[TargetVersion, ...] = ()

    def version_on(self, day: date | None) -> TargetVersion | None:
        live = [v for v in self.versions if day is None or v.effective_from <= day]
        return max(live, key=lambda v: (v.effective_from, v.set_at), default=None)

    def on(self, day: date | None) -> dict[str, Target]:
        version = self.version_on(day)
        return version.as_dict() if version else {}


def targets_of_rows(rows: list[dict]) -> dict[str, Target]:
    """metric -> Target from scorecard rows (their target and alert columns), those with one only."""
    return {r["metric"]: Target(r["target"], r["alert"]) for r in rows if r.get("target") is not None}


def store_path(db: Path) -> Path:
    return Path(db).parent / "targets" / "versions.jsonl"


def validate(targets: dict[str, Target]) -> None:
    for key, t in targets.items():
        m = METRICS.get(key)
        if m is None:
            raise TargetsError(f"{key!r} is not a metric (metrics: {', '.join(METRICS)})")
        if t.target is None or t.alert is None:
            raise TargetsError(f"{m.label}: a target needs both a target and an alert threshold")
        wrong = t.alert > t.target if m.direction == "higher" else t.alert < t.target
        if wrong:
            side = "below" if m.direction == "higher" else "above"
            raise TargetsError(
                f"{m.label}: the alert threshold ({t.alert:g}) must be {side} the target ({t.target:g}), "
                f"as {'higher' if m.direction == 'higher' else 'lower'} is better"
            )


def _targets(where: str, table) -> tuple[tuple[str, Target], ...]:
    if not isinstance(table, dict):
        raise TargetsError(f"{where}: targets must be a table of metric = {{ target, alert }}")
    out = {}
    for key, spec in table.items():
        if not isinstance(spec, dict) or set(spec) != {"target", "alert"}:
            raise TargetsError(f"{where}: {key} must be {{ target = ..., alert = ... }}")
        try:
            out[key] = Target(float(spec["target"]), float(spec["alert"]))
        except (TypeError, ValueError):
            raise TargetsError(f"{where}: {key}'s target and alert must be numbers") from None
    try:
        validate(out)
    except TargetsError as exc:
        raise TargetsError(f"{where}: {exc}") from None
    return tuple(sorted(out.items()))


def read_file(path: Path) -> list[TargetVersion]:
    """The versions of a targets TOML file (none when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TargetsError(f"targets file {path.name} is not valid TOML: {exc}") from None
    out = []
    for i, v in enumerate(data.get("version", []), start=1):
        where = f"targets file {path.name}, version {i}"
        if not isinstance(v.get("effective_from"), date):
            raise TargetsError(f"{where}: effective_from must be a date like 2026-01-01")
        out.append(
            TargetVersion(
                effective_from=v["effective_from"],
                set_by=str(v.get("set_by", "")),
                set_at="file",
                reason=str(v.get("reason", "")),
                targets=_targets(where, v.get("targets", {})),
                source=path.name,
            )
        )
    return out


def read_store(db: Path) -> list[TargetVersion]:
    path = store_path(db)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
            targets = {k: Target(float(t["target"]), float(t["alert"])) for k, t in row["targets"].items()}
            out.append(
                TargetVersion(
                    effective_from=date.fromisoformat(row["effective_from"]),
                    set_by=row.get("set_by", ""),
                    set_at=row.get("set_at", ""),
                    reason=row.get("reason", ""),
                    targets=tuple(sorted((k, t) for k, t in targets.items() if k in METRICS)),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a line cut by a full disk: the versions before and after it still count
    return out


def load(db: Path, file: Path | None = None) -> Targets:
    """The versions saved beside `db` and those of `file` (the retailer's targets TOML)."""
    versions = read_store(db) + (read_file(file) if file else [])
    return Targets(tuple(sorted(versions, key=lambda v: (v.effective_from, v.set_at))))


def save_version(
    db: Path, targets: dict[str, Target], effective_from: date, set_by: str, reason: str
) -> TargetVersion:
    """Append a new version (checked first); earlier versions stay as they were."""
    validate(targets)
    if not reason.strip():
        raise TargetsError("say why the targets change (the reason is kept with the version)")
    version = TargetVersion(
        effective_from=effective_from,
        set_by=set_by,
        set_at=datetime.now(UTC).isoformat(timespec="seconds"),
        reason=reason.strip(),
        targets=tuple(sorted(targets.items())),
    )
    row = {
        "effective_from": effective_from.isoformat(),
        "set_by": set_by,
        "set_at": version.set_at,
        "reason": version.reason,
        "targets": {k: {"target": t.target, "alert": t.alert} for k, t in version.targets},
    }
    path = store_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (json.dumps(row) + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    return version

"""Profiles: declarative mappings from an export's own header and formats to a canonical contract.

A profile is one TOML file in this folder (or in a folder passed to `load_profiles`):

    name = "canonical_orders"          # what --profile names
    source = "orders"                  # the contract it maps to (ingest/contracts.py)
    [header]
    signature = ["order_id", ...]      # export columns that identify the profile (all present)
    [columns]
    "export column" = "canonical_column"
    [formats]                          # optional: strptime format(s) of a timestamp/date column
    ordered_at = ["%d/%m/%Y %H:%M"]
    [values.channel]                   # optional: export value (lower case) -> canonical value
    "online store" = "web"
    [read]                             # optional reader options
    delimiter = ";"
    skip_rows_after_header = 0

Header names are compared normalised (byte-order mark stripped, trimmed, lower case). Adding a
vendor format means adding a file; nothing else changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.contracts import CONTRACTS

PROFILE_DIR = Path(__file__).parent


class ProfileError(ValueError):
    """A profile file that does not describe a usable mapping."""


def normalise(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


@dataclass(frozen=True)
class Profile:
    name: str
    source: str
    signature: tuple[str, ...]
    columns: dict[str, str]  # normalised export column -> canonical column
    formats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    read: dict[str, object] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None

    @property
    def contract(self):
        return CONTRACTS[self.source]

    def export_column(self, canonical: str) -> str | None:
        for export, target in self.columns.items():
            if target == canonical:
                return export
        return None

    @property
    def required_columns(self) -> list[str]:
        """Export column names that must be in the header: the signature plus every column mapped to
        a required contract column."""
        needed = list(self.signature)
        for name in self.contract.required:
            export = self.export_column(name)
            if export is not None and export not in needed:
                needed.append(export)
        return needed

    def missing(self, header: list[str]) -> list[str]:
        present = {normalise(h) for h in header}
        return [c for c in self.required_columns if c not in present]

    def mapping(self, header: list[str]) -> dict[str, str]:
        """Original header name -> canonical column, for the header columns this profile maps."""
        out: dict[str, str] = {}
        for original in header:
            target = self.columns.get(normalise(original))
            if target is not None and target not in out.values():
                out[original] = target
        return out


def _profile_from_toml(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from None
    name, source = data.get("name"), data.get("source")
    if not name or source not in CONTRACTS:
        raise ProfileError(f"{path}: needs name and a source among {', '.join(CONTRACTS)}")
    contract = CONTRACTS[source]
    columns = {normalise(k): v for k, v in data.get("columns", {}).items()}
    unknown = sorted(set(columns.values()) - set(contract.names))
    if unknown:
        raise ProfileError(f"{path}: maps to columns not in the {source} contract: {', '.join(unknown)}")
    unmapped_required = [c for c in contract.required if c not in columns.values()]
    if unmapped_required:
        raise ProfileError(f"{path}: required {source} columns not mapped: {', '.join(unmapped_required)}")
    signature = tuple(normalise(c) for c in data.get("header", {}).get("signature", []))
    if not signature:
        signature = tuple(e for e, t in columns.items() if t in contract.required)
    formats = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in data.get("formats", {}).items()}
    values = {col: {normalise(k): v for k, v in m.items()} for col, m in data.get("values", {}).items()}
    for col in [*formats, *values]:
        if col not in contract.names:
            raise ProfileError(f"{path}: formats/values for {col}, which is not a {source} column")
    return Profile(
        name=name,
        source=source,
        signature=signature,
        columns=columns,
        formats=formats,
        values=values,
        read=dict(data.get("read", {})),
        description=data.get("description", ""),
        path=path,
    )


def load_profiles(extra_dirs: list[Path] | None = None) -> dict[str, Profile]:
    """Every profile in this folder and in `extra_dirs`, by name."""
    profiles: dict[str, Profile] = {}
    for folder in [PROFILE_DIR, *(extra_dirs or [])]:
        for path in sorted(Path(folder).glob("*.toml")):
            profile = _profile_from_toml(path)
            if profile.name in profiles:
                raise ProfileError(
                    f"{path}: profile {profile.name} is already defined in {profiles[profile.name].path}"
                )
            profiles[profile.name] = profile
    return profiles


@dataclass(frozen=True)
class Detection:
    profile: Profile | None
    message: str = ""


def detect_profile(
    header: list[str],
    profiles: dict[str, Profile],
    source: str | None = None,
    profile: str | None = None,
) -> Detection:
    """Choose the profile for a header: --profile wins, --source restricts, else the best signature match.

    A header no candidate accepts gives a Detection without profile and a message naming what was
    expected (the closest profiles and their missing columns) and what was found (the header).
    """
    found = "found header: " + (", ".join(repr(h) for h in header) if header else "(no columns)")
    if profile is not None:
        chosen = profiles.get(profile)
        if chosen is None:
            return Detection(None, f"unknown profile {profile!r}; known: {', '.join(sorted(profiles))}")
        if source is not None and chosen.source != source:
            return Detection(None, f"profile {profile} is for source {chosen.source}, not {source}")
        candidates = [chosen]
    else:
        if source is not None and source not in CONTRACTS:
            return Detection(None, f"unknown source {source!r}; known: {', '.join(CONTRACTS)}")
        candidates = [p for p in profiles.values() if source is None or p.source == source]

    matches = [p for p in candidates if not p.missing(header)]
    if matches:
        normalised = {normalise(h) for h in header}

        def score(p: Profile) -> tuple[int, int]:
            return (len(normalised & set(p.columns)), len(p.signature))

        matches.sort(key=score, reverse=True)
        best = matches[0]
        if len(matches) > 1 and score(matches[1]) == score(best) and matches[1].source != best.source:
            names = ", ".join(p.name for p in matches if score(p) == score(best))
            return Detection(
                None, f"header matches several profiles ({names}); name one with --profile. {found}"
            )
        return Detection(best)

    def closeness(p: Profile) -> tuple[int, int]:
        return (len(p.missing(header)), -len(p.required_columns))

    closest = sorted(candidates, key=closeness)[:3]
    expected = "; ".join(
        f"{p.name} (source {p.source}) needs {', '.join(p.required_columns)}; "
        f"missing: {', '.join(p.missing(header))}"
        for p in closest
    )
    if profile is not None or source is not None:
        lead = "header lacks required columns"
    else:
        lead = "header matches no profile; closest"
    normalised_known = set().union(*(p.columns for p in closest)) if closest else set()
    unmatched = [h for h in header if normalise(h) not in normalised_known]
    tail = f"; columns not in those profiles: {', '.join(repr(h) for h in unmatched)}" if unmatched else ""
    return Detection(None, f"{lead}: {expected}. {found}{tail}")

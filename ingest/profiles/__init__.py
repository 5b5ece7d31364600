"""Profiles: declarative mappings from an export's own header and formats to a canonical contract.

A profile is one TOML file in this folder (or in a folder passed to `load_profiles`), named
`<vendor>_<entity>.toml`:

    name = "canonical_orders"          # what --profile names
    source = "orders"                  # the contract it maps to (ingest/contracts.py)
    vendor = "Shopify"                 # optional: who writes this export (shown by `cx profiles`)
    [header]
    signature = ["order_id", ...]      # export columns that identify the profile (all present)
    [columns]
    "export column" = "canonical_column"   # or "_helper": staged for the rules below, never loaded
    [formats]                          # optional: strptime format(s) of a timestamp/date column;
    ordered_at = ["%d/%m/%Y %H:%M"]    # "unix_seconds" for epoch seconds; day-first and
                                       # month-first formats together are decided per file
    [values.channel]                   # optional: export value (lower case) -> canonical value
    "online store" = "web"             # ("" = no value, e.g. for a sentinel date)
    [scale]                            # optional: multiply a number, e.g. minutes -> seconds
    wait_seconds = 60
    [read]                             # optional reader options
    delimiter = ";"
    skip_rows_after_header = 0         # extra header rows (Qualtrics 2, SurveyMonkey 1)

plus the sections of ingest.profiles.spec (fill_down, derive, constants, lookup, not_a_fact,
answers, pii). Two more top-level keys: `companions = ["other_profile"]` applies further profiles of
other sources to the same file (a Zendesk ticket export feeds contacts and surveys), and a profile
with `detect = false` is only used as a companion or with --profile. A profile with
`skip = "reason"` recognises an export that feeds no source (Olist payments): the file is logged
as skipped with that reason instead of being refused. `note = "..."` is said in the load message
of every file the profile reads (Shopify's order-level export: one line per order).

Header names are compared normalised (byte-order mark stripped, trimmed, lower case). Adding a
vendor format means adding a file; nothing else changes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.contracts import CONTRACTS
from ingest.profiles.detect import Detection, detect_profile, normalise
from ingest.profiles.spec import Spec, SpecError, parse_spec

PROFILE_DIR = Path(__file__).parent

__all__ = ["Detection", "Profile", "ProfileError", "detect_profile", "load_profiles", "normalise"]


class ProfileError(ValueError):
    """A profile file that does not describe a usable mapping."""


def is_helper(column: str) -> bool:
    return column.startswith("_")


@dataclass(frozen=True)
class Profile:
    name: str
    source: str | None  # None for a skip profile
    signature: tuple[str, ...]
    columns: dict[str, str]  # normalised export column -> canonical (or _helper) column
    formats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    read: dict[str, object] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None
    vendor: str = ""
    spec: Spec = field(default_factory=Spec)
    companions: tuple[str, ...] = ()
    detect: bool = True
    skip: str = ""  # reason: a recognised export that feeds no source
    note: str = ""  # said in the load message of every file it reads (how the file was read)

    @property
    def contract(self):
        return CONTRACTS[self.source]

    def export_columns(self, target: str) -> list[str]:
        return [export for export, t in self.columns.items() if t == target]

    def export_column(self, canonical: str) -> str | None:
        found = self.export_columns(canonical)
        return found[0] if found else None

    @property
    def provided(self) -> set[str]:
        """Canonical columns filled by a rule rather than only by an export column."""
        spec = self.spec
        out = set(spec.constants) | {d.target for d in spec.derive}
        if spec.lookup:
            out |= set(spec.lookup.fill)
        if spec.answers:
            out |= {"survey", "score"}
        return out

    def _needs(self) -> list[tuple[str, ...]]:
        """Groups of alternative export names; each group must have one name in the header."""
        needs: list[tuple[str, ...]] = [(s,) for s in self.signature]
        if self.skip:
            return needs
        for name in self.contract.required:
            if name in self.provided:
                continue
            exports = tuple(self.export_columns(name))
            if exports and not any(set(group) & set(exports) for group in needs):
                needs.append(exports)
        return needs

    @property
    def required_columns(self) -> list[str]:
        """Export column names that must be in the header: the signature plus every column mapped to
        a required contract column that no rule provides (alternatives written `a | b`)."""
        return [" | ".join(group) for group in self._needs()]

    def missing(self, header: list[str]) -> list[str]:
        present = {normalise(h) for h in header}
        return [" | ".join(g) for g in self._needs() if not present & set(g)]

    def mapping(self, header: list[str]) -> dict[str, str]:
        """Original header name -> canonical column, for the header columns this profile maps."""
        out: dict[str, str] = {}
        for original in header:
            target = self.columns.get(normalise(original))
            if target is not None and target not in out.values():
                out[original] = target
        return out

    @property
    def helpers(self) -> list[str]:
        """Helper columns (not in the contract) the profile stages for its rules."""
        names = [t for t in self.columns.values() if is_helper(t)]
        names += [d.target for d in self.spec.derive if is_helper(d.target)]
        names += [t for t in (self.spec.lookup.fill if self.spec.lookup else {}) if is_helper(t)]
        return list(dict.fromkeys(names))


def _check(profile: Profile, path: Path) -> None:
    if profile.skip:
        return
    source, contract = profile.source, profile.contract
    known = set(contract.names)
    unknown = sorted({t for t in profile.columns.values() if not is_helper(t)} - known)
    if unknown:
        raise ProfileError(f"{path}: maps to columns not in the {source} contract: {', '.join(unknown)}")
    mapped = set(profile.columns.values()) | profile.provided
    unmapped_required = [c for c in contract.required if c not in mapped]
    if unmapped_required:
        raise ProfileError(f"{path}: required {source} columns not mapped: {', '.join(unmapped_required)}")
    for col in [*profile.formats, *profile.values, *profile.spec.scale]:
        if col not in known:
            raise ProfileError(f"{path}: formats/values/scale for {col}, which is not a {source} column")
    staged = known | set(profile.helpers) | {t for t in profile.columns.values() if is_helper(t)}
    stray = sorted(c for c in profile.spec.columns_used() if c not in staged)
    if stray:
        raise ProfileError(f"{path}: rules use columns that are neither mapped nor in the contract: {stray}")
    lookup = profile.spec.lookup
    if lookup and lookup.source not in CONTRACTS:
        raise ProfileError(f"{path}: lookup source {lookup.source} is not a contract")


def _profile_from_toml(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from None
    name, source, skip = data.get("name"), data.get("source"), data.get("skip", "")
    if not name or (source not in CONTRACTS and not skip):
        raise ProfileError(f"{path}: needs name and a source among {', '.join(CONTRACTS)}")
    columns = {normalise(k): v for k, v in data.get("columns", {}).items()}
    signature = tuple(normalise(c) for c in data.get("header", {}).get("signature", []))
    if not signature:
        if skip:
            raise ProfileError(f"{path}: a skip profile needs a header signature")
        signature = tuple(e for e, t in columns.items() if t in CONTRACTS[source].required)
    formats = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in data.get("formats", {}).items()}
    values = {col: {normalise(k): v for k, v in m.items()} for col, m in data.get("values", {}).items()}
    try:
        spec = parse_spec(data, str(path))
    except (SpecError, KeyError, TypeError) as exc:
        raise ProfileError(f"{path}: {exc}") from None
    profile = Profile(
        name=name,
        source=source if source in CONTRACTS else None,
        signature=signature,
        columns=columns,
        formats=formats,
        values=values,
        read=dict(data.get("read", {})),
        description=data.get("description", ""),
        path=path,
        vendor=data.get("vendor", ""),
        spec=spec,
        companions=tuple(data.get("companions", ())),
        detect=bool(data.get("detect", True)),
        skip=skip,
        note=str(data.get("note", "")),
    )
    _check(profile, path)
    return profile


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
    for profile in profiles.values():
        for companion in profile.companions:
            if companion not in profiles:
                raise ProfileError(f"{profile.path}: companion profile {companion} does not exist")
    return profiles

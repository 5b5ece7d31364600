"""Header detection: which profile reads a file, or a refusal naming the closest profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.contracts import CONTRACTS
from ingest.read_errors import quote_names

if TYPE_CHECKING:
    from ingest.profiles import Profile


def normalise(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


@dataclass(frozen=True)
class Detection:
    profile: Profile | None
    message: str = ""


def _closeness(p: Profile, header: list[str]) -> tuple[float, int]:
    """Share of the profile's needed columns present (higher = closer), then fewer missing."""
    needed = len(p.required_columns) or 1
    missing = len(p.missing(header))
    return (-(needed - missing) / needed, missing)


def detect_profile(
    header: list[str],
    profiles: dict[str, Profile],
    source: str | None = None,
    profile: str | None = None,
) -> Detection:
    """Choose the profile for a header: --profile wins, --source restricts, else the best signature match.

    Profiles marked `detect = false` (companions) are only chosen by name. A header no candidate
    accepts gives a Detection without profile and a message naming what was expected (the closest
    profiles and their missing columns) and what was found (the header).
    """
    found = "found header: " + (quote_names(header) if header else "(no columns)")
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
        candidates = [p for p in profiles.values() if p.detect and (source is None or p.source == source)]

    matches = [p for p in candidates if not p.missing(header)]
    if matches:
        normalised = {normalise(h) for h in header}

        def score(p: Profile) -> tuple[int, int]:
            return (len(normalised & (set(p.columns) | set(p.signature))), len(p.signature))

        matches.sort(key=score, reverse=True)
        best = matches[0]
        if len(matches) > 1 and score(matches[1]) == score(best) and matches[1].source != best.source:
            names = ", ".join(p.name for p in matches if score(p) == score(best))
            return Detection(
                None, f"header matches several profiles ({names}); name one with --profile. {found}"
            )
        return Detection(best)

    ranked = sorted(candidates, key=lambda p: _closeness(p, header))
    # With many profiles, name the best and those nearly as close (half their columns present);
    # when nothing matches at all, the first three.
    best = -_closeness(ranked[0], header)[0] if ranked else 0
    closest = [p for i, p in enumerate(ranked) if i == 0 or best == 0 or -_closeness(p, header)[0] >= 0.5][:3]
    expected = " ".join(
        f"{p.name} (source {p.source or 'none'}) needs {', '.join(p.required_columns)}; "
        f"missing: {', '.join(p.missing(header))}."
        for p in closest
    )
    if profile is not None or source is not None:
        lead = "header lacks required columns"
    else:
        lead = "header matches no profile; closest"
    known = set().union(*(set(p.columns) | set(p.signature) for p in closest)) if closest else set()
    unmatched = [h for h in header if normalise(h) not in known]
    tail = f"; columns not in those profiles: {quote_names(unmatched)}" if unmatched else ""
    return Detection(None, f"{lead}: {expected} {found}{tail}")

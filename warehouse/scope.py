"""Which rows a person may see: the whole business, or the rows of some regions and stores.

A Scope travels inside the Filters every query takes (warehouse/filters.py), and `where_clause`
adds it as its own bound predicate beside the filters: a filter can narrow what a scoped user sees,
never widen it, because the two conditions are joined with `and`. Who gets which scope is the
access file's business (config/access.py); the warehouse only applies it.

A fact's region is the one rule of the models (fct_orders): its store's region, else the
customer's on the day. So a region manager sees every row of their regions' stores, and a store
manager sees their stores' orders and the contacts and answers tied to those orders.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """`everything` = no restriction. Otherwise a row is in scope when its region is one of
    `regions` or its store one of `stores`; a restricted scope naming neither sees nothing."""

    everything: bool = True
    regions: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()

    @classmethod
    def of(cls, regions=(), stores=()) -> Scope:
        return cls(
            everything=False, regions=tuple(str(r) for r in regions), stores=tuple(str(s) for s in stores)
        )

    @property
    def restricted(self) -> bool:
        return not self.everything

    def allows(self, region: str | None, store: str | None) -> bool:
        return self.everything or region in self.regions or store in self.stores

    def predicate(self, region_column: str = "region", store_column: str = "store_id", prefix: str = ""):
        """SQL condition and its bound parameters ("true" for the whole business)."""
        if self.everything:
            return "true", {}
        condition = (
            f"(list_contains(cast(${prefix}scope_regions as varchar[]), {region_column}) "
            f"or list_contains(cast(${prefix}scope_stores as varchar[]), {store_column}))"
        )
        return condition, {
            f"{prefix}scope_regions": list(self.regions),
            f"{prefix}scope_stores": list(self.stores),
        }

    def describe(self) -> str:
        if self.everything:
            return "the whole business"
        parts = []
        if self.regions:
            parts.append(f"region{'s' if len(self.regions) > 1 else ''} {', '.join(self.regions)}")
        if self.stores:
            parts.append(f"store{'s' if len(self.stores) > 1 else ''} {', '.join(self.stores)}")
        return " and ".join(parts) or "no rows"

    def key(self) -> str:
        """A short stable text naming the scope, for file names and frozen board packs."""
        if self.everything:
            return "all"
        return "r-" + "+".join(self.regions) + "_s-" + "+".join(self.stores)


EVERYTHING = Scope()

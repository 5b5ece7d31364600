"""A day's build of mart_customer_periods: its rows slid from the period ends before.

mart_customer_periods holds each customer's figures as of a few period ends (the as-of date, the
ends of its comparison periods, the monthly review's month ends: mart_customer_period_ends). A
day's data moves most of those ends by a day, so every row's period end changes and the partitions
of warehouse/incremental.py would rebuild the whole model (8.6 s of a day's 29.5 s build at 10M
order lines). Yet a customer's rows as of end n are those as of an earlier end o, with n for o,
unless something they are computed from differs between the two:
- a purchase on a day entering the 12 months (o, n], or leaving the 12 months or one of the
  "last N days" periods whose orders a row counts ((o - N, n - N] for N in 365 and
  mart_preset_periods' period_days): such a day changes which places they bought at, their last
  purchase, their margin or their orders in the period;
- a purchase of theirs changed (mart_customer_daily's delta, its old and new rows) within either
  end's 12 months;
- the tier or segment they hold on n is not the one their rows have as of o (mart_customer_tiers);
- there is no end o before n in the previous build (a new end far from the others: all computed).
Those customers' rows as of n are computed by the model's own SQL, `{{ slid() }}` choosing them
(warehouse/project.py); every other row as of o is kept with n for o (_move_rows); rows as of ends
no longer held are dropped. A customer new on n bought on a day entering the 12 months, one gone bought only
on days leaving them: both are computed.
This needs customer_key to mean the same customer before and after: mart_customer_daily numbers
customers by their first purchase, so a day's new customers do not renumber the others, and an
incremental build says when older rows were renumbered (then, or when mart_customer_daily was
rebuilt in full, this model is rebuilt in full).
The result is the rows a full build gives (tests/warehouse/test_sliding.py moves the ends by a day,
a month and backwards and compares every row); the copied rows keep their storage order and the
computed ones are appended, as in an incremental build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse.project import SLID_TABLE, Model

if TYPE_CHECKING:  # warehouse/incremental.py runs this module
    from warehouse.incremental import Delta

PURCHASES = "mart_customer_daily"
HELD = "mart_customer_tiers"
ENDS = "mart_customer_period_ends"
PRESETS = "mart_preset_periods"
# the 12 months before a period end whose purchases the model reads (its `interval 365 day`)
WINDOW_DAYS = 365


def unslidable(model: Model, changed: dict[str, Delta]) -> str | None:
    """Why the model cannot slide with these changed inputs (its rows must be rebuilt), or None."""
    if set(model.inputs) != {PURCHASES, HELD, ENDS}:
        return f"it slides with {PURCHASES}, {HELD} and {ENDS} (warehouse/sliding.py), not its inputs"
    purchases = changed.get(PURCHASES)
    if purchases is not None and purchases.every:
        return f"every row of {PURCHASES} may have changed"
    if purchases is not None and purchases.renumbered:
        return f"{PURCHASES} renumbered its customers"
    return None


def slide(con, model: Model, changed: dict[str, Delta], time_zone: str, check_partitions) -> int:
    """Bring the model's rows as of the previous build's period ends to those of ENDS now; returns
    its rows (its delta is `all`: its consumer, mart_customer_period_places, is built in full).
    `check_partitions(con, model, table)` checks the grain of the computed rows."""
    table = model.name
    end, key = model.slides
    # each end held now, and the latest end held before it (none: every customer computed)
    con.execute(
        f"create or replace temp table _slid_ends as "
        f"select now.period_end_date, max(before.{end}) as previous_end_date "
        f"from {ENDS} as now left join (select distinct {end} from {table}) as before "
        f"on before.{end} <= now.period_end_date group by now.period_end_date"
    )
    windows = sorted(
        {WINDOW_DAYS, *(r[0] for r in con.execute(f"select distinct period_days from {PRESETS}").fetchall())}
    )
    # the days entering the 12 months, and those leaving them or a "last N days" period
    moved = " union all ".join(
        [
            "select period_end_date, previous_end_date as after, period_end_date as until from _slid_ends",
            *(
                f"select period_end_date, cast(previous_end_date - interval {int(days)} day as date), "
                f"cast(period_end_date - interval {int(days)} day as date) from _slid_ends"
                for days in windows
            ),
        ]
    )
    con.execute(
        f"create or replace temp table _slid_days as select distinct period_end_date, "
        f"cast(unnest(generate_series(cast(after as timestamp) + interval 1 day, cast(until as timestamp), "
        f"interval 1 day)) as date) as activity_date "
        f"from ({moved}) where after is not null and after < until"
    )
    picked = [
        # every customer of an end with none before it
        f"select ends.period_end_date, purchases.{key} from _slid_ends as ends "
        f"inner join {PURCHASES} as purchases "
        f"on purchases.activity_date > ends.period_end_date - interval {WINDOW_DAYS} day "
        f"and purchases.activity_date <= ends.period_end_date where ends.previous_end_date is null",
        # a purchase on a day that moved in or out
        f"select days.period_end_date, purchases.{key} from _slid_days as days "
        f"inner join {PURCHASES} as purchases on purchases.activity_date = days.activity_date",
        # the tier or segment held on the new end differs from the rows'
        f"select ends.period_end_date, rows.{key} from {table} as rows "
        f"inner join _slid_ends as ends on rows.{end} = ends.previous_end_date "
        f"left join {HELD} as held on held.{key} = rows.{key} "
        f"and held.valid_from_date <= ends.period_end_date and held.valid_to_date >= ends.period_end_date "
        f"where rows.is_customers_first_row and (held.{key} is null or held.tier is distinct from rows.tier "
        f"or held.segment is distinct from rows.segment)",
    ]
    purchases = changed.get(PURCHASES)
    if purchases is not None and purchases.table:
        # a purchase changed within either end's 12 months (its customer's key, by their id)
        picked.append(
            f"select ends.period_end_date, keys.{key} from {purchases.table} as delta "
            f"inner join (select distinct customer_id, {key} from {PURCHASES} "
            f"where customer_id in (select customer_id from {purchases.table})) as keys "
            f"on keys.customer_id = delta.customer_id "
            f"inner join _slid_ends as ends "
            f"on (delta.activity_date > ends.period_end_date - interval {WINDOW_DAYS} day "
            f"and delta.activity_date <= ends.period_end_date) "
            f"or (delta.activity_date > ends.previous_end_date - interval {WINDOW_DAYS} day "
            f"and delta.activity_date <= ends.previous_end_date)"
        )
    con.execute(
        f"create or replace temp table {SLID_TABLE} as "
        f"select distinct period_end_date as {end}, {key} from ({' union all '.join(picked)})"
    )
    con.execute(f"create or replace temp table _inserted as {model.render(time_zone=time_zone, slid=True)}")
    check_partitions(con, model, "_inserted")
    _move_rows(con, table, end, key)
    con.execute(f"insert into {table} by name select * from _inserted")
    for temp in ("_slid_ends", "_slid_days", SLID_TABLE, "_inserted"):
        con.execute(f"drop table {temp}")
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def _move_rows(con, table: str, end: str, key: str) -> None:
    """Move the rows kept from each end before to the end that slides from it, in place: an end
    no new end slides from loses its rows, an end that two slide from is copied for one of them,
    and the kept rows of the others are the end's own, their end updated (an update of a column
    is cheap where a copy is not: at 10M order lines the 5.5M rows copied took 2.3 s, an update of
    an end's 1.4M rows 0.04 s). The computed customers' rows are deleted first. No two ends meet:
    a new end that slides from another was not held before (else it would slide from itself)."""
    con.execute(
        f"delete from {table} where {end} not in "
        f"(select previous_end_date from _slid_ends where previous_end_date is not null)"
    )
    moves: dict = {}
    for now, before in con.execute(
        "select period_end_date, previous_end_date from _slid_ends where previous_end_date is not null "
        "order by 1"
    ).fetchall():
        moves.setdefault(before, []).append(now)
    for before, nows in moves.items():
        in_place = before if before in nows else nows[-1]
        for now in nows:
            if now != in_place:
                con.execute(
                    f"insert into {table} select rows.* replace (cast($now as date) as {end}) "
                    f"from {table} as rows where rows.{end} = $before and rows.{key} not in "
                    f"(select {key} from {SLID_TABLE} where {end} = $now)",
                    {"now": now, "before": before},
                )
        con.execute(
            f"delete from {table} where {end} = $before and {key} in "
            f"(select {key} from {SLID_TABLE} where {end} = $now)",
            {"now": in_place, "before": before},
        )
        if in_place != before:
            con.execute(
                f"update {table} set {end} = $now where {end} = $before", {"now": in_place, "before": before}
            )

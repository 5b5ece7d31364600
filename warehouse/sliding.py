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
no longer held are dropped. A customer new on n bought on a day entering the 12 months, one gone
bought only on days leaving them: both are computed.
mart_customer_period_places, whose every figure is a sum over customers, slides with it
(slide_sums): its rows move alike, then the computed customers' sums are taken away (their
previous rows) and added (their new rows).
This needs customer_key to mean the same customer before and after: mart_customer_daily numbers
customers by their first purchase, so a day's new customers do not renumber the others, and an
incremental build says when older rows were renumbered (then, or when mart_customer_daily was
rebuilt in full, this model is rebuilt in full).
The result is the rows a full build gives (tests/warehouse/test_sliding.py moves the ends by a day
and by 40 days, forces an end with none before it, and compares every table); the kept rows keep
their storage order and the computed ones are appended, as in an incremental build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warehouse.project import SLID_TABLE, Model
from warehouse.sql_text import literal

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
    return None


def slide(
    con, model: Model, changed: dict[str, Delta], time_zone: str, check_partitions
) -> tuple[int, tuple[str, str]]:
    """Bring the model's rows as of the previous build's period ends to those of ENDS now; returns
    its rows, and the temporary tables of the computed customers' previous rows (each with the
    end it slides to, `_slid_to`) and new rows, which a model summing it adds up (slide_sums).
    `check_partitions(con, model, table)` checks the grain of the computed rows."""
    table = model.name
    end, key = model.slides
    _map_ends(con, table, end)
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
    # the computed customers' previous rows, with the end each slides to (_slid_to): what a model
    # summing this one's rows (slide_sums) takes away before it adds the new rows
    old, new = f"_slid_old_{table}", f"_slid_new_{table}"
    con.execute(
        f"create or replace temp table {old} as "
        f"select rows.*, ends.period_end_date as _slid_to from {table} as rows "
        f"inner join _slid_ends as ends on rows.{end} = ends.previous_end_date "
        f"semi join {SLID_TABLE} as computed on computed.{end} = ends.period_end_date "
        f"and computed.{key} = rows.{key}"
    )
    _move_rows(con, table, end, key)
    con.execute(f"insert into {table} by name select * from _inserted")
    con.execute(f"alter table _inserted rename to {new}")
    for temp in ("_slid_ends", "_slid_days", SLID_TABLE):
        con.execute(f"drop table {temp}")
    return con.execute(f"select count(*) from {table}").fetchone()[0], (old, new)


# A sum that is null when no customer's value is known (a margin without a gross margin assumption
# is null, not 0): the count of the customers with one tells when none is left.
COUNTED_BY = {"gross_margin_amount": "count_customers_with_margin"}


def slide_sums(con, model: Model, end: str, slid: tuple[str, str], time_zone: str, check_partitions) -> int:
    """Slide a model whose every figure is a sum over the customers of the sliding model it reads
    (`-- slides_by_sums:`): its rows move to the new period ends as that model's did, then the
    sums of the rows it computed again (`slid`: their previous rows, each with the end it slides
    to, and the new rows) are added to those of their groups, negated for the previous ones; a
    group left with no customer is dropped. Returns the model's rows. The previous rows are summed
    as of their own end, then moved: a figure may depend on the end (a customer's last purchase in
    the last 30 days of it), and moving them is what the rows summed before underwent."""
    table = model.name
    old, new = slid
    _map_ends(con, table, end)
    _move_rows(con, table, end, None)
    key = model.unique_key
    types = dict((r[0], r[1]) for r in con.execute(f"describe {table}").fetchall())
    measures = [c for c in types if c not in key]
    source = model.slides_by_sums
    plus = model.render(time_zone=time_zone, clustered=False, refs={source: new})
    negated = ", ".join(
        [*(c if c != end else f"$to as {c}" for c in key), *(f"-{c} as {c}" for c in measures)]
    )
    con.execute(f"create or replace temp table _sums as select * from ({plus})")
    for (to,) in con.execute(f"select distinct _slid_to from {old}").fetchall():
        previous = f"(select * exclude (_slid_to) from {old} where _slid_to = {literal(to)}::date)"
        minus = model.render(time_zone=time_zone, clustered=False, refs={source: previous})
        con.execute(f"insert into _sums by name select {negated} from ({minus})", {"to": to})
    group = f"({', '.join(key)})"  # a struct: its nulls are equal, as group by's are
    summed = []
    for column in measures:
        total = f"cast(sum({column}) as {types[column]})"
        if column in COUNTED_BY:
            total = f"case when sum({COUNTED_BY[column]}) > 0 then {total} end"
        summed.append(f"{total} as {column}")
    con.execute(
        f"create or replace temp table _merged as select {', '.join(key)}, {', '.join(summed)} from ("
        f"select * from {table} where {group} in (select {group} from _sums) "
        f"union all by name select * from _sums) group by {', '.join(key)} having sum(count_customers) > 0"
    )
    check_partitions(con, model, "_merged")
    con.execute(f"delete from {table} where {group} in (select {group} from _sums)")
    con.execute(f"insert into {table} by name select * from _merged")
    for temp in ("_slid_ends", "_sums", "_merged"):
        con.execute(f"drop table {temp}")
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def _map_ends(con, table: str, end: str) -> None:
    """_slid_ends: each period end held now (ENDS), and the latest end the model's previous rows
    are of that is not after it (none: every customer of that end is computed)."""
    con.execute(
        f"create or replace temp table _slid_ends as "
        f"select now.period_end_date, max(before.{end}) as previous_end_date "
        f"from {ENDS} as now left join (select distinct {end} from {table}) as before "
        f"on before.{end} <= now.period_end_date group by now.period_end_date"
    )


def _move_rows(con, table: str, end: str, key: str | None) -> None:
    """Move the rows kept from each end before to the end that slides from it, in place: an end
    no new end slides from loses its rows, an end that two slide from is copied for one of them,
    and the kept rows of the others are the end's own, their end updated (an update of a column
    is cheap where a copy is not: at 10M order lines the 5.5M rows copied took 2.3 s, an update of
    an end's 1.4M rows 0.04 s). The computed customers' rows are deleted first. No two ends meet:
    a new end that slides from another was not held before (else it would slide from itself).
    `key` None: every row moves (a model of sums, whose groups are then updated)."""

    def computed(now: str) -> str:
        return f" and {key} not in (select {key} from {SLID_TABLE} where {end} = {now})" if key else ""

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
                    f"insert into {table} select * replace (cast($now as date) as {end}) "
                    f"from {table} where {end} = $before{computed('$now')}",
                    {"now": now, "before": before},
                )
        if key:
            con.execute(
                f"delete from {table} where {end} = $before and {key} in "
                f"(select {key} from {SLID_TABLE} where {end} = $now)",
                {"now": in_place, "before": before},
            )
        if in_place != before:
            con.execute(
                f"update {table} set {end} = $now where {end} = $before", {"now": in_place, "before": before}
            )

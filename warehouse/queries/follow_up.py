"""Closing the loop (issue 18, item 4): the follow-up list of unhappy answers and how fast and how
completely they are followed up.

- The list: every NPS detractor (0-6) and every low CSAT answer (1-2 on the 1-5 scale: the bottom
  two boxes, the mirror of CSAT's top-2-box "satisfied" of metrics.toml; a 3 is neutral; the rule
  is mart_survey_answers' is_on_follow_up_list) answered in the period, in the filters and the
  viewer's scope, with its order (value, delivery late and by how many days), the contacts around
  it (count, repeat), its comment, the comment's theme and sentiment (all joined per answer at
  build time: mart_survey_answers) and its follow-up status from the store beside the warehouse
  (warehouse/followups.py), merged here in Polars: the store is SQLite, which DuckDB would need an
  extension to read.
- The rates: per month of the answer and per owner, the closed-loop rate (answers resolved /
  answers in the list) and the median time from the answer to its first follow-up (the first status
  that was not `open`), each with its n.

The customer id the export carries is the retailer's: an answer whose customer id is the salted
e-mail hash (Qualtrics, SurveyMonkey, Delighted, Zendesk and Shopify exports carry only an e-mail,
hashed at staging) takes the loyalty CRM's customer_id with the same e-mail hash when there is one;
otherwise it stays the hash, and `customer_id_kind` says so.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from warehouse import followups
from warehouse.filters import Filters, where_clause
from warehouse.queries.base import BaseWarehouse, Result, snapshot_constant
from warehouse.scope import Scope

# a comment the VoC step has not scored: its theme is not measured, never a guess (an answer without
# a comment has none). A customer's contacts in the 30 days up to the answer belong to its story
# (mart_survey_answers, which joins the story at build time).
NOT_MEASURED_THEME = "not measured"
NOBODY = "nobody yet"
ALL_OWNERS = "all owners"
# The CRM export's columns, in order: ids the retailer knows, what happened, what they said, the status.
CRM_COLUMNS = (
    "response_id",
    "crm_customer_id",
    "customer_id_kind",
    "survey",
    "score",
    "answered_at",
    "order_id",
    "order_value_amount",
    "is_delivered_late",
    "days_late",
    "count_contacts",
    "has_repeat_contact",
    "contact_reasons",
    "comment",
    "theme",
    "sentiment",
    "status",
    "owner",
    "status_at",
    "note",
    "region",
    "store_id",
)
# the columns of the list (mart_survey_answers), and those of its index (follow_up_index)
ANSWER_COLUMNS = f"""
    response_id, survey, score, answered_at, answered_date, customer_id, crm_customer_id,
    customer_id_kind, touchpoint, channel, region, store_id, tier, segment, order_id,
    order_value_amount, is_delivered_late, days_late, count_contacts, has_repeat_contact,
    contact_reasons, comment,
    case when has_comment and theme is null then '{NOT_MEASURED_THEME}' else theme end as theme,
    sentiment, language"""
INDEX_COLUMNS = "response_id, answered_at, answered_date"
# what merge_statuses adds to each answer
STATUS_COLUMNS = ("status", "owner", "status_at", "note", "first_follow_up_at")
RATES_SCHEMA = {
    "month": pl.Date,
    "owner": pl.Utf8,
    "count_answers": pl.Int64,
    "count_followed_up": pl.Int64,
    "count_open": pl.Int64,  # never contacted nor resolved
    "count_resolved": pl.Int64,
    "closed_loop_rate": pl.Float64,
    "median_hours_to_first_follow_up": pl.Float64,
    "status": pl.Utf8,
    "reason": pl.Utf8,
}


class FollowUpQueries(BaseWarehouse):
    @property
    def follow_up_store(self):
        """The follow-up store beside this snapshot's warehouse (warehouse/followups.py)."""
        return followups.store_path_of_snapshot(self.snapshot)

    @snapshot_constant
    def follow_up_measurable(self) -> bool:
        """Whether the exports hold any NPS or CSAT answer at all."""
        # the first such answer settles it (counting them all read 10.5M answers at 100M order lines)
        sql = "select 1 from fct_survey_responses where survey in ('nps', 'csat') limit 1"
        return bool(self.scalar(f"select count(*) from ({sql})"))

    def follow_up_answers(self, filters: Filters) -> Result:
        """The list without its statuses (the snapshot's part), newest answer first: the period's
        answers in the list, with their order, story, customer ids and comment as
        mart_survey_answers joined them at build time."""
        f = self.resolve(filters)
        where, params = where_clause(f, date_column="answered_date")
        sql = f"""
select {ANSWER_COLUMNS}
from mart_survey_answers
where {where} and is_on_follow_up_list
order by answered_at desc, response_id
"""
        return self.run(sql, params)

    def follow_up_index(self, filters: Filters, statuses: pl.DataFrame | None = None) -> Result:
        """Every answer of the list, in no order, with only what the page counts and filters: its
        id, when it was answered and its status (merged as follow_up_list merges them). The rates,
        the counts and the status filter read it; follow_up_rows fetches the whole rows of the
        answers the page shows. The list of 90 days at 100M order lines holds 144,000 answers:
        fetching every column of each (comments included), sorted, cost the page ~400 ms."""
        f = self.resolve(filters)
        where, params = where_clause(f, date_column="answered_date")
        # unsorted: follow_up_rows sorts the few it shows (sorting them all in SQL: +28 ms at 100M)
        sql = f"select {INDEX_COLUMNS} from mart_survey_answers where {where} and is_on_follow_up_list"
        answers = self.run(sql, params)
        if statuses is None:
            statuses = followups.read_current(self.follow_up_store)
        return Result(merge_statuses(answers.frame, statuses), answers.sql, answers.params)

    def follow_up_rows(
        self, filters: Filters, index: pl.DataFrame, status: str | None = None, limit: int | None = None
    ) -> Result:
        """The whole rows of the newest `limit` answers of `index` (rows of follow_up_index) with
        `status` (any, for None), newest first as the list, with their statuses: what the page
        shows. Read from the days they were answered on only, in the viewer's scope."""
        f = self.resolve(filters)
        where, params = where_clause(f, date_column="answered_date")
        if status is not None:
            index = index.filter(pl.col("status") == status)
        if limit is not None:
            index = index.top_k(limit, by=["answered_at", "response_id"], reverse=[False, True])
        index = index.sort(["answered_at", "response_id"], descending=[True, False])
        ids = index["response_id"].cast(pl.Utf8).to_list()
        params |= {"response_ids": ids, "first_answered": index["answered_date"].min() or f.date_from}
        sql = f"""
select {ANSWER_COLUMNS}
from mart_survey_answers
where {where} and is_on_follow_up_list and answered_date >= $first_answered
    and response_id in (select unnest($response_ids))
"""
        found = self.run(sql, params).frame.with_columns(pl.col("response_id").cast(pl.Utf8))
        statuses = index.select(pl.col("response_id").cast(pl.Utf8), *STATUS_COLUMNS)
        shown = statuses.join(found, on="response_id", how="inner", maintain_order="left")
        return Result(shown.select(*found.columns, *STATUS_COLUMNS), sql.strip(), params)

    def follow_up_list(self, filters: Filters, statuses: pl.DataFrame | None = None) -> Result:
        """The list with each answer's current follow-up status (`open` with nobody when the store
        has none). `statuses`: the store's current statuses (read from the store when None)."""
        answers = self.follow_up_answers(filters)
        if statuses is None:
            statuses = followups.read_current(self.follow_up_store)
        return Result(merge_statuses(answers.frame, statuses), answers.sql, answers.params)

    def follow_up_rates(
        self, filters: Filters, statuses: pl.DataFrame | None = None, listed: Result | None = None
    ) -> Result:
        """Per month of the answer and per owner (and for all owners, and the whole period: month
        null): answers in the list, followed up, resolved, the closed-loop rate (% resolved) and the
        median hours from the answer to its first follow-up (n = followed up). `listed`: the
        follow_up_list of the same filters when the caller has it (not run again)."""
        listed = listed if listed is not None else self.follow_up_list(filters, statuses)
        if not self.follow_up_measurable():
            reason = "not measured by these exports: no NPS or CSAT answers"
            return Result(_no_rates("not_measured", reason), listed.sql, listed.params)
        if listed.frame.height == 0:
            reason = "no detractors or low CSAT answers in this period for these filters"
            return Result(_no_rates("no_data", reason), listed.sql, listed.params)
        return Result(rates(listed.frame), listed.sql, listed.params)

    def follow_up_allows(self, response_id: str, scope: Scope) -> bool:
        """Whether `response_id` is on a follow-up list a viewer of `scope` sees (any period): the
        server-side check before a status is written."""
        condition, params = scope.predicate()
        found = self.scalar(
            f"select count(*) from mart_survey_answers where response_id = $response_id "
            f"and is_on_follow_up_list and {condition}",
            {**params, "response_id": str(response_id)},
        )
        return bool(found)


def merge_statuses(answers: pl.DataFrame, statuses: pl.DataFrame) -> pl.DataFrame:
    """The answers with their current status; an answer the store does not name is open, with nobody."""
    current = statuses.select(
        pl.col("response_id").cast(pl.Utf8),
        "status",
        "owner",
        pl.col("status_at").cast(pl.Datetime("us")),
        pl.when(pl.col("note") != "").then(pl.col("note")).alias("note"),  # no note: null, not ""
        pl.col("first_follow_up_at").cast(pl.Datetime("us")),
    )
    # the list stays newest first (Polars keeps no join order unless asked)
    out = answers.with_columns(pl.col("response_id").cast(pl.Utf8)).join(
        current, on="response_id", how="left", maintain_order="left"
    )
    return out.with_columns(pl.col("status").fill_null("open"))


def rates(listed: pl.DataFrame) -> pl.DataFrame:
    """The closed-loop figures of a follow-up list (merged with its statuses). The answers nobody
    has touched (no status in the store: open, with nobody, never followed up) are counted per
    month before the figures, so only the few with a status are taken one by one (the default
    view's 144,000 answers at 100M order lines: 33 -> 5 ms)."""
    answer = pl.col("answered_date").dt.truncate("1mo").alias("month")
    touched = listed.filter(pl.col("owner").is_not_null()).select(
        answer,
        pl.col("owner"),
        pl.lit(1, dtype=pl.Int64).alias("count"),
        pl.col("first_follow_up_at").is_not_null().alias("is_followed_up"),
        (pl.col("status") == "resolved").alias("is_resolved"),
        (
            (pl.col("first_follow_up_at") - pl.col("answered_at").cast(pl.Datetime("us"))).dt.total_seconds()
            / 3600.0
        ).alias("hours"),
    )
    untouched = (
        listed.filter(pl.col("owner").is_null())
        .group_by(answer)
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .select(
            "month",
            pl.lit(NOBODY).alias("owner"),
            "count",
            pl.lit(False).alias("is_followed_up"),
            pl.lit(False).alias("is_resolved"),
            pl.lit(None, dtype=pl.Float64).alias("hours"),
        )
    )
    base = pl.concat([touched, untouched], how="vertical_relaxed")
    count = pl.col("count")
    followed_up = (count * pl.col("is_followed_up")).sum()
    resolved = (count * pl.col("is_resolved")).sum()
    figures = [
        count.sum().cast(pl.Int64).alias("count_answers"),
        followed_up.cast(pl.Int64).alias("count_followed_up"),
        (count.sum() - followed_up).cast(pl.Int64).alias("count_open"),
        resolved.cast(pl.Int64).alias("count_resolved"),
        (100.0 * resolved / count.sum()).alias("closed_loop_rate"),
        # each answer followed up is a row of its own (touched): the median is over answers
        pl.col("hours").filter(pl.col("is_followed_up")).median().alias("median_hours_to_first_follow_up"),
    ]
    whole = pl.lit(None, dtype=pl.Date).alias("month")
    everyone = pl.lit(ALL_OWNERS).alias("owner")
    parts = [
        base.group_by("month", "owner").agg(figures),
        base.group_by("month").agg(figures).with_columns(everyone),
        base.group_by("owner").agg(figures).with_columns(whole),
        base.select(figures).with_columns(whole, everyone),
    ]
    cols = list(RATES_SCHEMA)[:-2]
    out = pl.concat([p.select(cols) for p in parts], how="vertical_relaxed")
    out = out.with_columns(
        pl.lit("measured").alias("status"),
        pl.when(pl.col("count_followed_up") == 0)
        .then(pl.lit("nothing followed up yet: no time to first follow-up"))
        .otherwise(None)
        .cast(pl.Utf8)
        .alias("reason"),
    )
    # the whole period first, then month by month; all owners before each owner
    return out.sort(
        [pl.col("month").is_not_null(), "month", pl.col("owner") != ALL_OWNERS, "owner"],
        nulls_last=False,
    ).cast(RATES_SCHEMA)


def _no_rates(status: str, reason: str) -> pl.DataFrame:
    row = {k: None for k in RATES_SCHEMA} | {
        "owner": ALL_OWNERS,
        "count_answers": 0,
        "count_followed_up": 0,
        "count_open": 0,
        "count_resolved": 0,
        "status": status,
        "reason": reason,
    }
    return pl.DataFrame([row], schema=RATES_SCHEMA)


def crm_export(listed: pl.DataFrame) -> pl.DataFrame:
    """The list as a CRM takes it: the retailer's customer id, never an e-mail (customers' e-mails
    are only ever hashed in the warehouse), in CRM_COLUMNS' order."""
    return listed.select(CRM_COLUMNS)


def month_label(month: date | None) -> str:
    return "whole period" if month is None else f"{month:%b %Y}"

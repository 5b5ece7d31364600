"""Voice of the customer (issue 18): what comments say, from fct_comments (one row per answer with a
comment: its language, sentiment -1..1 and theme from the VoC step, voc/) and, for the drivers,
fct_survey_responses with the operational facts of the same customer.

The themes, emerging themes and sentiment trend sum mart_daily_comments (the comments counted per
day and dimensions) and the drivers mart_daily_answer_drivers, each through its roll-ups
(warehouse/rollups.py): a preset period's rows or a period's whole months instead of every comment
or answer of it. The sentiment accuracy needs each comment's sentiment and reads fct_comments.

Every query takes Filters (period = answered_date, the dimensions and the viewer's scope through
where_clause) and returns a Result. NPS and CSAT of a theme's mentioners reuse the metric
definitions of metrics.toml, evaluated over per-group counts shaped like mart_daily_surveys.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import polars as pl

from warehouse.filters import DIMENSIONS, Filters, where_clause
from warehouse.metrics import METRICS
from warehouse.queries.base import BaseWarehouse, Result
from warehouse.rollups import mart_source

DATE = "answered_date"
# The dimensions a theme breakdown can be by (filters' dimensions, plus touchpoint and language)
THEME_BREAKDOWNS = {**DIMENSIONS, "touchpoint": "touchpoint", "language": "language", "survey": "survey"}
MIN_AUC_PER_CLASS = 10  # happy and unhappy comments a language needs for its AUC to be shown
EMERGING_MIN_COUNT = 10  # mentions in the period, at least
EMERGING_MIN_GROWTH = 1.5  # share of comments against the comparison period, at least
EMERGING_P_VALUE = 0.01  # one-sided binomial test of the growth
DRIVER_MIN_N = 30  # answers with a driver (and without) for its effect to be estimated
DRIVER_MIN_ANSWERS = 100  # answers for a driver model at all
Z95 = 1.959963984540054
# The counts mart_daily_surveys carries, per group of mart_daily_comments rows, so the NPS and CSAT
# expressions of metrics.toml apply unchanged.
SURVEY_COUNTS = """
    cast(coalesce(sum(count_comments) filter (where survey = 'nps'), 0) as bigint) as count_nps_responses,
    cast(coalesce(sum(count_comments) filter (where is_promoter), 0) as bigint) as count_promoters,
    cast(coalesce(sum(count_comments) filter (where is_detractor), 0) as bigint) as count_detractors,
    cast(coalesce(sum(count_comments) filter (where survey = 'csat'), 0) as bigint) as count_csat_responses,
    cast(coalesce(sum(count_comments) filter (where is_csat_satisfied), 0) as bigint)
        as count_csat_satisfied"""
COMMENTS = "mart_daily_comments"
DRIVER_ANSWERS = "mart_daily_answer_drivers"
LABEL = """case
        when (survey = 'nps' and score >= 9) or (survey = 'csat' and score >= 4)
            or (survey = 'ces' and score >= 6)
            then 1
        when (survey = 'nps' and score <= 6) or (survey = 'csat' and score <= 2)
            or (survey = 'ces' and score <= 3)
            then 0
    end"""


def _metric_columns(prefix: str = "") -> str:
    cols = []
    for key in ("nps", "csat"):
        m = METRICS[key]
        cols.append(f"{m.value} as {prefix}{key}")
        cols.append(f"cast({m.n} as bigint) as {prefix}{key}_n")
        if m.margin:
            cols.append(f"{m.margin} as {prefix}{key}_margin")
    return ",\n    ".join(cols)


def auc_of_counts(values: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> float | None:
    """P(a positive's value is above a negative's), ties counting half (the Mann-Whitney AUC, as
    voc.models.auc computes it from one row per answer), from counts per value: `positives[i]` and
    `negatives[i]` answers have the value `values[i]` (a value may repeat). The voice page groups
    its comments by sentiment in SQL (rounded to voc.models.DECIMALS: at most 20,001 values; 2,781
    of the default view's 568,000 comments at 100M order lines) and never fetches them one by one."""
    values = np.asarray(values, dtype=float)
    positives = np.asarray(positives, dtype=float)
    negatives = np.asarray(negatives, dtype=float)
    pos, neg = positives.sum(), negatives.sum()
    if not pos or not neg:
        return None
    distinct, inverse = np.unique(values, return_inverse=True)
    pos_at = np.bincount(inverse, weights=positives, minlength=len(distinct))
    neg_at = np.bincount(inverse, weights=negatives, minlength=len(distinct))
    neg_below = np.cumsum(neg_at) - neg_at
    return float((pos_at * (neg_below + 0.5 * neg_at)).sum() / (pos * neg))


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    from scipy.special import bdtrc  # P(X > k)

    return 1.0 if k <= 0 else float(bdtrc(k - 1, n, p))


def ols_hc3(x: np.ndarray, y: np.ndarray, counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their HC3 (heteroscedasticity-robust) standard errors, as statsmodels'
    OLS(...).fit(cov_type="HC3") gives them (tests/voc compares the two). `counts`: how many
    observations each row stands for (rows of identical x and y, grouped): the same figures as
    the rows repeated, since such rows share their residual and their leverage."""
    w = np.ones(len(y)) if counts is None else np.asarray(counts, dtype=float)
    xw = x * w[:, None]
    xtx_inv = np.linalg.pinv(xw.T @ x)
    beta = xtx_inv @ xw.T @ y
    resid = y - x @ beta
    leverage = np.einsum("ij,jk,ik->i", x, xtx_inv, x)
    weights = w * (resid / np.clip(1.0 - leverage, 1e-12, None)) ** 2
    meat = (x * weights[:, None]).T @ x
    cov = xtx_inv @ meat @ xtx_inv
    return beta, np.sqrt(np.clip(np.diag(cov), 0.0, None))


def _auc_of(counts: pl.DataFrame, positive: pl.Expr) -> float | None:
    """auc_of_counts of accuracy rows (sentiment, count_comments), `positive` telling them apart."""
    split = counts.select(
        "sentiment",
        pl.when(positive).then(pl.col("count_comments")).otherwise(0).alias("positives"),
        pl.when(positive).then(0).otherwise(pl.col("count_comments")).alias("negatives"),
    )
    columns = (split[c].to_numpy() for c in ("sentiment", "positives", "negatives"))
    return auc_of_counts(*columns)


class VoiceQueries(BaseWarehouse):
    def voice_accuracy(self, filters: Filters) -> Result:
        """Per language: comments, scored comments, and how well sentiment tells unhappy answers
        from happy ones among them: `auc` (all surveys: NPS 0-6 / CSAT 1-2 / CES 1-3 against NPS
        9-10 / CSAT 4-5 / CES 6-7) and `auc_nps` (detractors against promoters), each with its n.
        Every sentiment comes from a model that did not see that answer's score (cross-fitted, or
        the full model for comments that came later), so the AUC is honest. `status` is
        not_measured (with `reason`) when the language has no sentiment model or too few answers."""
        f = self.resolve(filters)
        where, params = where_clause(f, DATE)
        # the comments counted per language, sentiment and label, not fetched one by one (see
        # auc_of_counts)
        sql = f"""
select language, sentiment, {LABEL} as label, is_promoter, is_detractor, count(*) as count_comments
from fct_comments
where {where}
group by all"""
        rows = self.run(sql, params).frame
        reasons = self._language_reasons()
        out = []
        n = pl.col("count_comments")
        for language in sorted({x for x in rows["language"].to_list() if x is not None}):
            part = rows.filter(pl.col("language") == language)
            scored = part.filter(pl.col("sentiment").is_not_null())
            labelled = scored.filter(pl.col("label").is_not_null())
            nps = scored.filter(pl.col("is_promoter") | pl.col("is_detractor"))
            happy = int(labelled.filter(pl.col("label") == 1)["count_comments"].sum())
            unhappy = int(labelled.filter(pl.col("label") == 0)["count_comments"].sum())
            count_scored = int(scored["count_comments"].sum())
            row = {
                "language": language,
                "count_comments": int(part["count_comments"].sum()),
                "count_scored": count_scored,
                "count_happy": happy,
                "count_unhappy": unhappy,
                "auc": None,
                "count_promoters": int(nps.filter(pl.col("is_promoter"))["count_comments"].sum()),
                "count_detractors": int(nps.filter(pl.col("is_detractor"))["count_comments"].sum()),
                "auc_nps": None,
                "mean_sentiment": (
                    scored.select((pl.col("sentiment") * n).sum() / n.sum()).item() if count_scored else None
                ),
                "status": "measured",
                "reason": None,
            }
            if count_scored == 0:
                row["status"] = "not_measured"
                row["reason"] = reasons.get(language) or "no sentiment model for this language"
            elif min(happy, unhappy) < MIN_AUC_PER_CLASS:
                row["status"] = "not_measured"
                row["reason"] = (
                    f"{happy} happy and {unhappy} unhappy answers with a comment: the AUC needs "
                    f"{MIN_AUC_PER_CLASS} of each"
                )
            else:
                row["auc"] = _auc_of(labelled, pl.col("label") == 1)
                if min(row["count_promoters"], row["count_detractors"]) >= MIN_AUC_PER_CLASS:
                    row["auc_nps"] = _auc_of(nps, pl.col("is_promoter"))
            out.append(row)
        unscored = int(rows.filter(pl.col("language").is_null())["count_comments"].sum())
        if unscored:  # comments the VoC step has not run on (a warehouse built without it)
            out.append(
                {
                    "language": None,
                    "count_comments": unscored,
                    "count_scored": 0,
                    "count_happy": 0,
                    "count_unhappy": 0,
                    "auc": None,
                    "count_promoters": 0,
                    "count_detractors": 0,
                    "auc_nps": None,
                    "mean_sentiment": None,
                    "status": "not_measured",
                    "reason": "not scored yet: the comment models have not run on these comments "
                    "(cx voc --refit, or the next cx ingest or cx build, scores them)",
                }
            )
        schema = {
            "language": pl.String,
            "count_comments": pl.Int64,
            "count_scored": pl.Int64,
            "count_happy": pl.Int64,
            "count_unhappy": pl.Int64,
            "auc": pl.Float64,
            "count_promoters": pl.Int64,
            "count_detractors": pl.Int64,
            "auc_nps": pl.Float64,
            "mean_sentiment": pl.Float64,
            "status": pl.String,
            "reason": pl.String,
        }
        return Result(pl.DataFrame(out, schema=schema), sql.strip(), params)

    def _language_reasons(self) -> dict[str, str]:
        frame = self.run(
            "select language, reason from stg_voc__model_languages "
            "where model_version = (select max(model_version) from stg_voc__comment_scores) "
            "and reason is not null"
        ).frame
        return dict(zip(frame["language"].to_list(), frame["reason"].to_list(), strict=True))

    def voice_sentiment_trend(self, filters: Filters, grain: str = "month") -> Result:
        """Per period (`grain`: week or month) and language: comments, scored comments, mean
        sentiment and the share of negative comments (sentiment below -0.25)."""
        if grain not in ("week", "month"):
            raise ValueError(f"grain is week or month, not {grain!r}")
        f = self.resolve(filters)
        where, params = where_clause(f)
        span = [(f.date_from, f.date_to)]
        source, source_params = mart_source(COMMENTS, span, (grain,), self.preset_spans())
        params.update(source_params)
        sql = f"""
select cast(date_trunc('{grain}', activity_date) as date) as period_start, language,
    cast(sum(count_comments) as bigint) as count_comments,
    cast(sum(count_scored) as bigint) as count_scored,
    sum(sum_sentiment) / nullif(sum(count_scored), 0) as mean_sentiment,
    1.0 * sum(count_negative) / nullif(sum(count_scored), 0) as share_negative
from {source}
where {where}
group by 1, 2
order by 1, 2"""
        return self.run(sql, params)

    def voice_themes(self, filters: Filters, by: str | None = None) -> Result:
        """Per theme (and per value of `by`: channel, region, store, tier, segment, touchpoint,
        language or survey): comments, their share of the group's themed comments, mean sentiment,
        and the NPS and CSAT of the answers that mention it (metrics.toml's definitions) with
        their n and margin; `is_small_sample` when below the metric's min_n. Comments with no
        theme model (their language had too few comments) are left out; `no theme` (too short to
        say) and `other` (about none of the themes) are rows of their own."""
        f = self.resolve(filters)
        where, params = where_clause(f)
        source, source_params = mart_source(COMMENTS, [(f.date_from, f.date_to)], (), self.preset_spans())
        params.update(source_params)
        group = ""
        if by is not None:
            if by not in THEME_BREAKDOWNS:
                raise ValueError(f"by is one of {sorted(THEME_BREAKDOWNS)}, not {by!r}")
            group = f"{THEME_BREAKDOWNS[by]} as {by}, "
        keys = "1, 2" if by else "1"
        partition = f"partition by {by}" if by else ""
        sql = f"""
with counts as (
    select {group}theme,
        cast(sum(count_comments) as bigint) as count_comments,
        sum(sum_sentiment) / nullif(sum(count_scored), 0) as mean_sentiment,
        {SURVEY_COUNTS}
    from {source}
    where {where} and theme is not null
    group by {keys}
)
select {by + ", " if by else ""}theme, count_comments,
    1.0 * count_comments / sum(count_comments) over ({partition}) as share,
    mean_sentiment,
    {_metric_columns()},
    {METRICS["nps"].n} < {METRICS["nps"].min_n} as is_nps_small_sample,
    {METRICS["csat"].n} < {METRICS["csat"].min_n} as is_csat_small_sample
from counts
group by {by + ", " if by else ""}theme, count_comments, mean_sentiment
order by {by + ", " if by else ""}count_comments desc, theme"""
        return self.run(sql, params)

    def voice_emerging_themes(self, filters: Filters, before: Filters | None = None) -> Result:
        """Each theme's mentions in the period against the comparison period (filters.compare:
        the previous period of the same length by default): counts, shares of all themed
        comments, growth (ratio of shares) and a one-sided binomial test (given the theme's
        mentions in both periods, is the period's part larger than its part of all comments?).
        `is_emerging`: at least EMERGING_MIN_COUNT mentions, growth >= EMERGING_MIN_GROWTH and
        p < EMERGING_P_VALUE. `message`: one line for the overview's alerts and the monthly review.
        `before`: another comparison period (the monthly review: the previous calendar month)."""
        f = self.resolve(filters)
        before = before or f.comparison() or replace(f, compare="previous").comparison()
        assert before is not None and before.date_from is not None
        now_where, params = where_clause(f, prefix="now_")
        then_where, then_params = where_clause(before, prefix="then_")
        params.update(then_params)
        presets = self.preset_spans()
        now_source, now_params = mart_source(COMMENTS, [(f.date_from, f.date_to)], (), presets, "now_")
        then_source, then_params = mart_source(
            COMMENTS, [(before.date_from, before.date_to)], (), presets, "then_"
        )
        params.update(now_params | then_params)
        sql = f"""
with now as (
    select theme, cast(sum(count_comments) as bigint) as count_now from {now_source}
    where {now_where} and theme is not null and theme not in ('no theme', 'other') group by 1
),
then_ as (
    select theme, cast(sum(count_comments) as bigint) as count_before from {then_source}
    where {then_where} and theme is not null and theme not in ('no theme', 'other') group by 1
)
select coalesce(now.theme, then_.theme) as theme, coalesce(count_now, 0) as count_now,
    coalesce(count_before, 0) as count_before
from now full join then_ on now.theme = then_.theme
order by 1"""
        counts = self.run(sql, params).frame
        total_now, total_before = int(counts["count_now"].sum()), int(counts["count_before"].sum())
        rows = []
        for theme, now_n, before_n in counts.iter_rows():
            share_now = now_n / total_now if total_now else None
            share_before = before_n / total_before if total_before else None
            growth = share_now / share_before if share_now is not None and share_before else None
            p_value = None
            if total_now and total_before and now_n + before_n:
                expected = total_now / (total_now + total_before)
                p_value = binomial_sf(now_n, now_n + before_n, expected)
            emerging = bool(
                total_before
                and now_n >= EMERGING_MIN_COUNT
                and (growth is None or growth >= EMERGING_MIN_GROWTH)
                and p_value is not None
                and p_value < EMERGING_P_VALUE
            )
            grew = "new" if not before_n else f"x{growth:.1f} its share" if growth else ""
            message = (
                f"Emerging theme '{theme}': {now_n} comments ({100 * share_now:.0f}% of themed comments), "
                f"{grew} against {before.date_from} to {before.date_to} ({before_n}); p = {p_value:.3g}"
                if emerging
                else None
            )
            rows.append(
                {
                    "theme": theme,
                    "count_now": now_n,
                    "count_before": before_n,
                    "share_now": share_now,
                    "share_before": share_before,
                    "growth": growth,
                    "p_value": p_value,
                    "is_emerging": emerging,
                    "message": message,
                }
            )
        schema = {
            "theme": pl.String,
            "count_now": pl.Int64,
            "count_before": pl.Int64,
            "share_now": pl.Float64,
            "share_before": pl.Float64,
            "growth": pl.Float64,
            "p_value": pl.Float64,
            "is_emerging": pl.Boolean,
            "message": pl.String,
        }
        frame = pl.DataFrame(rows, schema=schema).sort(["is_emerging", "count_now"], descending=True)
        return Result(frame, sql.strip(), params)

    def voice_drivers(self, filters: Filters, metric: str = "nps") -> Result:
        """What moves NPS (or CSAT): one OLS over the period's answers of that survey, the answer's
        outcome in the metric's own points (NPS: promoter 100, passive 0, detractor -100; CSAT:
        satisfied 100, else 0), on a late delivery of its order, a repeat contact / transfer / long
        wait of its contact, and dummies of its tier, channel, touchpoint and comment theme (each
        against the most common value; a theme against the answers without a comment, the
        silent majority: 'no theme' and 'other' comments count as commented, theme unknown).
        Per driver: effect (points), 95% CI (HC3 robust), p value, n (answers
        with it) and n_model; `friction_point` names the friction cost it links to. A driver with
        fewer than DRIVER_MIN_N answers with (or without) it is not_measured, with the reason."""
        if metric not in ("nps", "csat"):
            raise ValueError(f"metric is nps or csat, not {metric!r}")
        f = self.resolve(filters)
        where, params = where_clause(f)
        span = [(f.date_from, f.date_to)]
        source, source_params = mart_source(DRIVER_ANSWERS, span, (), self.preset_spans())
        params.update(source_params)
        params["survey"] = metric
        outcome = (
            "case when is_promoter then 100 when is_detractor then -100 else 0 end"
            if metric == "nps"
            else "case when is_csat_satisfied then 100 else 0 end"
        )
        # the answers grouped by outcome and drivers (a few dozen rows for thousands of answers;
        # ols_hc3 weighs each group by its count): the same model as one row per answer
        sql = f"""
select
    {outcome} as outcome,
    is_delivered_late as late_delivery,
    is_repeat_contact as repeat_contact,
    is_transferred as transfer,
    is_long_wait as long_wait,
    tier, channel, touchpoint,
    theme,
    cast(sum(count_answers) as bigint) as count_answers
from {source}
where survey = $survey and {where}
group by all
order by all"""
        frame = self.run(sql, params).frame
        return Result(_drivers(frame, metric), sql.strip(), params)


OPERATIONAL = {
    "late_delivery": ("Late delivery of the order", "late_deliveries"),
    "repeat_contact": ("Repeat contact", "repeat_contacts"),
    "transfer": ("Transferred between agents", "transfers"),
    "long_wait": ("Long wait for an answer", "long_waits"),
}
DRIVER_SCHEMA = {
    "driver": pl.String,
    "kind": pl.String,
    "label": pl.String,
    "effect": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "n": pl.Int64,
    "n_model": pl.Int64,
    "status": pl.String,
    "reason": pl.String,
    "friction_point": pl.String,
    "metric": pl.String,
}


def _drivers(frame: pl.DataFrame, metric: str) -> pl.DataFrame:
    """The driver table of voice_drivers from its frame of answers grouped by outcome and drivers
    (`count_answers` each). The frame has a few dozen rows, so its columns are taken out once as
    NumPy arrays: a Polars expression per dummy cost ~0.4 ms each (the typical view's 34 groups at
    50M order lines: 6.3 ms with them, 1.3 ms without)."""
    weight = frame["count_answers"].cast(pl.Float64).to_numpy()
    n_model = int(weight.sum())
    columns: dict[str, np.ndarray] = {}
    meta: dict[str, tuple[str, str, str | None]] = {}
    rows: list[dict] = []

    def skip(driver, kind, label, n, reason, friction=None):
        rows.append(
            {
                "driver": driver,
                "kind": kind,
                "label": label,
                "effect": None,
                "ci_low": None,
                "ci_high": None,
                "p_value": None,
                "n": n,
                "n_model": n_model,
                "status": "not_measured",
                "reason": reason,
                "friction_point": friction,
                "metric": metric,
            }
        )

    def add(driver, kind, label, values, friction=None):
        n = int((values * weight).sum())
        if n < DRIVER_MIN_N or n_model - n < DRIVER_MIN_N:
            skip(
                driver,
                kind,
                label,
                n,
                f"{n} of {n_model} answers have it: an effect needs {DRIVER_MIN_N} with and without",
                friction,
            )
            return
        columns[driver] = values.astype(float)
        meta[driver] = (kind, label, friction)

    if n_model < DRIVER_MIN_ANSWERS:
        return pl.DataFrame(
            [
                {
                    "driver": None,
                    "kind": None,
                    "label": None,
                    "effect": None,
                    "ci_low": None,
                    "ci_high": None,
                    "p_value": None,
                    "n": None,
                    "n_model": n_model,
                    "status": "not_measured",
                    "reason": (
                        f"{n_model} {metric.upper()} answers: a driver model needs {DRIVER_MIN_ANSWERS}"
                    ),
                    "friction_point": None,
                    "metric": metric,
                }
            ],
            schema=DRIVER_SCHEMA,
        )
    for col, (label, friction) in OPERATIONAL.items():
        add(col, "operational", label, frame[col].to_numpy(), friction)
    for dim in ("tier", "channel", "touchpoint"):
        values = np.array(["unknown" if v is None else v for v in frame[dim].to_list()], dtype=object)
        counts: dict[str, float] = {}
        for value, w in zip(values, weight, strict=True):
            counts[value] = counts.get(value, 0.0) + w
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        reference = ordered[0][0]
        for value, _ in ordered[1:]:
            add(
                f"{dim}={value}",
                dim,
                f"{dim.capitalize()} {value} (against {reference})",
                values == value,
            )
    themes = frame["theme"].to_list()
    theme_values = sorted({t for t in themes if t is not None and t not in ("no theme", "other")})
    for theme in theme_values:
        add(
            f"theme={theme}",
            "theme",
            f"Mentions '{theme}' (against no comment)",
            np.array([t == theme for t in themes]),
        )
    if theme_values:  # the commented answers of no theme found: their own dummy, not reported
        unthemed = np.array([t in ("no theme", "other") for t in themes])
        if unthemed.any():
            columns["unthemed comment"] = unthemed.astype(float)
    names = [c for c in columns if c != "unthemed comment"]
    if names:
        x = np.column_stack([np.ones(frame.height)] + [columns[c] for c in columns])
        y = frame["outcome"].cast(pl.Float64).to_numpy()
        beta, se = ols_hc3(x, y, weight)
        order = list(columns)
        for name in names:
            i = order.index(name) + 1
            kind, label, friction = meta[name]
            n = int((columns[name] * weight).sum())
            effect, error = float(beta[i]), float(se[i])
            if not (math.isfinite(effect) and math.isfinite(error)) or error == 0:
                skip(name, kind, label, n, "not estimable (collinear with other drivers)", friction)
                continue
            rows.append(
                {
                    "driver": name,
                    "kind": kind,
                    "label": label,
                    "effect": effect,
                    "ci_low": effect - Z95 * error,
                    "ci_high": effect + Z95 * error,
                    "p_value": math.erfc(abs(effect / error) / math.sqrt(2)),
                    "n": n,
                    "n_model": n_model,
                    "status": "measured",
                    "reason": None,
                    "friction_point": friction,
                    "metric": metric,
                }
            )
    out = pl.DataFrame(rows, schema=DRIVER_SCHEMA)
    return out.sort(
        [pl.col("status") != "measured", pl.col("effect").abs()], descending=[False, True], nulls_last=True
    )

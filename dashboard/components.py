"""Building blocks every page uses: KPI tiles, alerts, tables with their downloads, charts,
the freshness line and the explanation shown when filters leave nothing."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import auth, exports, labels, theme
from dashboard.charts import overview as charts_overview
from dashboard.labels import escape_markdown
from dashboard.state import COMPARES, describe, tier_label
from warehouse import money
from warehouse.api import Result
from warehouse.filters import Filters
from warehouse.metrics import METRICS, Metric
from warehouse.targets import Target, targets_of_rows

CSS = f"""
<style>
.cx-tiles {{display:grid; grid-template-columns:repeat(4, minmax(0, 1fr)); gap:.6rem; margin-bottom:.6rem}}
.cx-tile {{border:1px solid #e1e3e8; border-left:6px solid var(--cx-status); border-radius:6px;
  padding:.55rem .75rem .5rem .75rem; background:#fff; min-height:10.2rem; min-width:0}}
.cx-summary {{display:flex; flex-wrap:wrap; gap:.4rem .9rem; align-items:center; font-size:1rem;
  margin:.2rem 0 .6rem 0}}
.cx-summary b {{font-size:1.25rem}}
@media (max-width: 900px) {{ .cx-tiles {{grid-template-columns:repeat(2, minmax(0, 1fr))}} }}
@media (max-width: 640px) {{
  h1 {{font-size:1.9rem !important; padding-top:.4rem !important}}
  [data-testid="stCaptionContainer"] {{font-size:.76rem}}
  .cx-alert-list li {{font-size:.85rem; padding:.25rem .45rem}}
  .cx-tiles {{gap:.45rem}}
  .cx-tile {{min-height:0; padding:.4rem .5rem .4rem .55rem; border-left-width:5px}}
  .cx-tile-value {{font-size:1.45rem !important; line-height:1.8rem !important}}
  .cx-tile-label {{font-size:.85rem !important}}
  .cx-tile-line {{font-size:.72rem !important; line-height:1rem !important}}
  .cx-tile-main {{flex-wrap:wrap}}
  .cx-badge {{font-size:.68rem}}
}}
.cx-tile-label {{font-weight:600; color:{theme.TEXT}; font-size:.95rem; line-height:1.2rem}}
.cx-tile-main {{display:flex; justify-content:space-between; align-items:center; gap:.4rem}}
.cx-badge {{font-size:.75rem; font-weight:700; color:#fff; background:var(--cx-status); border-radius:1rem;
  padding:.05rem .5rem; white-space:nowrap}}
.cx-badge.cx-watch {{color:#262730}}
.cx-tile-value {{font-size:1.9rem; font-weight:700; line-height:2.3rem; color:{theme.TEXT}}}
.cx-tile-line {{font-size:.8rem; color:{theme.MUTED}; line-height:1.15rem}}
.cx-better {{color:{theme.BETTER}; font-weight:600}}
.cx-worse {{color:{theme.WORSE}; font-weight:600}}
.cx-sig {{font-size:.7rem; border:1px solid currentColor; border-radius:.6rem; padding:0 .35rem;
  margin-left:.25rem}}
.cx-small .cx-tile-value, .cx-small .cx-tile-label {{color:#a3a6ad}}
.cx-small {{background:#f6f6f8}}
.cx-alert-list {{margin:0; padding-left:0; list-style:none}}
.cx-alert-list li {{border-left:5px solid {theme.VERMILLION}; background:#fff4ee; padding:.3rem .6rem;
  margin-bottom:.3rem; border-radius:3px}}
</style>
"""


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def targets_of(scorecard: pl.DataFrame) -> dict[str, Target]:
    """metric -> its target and alert threshold, from scorecard rows (metrics without one left out)."""
    return targets_of_rows(scorecard.to_dicts())


# -- formatting -----------------------------------------------------------------------------
def fmt_value(key: str, value) -> str:
    """A value in its metric's format. A roadmap may name a KPI that metrics.toml does not define
    (the contract takes any text): its numbers are shown plain instead of breaking the page."""
    metric = METRICS.get(key)
    if metric is not None:
        return metric.fmt(value)
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{value:,.6g}" if isinstance(value, int | float) else str(value)


def fmt_money(value: float | None, decimals: int = 0) -> str:
    """An amount in the warehouse's currency (warehouse/money.py): 1234.5 -> "£1,235"."""
    if value is None:
        return "–"
    return labels.money(f"{money.SIGN}{value:,.{decimals}f}")


def fmt_change(m: Metric, change: float | None) -> str:
    """A change in the metric's own unit: percentages in points (pp), NPS in points."""
    if change is None:
        return "–"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    text = money.text(m.format.replace("{:+", "{:").format(abs(change)))
    if m.unit == "%":
        return f"{sign}{text.rstrip('%')} pp"
    if m.unit == "points":
        return f"{sign}{text} pts"
    return f"{sign}{text}"


def fmt_margin(m: Metric, margin: float | None) -> str:
    return "" if margin is None else "±" + fmt_change(m, margin)[1:]


def status_badge(status: str) -> str:
    colour = theme.STATUS_COLOURS.get(status, theme.GREY)
    text = f"{theme.STATUS_SYMBOLS.get(status, '')} {theme.STATUS_LABELS.get(status, status)}"
    return f'<span class="cx-badge cx-{status}" style="--cx-status:{colour}">{html.escape(text)}</span>'


# -- KPI tiles ------------------------------------------------------------------------------
def tile_html(row: Mapping, compare: str) -> str:
    """One KPI: value, status, target, change vs the comparison period (with significance), n and
    margin; greyed when n is below the metric's min_n. A metric these exports cannot measure, or
    without a value in the period, shows the scorecard's reason instead: no number, no colour."""
    m = METRICS[row["metric"]]
    status = row["status"]
    value = m.fmt(row["value"])
    small = bool(row.get("is_small_sample"))
    target, alert = row.get("target"), row.get("alert")
    if target is None:
        lines = []  # the badge says "No target set"
    else:
        side = "below" if m.direction == "higher" else "above"
        lines = [f"target {m.fmt(target)} · alert {side} {m.fmt(alert)}"]
    if status in ("not_measured", "no_data") and row.get("reason"):
        lines.append(html.escape(row["reason"]))
    elif compare != "none":
        change = row.get("change")
        if change is None:
            lines.append(f"no {COMPARES[compare].lower()} to compare")
        else:
            arrow = "▲" if change > 0 else ("▼" if change < 0 else "▶")
            better = m.is_better(row["value"], row["previous"]) if change else None
            css = "cx-better" if better else ("cx-worse" if better is False else "")
            sig = row.get("significant")
            mark = (
                ' <span class="cx-sig" title="larger than the combined 95% margins of error">'
                "significant</span>"
                if sig
                else (
                    ' <span title="within the margins of error">(within noise)</span>' if sig is False else ""
                )
            )
            lines.append(
                f'<span class="{css}">{arrow} {fmt_change(m, change)}</span> vs '
                f"{COMPARES[compare].lower()}{mark}"
            )
    if row.get("n") is not None and status not in ("not_measured", "no_data"):
        n_text = f"n = {row['n']:,.0f}"
        if row.get("margin") is not None:
            n_text += f" · {fmt_margin(m, row['margin'])}"
        if small:
            n_text = f"too few answers: {n_text} (needs {m.min_n})"
        lines.append(n_text)
    body = "".join(f'<div class="cx-tile-line">{line}</div>' for line in lines)
    colour = theme.GREY if small else theme.STATUS_COLOURS.get(status, theme.GREY)
    badge = "no_data" if small and status in ("on_target", "watch", "alert") else status
    return (
        f'<div class="cx-tile{" cx-small" if small else ""}" style="--cx-status:{colour}" '
        f'data-metric="{m.key}" data-value="{html.escape(value)}" data-status="{status}" '
        f'title="{html.escape(m.definition)}">'
        f'<div class="cx-tile-label">{html.escape(m.label)}</div>'
        f'<div class="cx-tile-main"><span class="cx-tile-value">{html.escape(value)}</span>'
        f"{status_badge(badge)}</div>{body}</div>"
    )


def tiles(frame: pl.DataFrame, keys: list[str], compare: str) -> None:
    """The KPI tiles in a grid: four to a row on a desktop, two on a tablet or a phone."""
    rows = {r["metric"]: r for r in frame.to_dicts()}
    chosen = [tile_html(rows[k], compare) for k in keys if k in rows]
    if chosen:
        st.markdown(f'<div class="cx-tiles">{"".join(chosen)}</div>', unsafe_allow_html=True)


def status_summary(frame: pl.DataFrame) -> None:
    """How we are doing in one line: metrics on target, on watch, in alert (and those without)."""
    counts = frame["status"].value_counts()
    n = dict(zip(counts["status"].to_list(), counts["count"].to_list(), strict=True))
    parts = []
    for status in ("alert", "watch", "on_target"):
        colour = theme.STATUS_COLOURS[status]
        label = theme.STATUS_LABELS[status].lower()
        parts.append(
            f'<span data-status="{status}"><b style="color:{colour}">{n.get(status, 0)}</b> '
            f"{theme.STATUS_SYMBOLS[status]} {label}</span>"
        )
    rest = sum(v for k, v in n.items() if k not in ("alert", "watch", "on_target"))
    if rest:
        parts.append(f'<span style="color:{theme.MUTED}">{rest} without a status</span>')
    st.markdown(f'<div class="cx-summary">{"".join(parts)}</div>', unsafe_allow_html=True)


def coverage_note(coverage: pl.DataFrame) -> None:
    """Say what these exports do not hold at all (an Olist warehouse has no contacts or sessions; a
    Zendesk export has no transfers), so a metric without a value reads as not measured, not as 0."""
    absent = [r for r in coverage.to_dicts() if not r["count_rows"]]
    if not absent:
        return
    parts = []
    for r in absent:
        names = ", ".join(METRICS[k].label for k in r["metrics"] if k in METRICS)
        parts.append(f"no {r['label']} ({names})")
    st.info(
        "Not measured by these exports: " + "; ".join(parts) + ". These metrics show “Not measured”, "
        "never 0. Load the exports that hold them with `cx ingest`.",
        icon=":material/visibility_off:",
    )


def alerts(frame: pl.DataFrame) -> None:
    """Every metric past its alert threshold; one with fewer answers than its minimum says so."""
    rows = [r for r in frame.to_dicts() if r["status"] == "alert"]
    if not rows:
        st.success("No metric is past its alert threshold.", icon=":material/check_circle:")
        return
    items = []
    for r in rows:
        m = METRICS[r["metric"]]
        side = "below" if m.direction == "higher" else "above"
        caveat = (
            f" — few answers (n = {r['n'] or 0:,.0f}), read with care" if r.get("is_small_sample") else ""
        )
        items.append(
            f"<li>✕ <b>{html.escape(m.label)}</b> {html.escape(m.fmt(r['value']))} — {side} its alert "
            f"threshold {html.escape(m.fmt(r['alert']))} "
            f"(target {html.escape(m.fmt(r['target']))}){caveat}</li>"
        )
    st.markdown(f'<ul class="cx-alert-list">{"".join(items)}</ul>', unsafe_allow_html=True)


def emerging_themes(frame: pl.DataFrame) -> None:
    """The comment themes growing beyond noise (voice_emerging_themes), one warning line each, as
    plain text (a theme label is made of customers' words)."""
    for message in frame.filter(pl.col("is_emerging"))["message"].to_list():
        st.warning(escape_markdown(message), icon=":material/trending_up:")


# -- tables and downloads -----------------------------------------------------------------------
def plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimal columns as integers or floats (what a table and a spreadsheet expect)."""
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64))
    return frame.with_columns(casts) if casts else frame


def display_frame(frame: pl.DataFrame, rename: bool = True) -> pl.DataFrame:
    """The table as shown (and exported): plain numbers, "none" tier as non-member, labels."""
    out = plain(frame)
    for col in ("tier", "tier_from", "tier_to"):
        if col in out.columns and out.schema[col] == pl.Utf8:
            out = out.with_columns(
                pl.col(col).replace_strict({"none": tier_label("none")}, default=pl.col(col))
            )
    if rename:
        out = out.rename({c: labels.column(c) for c in out.columns})
    return out


def column_config(frame: pl.DataFrame) -> dict:
    config = {}
    for name, dtype in frame.schema.items():
        lower = name.lower()
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(format="YYYY-MM-DD")
        elif isinstance(dtype, pl.Datetime):
            config[name] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
        if not dtype.is_numeric():
            continue
        if money.symbol() and name.endswith(f" {money.symbol().strip()}"):
            sign = money.symbol().replace("%", "%%")
            config[name] = st.column_config.NumberColumn(
                format=f"{sign}%,.2f" if "per " in lower else f"{sign}%,.0f"
            )
        elif "%" in name:
            config[name] = st.column_config.NumberColumn(format="%.1f")
        elif dtype.is_float():
            config[name] = st.column_config.NumberColumn(format="%.2f")
        elif dtype.is_integer() and name not in ("#",):
            config[name] = st.column_config.NumberColumn(format="localized")
    return config


def table(
    frame: pl.DataFrame,
    name: str,
    filters: Filters | None,
    *,
    key: str,
    rename: bool = True,
    height: int | str = "auto",
    notes: list[tuple[str, str]] | None = None,
) -> pl.DataFrame:
    """Show a table and offer it as CSV, XLSX and Parquet: exactly the rows and columns shown."""
    shown = display_frame(frame, rename)
    if height == "auto":  # every row up to 20, then scroll
        height = 38 + 35 * max(1, min(shown.height, 20))
    st.dataframe(
        shown, hide_index=True, column_config=column_config(shown), height=height, key=f"{key}_table"
    )
    download_buttons(shown, name, filters, key=key, notes=notes)
    return shown


def download_buttons(
    frame: pl.DataFrame | Callable[[], pl.DataFrame],
    name: str,
    filters: Filters | None,
    *,
    key: str,
    notes: list[tuple[str, str]] | None = None,
    label: str | None = None,
    formats: tuple[str, ...] = ("csv", "xlsx", "parquet"),
    helps: dict[str, str] | None = None,
    rows: int | None = None,
) -> None:
    """The table's audited, formula-safe downloads: `label` names them ("CRM export (CSV)"; else
    the format alone), `helps` replaces a format's tooltip. `frame` may be a function that reads
    the table, called only when a file is made (every format is then made when clicked); `rows`
    is its row count, for the audit line."""
    fetch = frame if callable(frame) else None
    rows = frame.height if fetch is None else rows
    stem = exports.file_stem(name, filters)
    described = filters.describe() if filters else None
    helps = {**DOWNLOAD_HELP, **(helps or {})}

    def text(fmt: str) -> str:
        return f"{label} ({fmt.upper()})" if label else fmt.upper().replace("PARQUET", "Parquet")

    def audited(render, fmt: str):
        return auth.audited(render, name=f"{stem}.{fmt}", fmt=fmt, rows=rows, filters_text=described)

    row = st.container(horizontal=True, gap="small")
    lazy = {fmt: LAZY_EXPORTS[fmt] for fmt in LAZY_EXPORTS if fmt in formats}
    if "csv" in formats and (fetch is not None or rows > EAGER_CSV_ROWS):  # made when clicked
        lazy = {"csv": LAZY_CSV, **lazy}
    elif "csv" in formats:
        csv = exports.csv_bytes(frame)  # small and made anyway: eager, so its bytes can be tested
        row.download_button(
            text("csv"),
            csv,
            f"{stem}.csv",
            exports.CSV_MIME,
            key=f"{key}_csv",
            on_click=auth.record_download,  # the audit line, in the rerun the click makes
            kwargs={
                "name": f"{stem}.csv",
                "fmt": "csv",
                "rows": rows,
                "blob": csv,
                "filters_text": described,
            },
            icon=":material/download:",
            help=helps["csv"],
        )
    # the workbook, the Parquet file and a long CSV are made only when clicked (auth.audited
    # records it then)
    for fmt, (make, mime) in lazy.items():
        row.download_button(
            text(fmt),
            audited(lambda make=make: make(fetch() if fetch else frame, filters, name, notes), fmt),
            f"{stem}.{fmt}",
            mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            icon=":material/download:",
            help=helps[fmt],
        )


# A CSV of up to this many rows is made with the page (a click downloads it at once); a longer one
# only when clicked: made on every view, the follow-up list's CSV at 10M order lines (14,552
# answers, 2.3 MB) cost each view of the page ~30 ms of the server's CPU and its upload.
EAGER_CSV_ROWS = 2_000

LAZY_EXPORTS = {
    "xlsx": (exports.xlsx_bytes, exports.XLSX_MIME),
    "parquet": (exports.parquet_bytes, exports.PARQUET_MIME),
}
LAZY_CSV = (lambda frame, *_: exports.csv_bytes(frame), exports.CSV_MIME)


DOWNLOAD_HELP = {
    "csv": "Download this table as CSV",
    "xlsx": "Excel workbook; the filters are on its 'filters' sheet",
    "parquet": "Parquet; the filters are in its key-value metadata",
}


# -- charts, SQL, messages ------------------------------------------------------------------
def chart(fig: go.Figure, key: str) -> None:
    # no Plotly toolbar: on a phone it covers the chart's title; tables carry the downloads
    st.plotly_chart(fig, theme=None, key=key, config={"displaylogo": False, "displayModeBar": False})


def trend_grid(series: pl.DataFrame, keys: list[str], targets, key: str, highlight=None) -> None:
    """Monthly small multiples, one chart each, two to a row (one on a phone, where Streamlit
    stacks columns), so titles and axes never crowd each other whatever the screen."""
    measured = (
        set(series.filter(pl.col("value").is_not_null())["metric"].to_list()) if series.height else set()
    )
    shown = [k for k in keys if k in measured]
    for start in range(0, len(shown), 2):
        for col, k in zip(st.columns(2), shown[start : start + 2], strict=False):
            with col:
                chart(
                    charts_overview.kpi_trends(series, [k], targets, cols=1, highlight=highlight),
                    key=f"{key}_{k}",
                )


def caption(text: str) -> None:
    """A caption whose text comes from the data (filter values, names): shown as plain text."""
    st.caption(escape_markdown(text))


def show_sql(result: Result, title: str = "SQL behind this view") -> None:
    """The SQL and bound parameters of a view, for the roles that read SQL (analyst, governance)."""
    if not auth.viewer().sees_sql:
        return
    with st.expander(title):
        st.code(result.sql, language="sql")
        if result.params:
            st.caption("Bound parameters (the values travel beside the SQL, never pasted into it):")
            st.code("\n".join(f"${k} = {_param(v)}" for k, v in result.params.items()), language="text")


def _param(value) -> str:
    if isinstance(value, list | tuple) and len(value) > PARAM_VALUES_SHOWN:  # the ids of a list shown
        shown = ", ".join(repr(v) for v in value[:PARAM_VALUES_SHOWN])
        return f"[{shown}, ... ({len(value):,} values)]"
    return value.isoformat() if isinstance(value, date) else repr(value)


PARAM_VALUES_SHOWN = 5


def no_data(filters: Filters | None, what: str = "data") -> None:
    where = f" for {escape_markdown(describe(filters))}" if filters else ""
    st.info(
        f"No {what}{where}. Widen the period or clear a filter (channel, region, store, tier, segment) "
        "in the sidebar. Note that sessions belong to no store, and a contact matches the channel it came "
        "in on (phone, chat, email ...) or the sales channel of the order it is about.",
        icon=":material/info:",
    )


def no_cost_assumptions() -> None:
    st.info(
        "No cost assumptions loaded: friction events are counted but not valued (a cost of 0 would "
        "read as a measurement). Load the retailer's cost_assumptions file with `cx ingest`.",
        icon=":material/info:",
    )


def freshness_line(frame: pl.DataFrame, as_of, currencies: str | None = None) -> str:
    if frame.height == 0:
        return "No data loaded yet."
    parts = [
        f"{r['source_name']} {r['latest_date']:%d %b}" if r["latest_date"] else f"{r['source_name']} –"
        for r in frame.to_dicts()
    ]
    row = frame.row(0, named=True)
    last = row["last_ingest_at"]
    text = f"**Data as of {as_of:%d %b %Y}** · latest per source: {', '.join(parts)}"
    text += f" · last ingest {last:%d %b %Y %H:%M}" if last else " · no ingest run recorded"
    q = row["count_quarantined_rows"] or 0
    text += f" · {q:,} row{'s' if q != 1 else ''} quarantined"
    currencies = escape_markdown(currencies) if currencies else currencies
    if currencies and "," in currencies:
        # warehouse/money.py: several currencies are shown without a symbol, and not converted
        text += f" · order values in {currencies} as exported (not converted: sums mix currencies)"
    elif currencies:
        text += f" · money in {currencies}"
    return text

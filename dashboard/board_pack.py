"""The monthly review's board pack: the month's figures frozen as JSON the first time a pack is
made (data/board_packs/<YYYY-MM>__<filters hash>.json, beside the warehouse), then rendered as a
self-contained HTML file (Plotly embedded, opens offline) and an XLSX workbook. A pack for a past
month is rendered from its frozen figures, so it stays the same after new data arrives.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import xlsxwriter

from dashboard import charts, exports, theme
from dashboard.state import DIMENSION_LABELS, month_end, tier_label
from warehouse.filters import DIMENSIONS, Filters
from warehouse.metrics import METRICS
from warehouse.targets import targets_of_rows

TREND_KEYS = [
    "nps",
    "csat",
    "fcr",
    "on_time_delivery",
    "conversion_rate",
    "aov",
    "repeat_contact_rate",
    "avg_wait",
]
PACK_VERSION = 1


# -- freezing -------------------------------------------------------------------------------
def pack_path(directory: Path, month: date, filters: Filters) -> Path:
    """Keyed by the month, the filters and the scope of who made it: a pack made for the whole
    business is never the one a region manager's request finds."""
    dims = {dim: sorted(getattr(filters, dim)) for dim in DIMENSIONS}
    if filters.scope.restricted:  # (the whole business keeps the key packs made before scopes had)
        dims["scope"] = filters.scope.key()
    digest = hashlib.sha256(json.dumps(dims, sort_keys=True).encode()).hexdigest()[:12]
    return Path(directory) / f"{month:%Y-%m}__{digest}.json"


def month_filters(month: date, filters: Filters) -> Filters:
    """The filters (and scope) over the calendar month, without comparison."""
    return replace(filters, date_from=month.replace(day=1), date_to=month_end(month), compare="none")


def collect(wh, month: date, filters: Filters) -> dict:
    """The month's figures from the warehouse, as plain JSON-ready data."""
    month = month.replace(day=1)
    f = month_filters(month, filters)
    trend_from = date(month.year - 1, month.month, 1)
    trend = wh.metric_series(replace(f, date_from=trend_from), TREND_KEYS).frame
    friction = wh.friction_costs(f).frame.filter(pl.col("yearly_cost_amount") > 0)
    changes = wh.roadmap_status_changes(f.date_to).frame
    return {
        "pack_version": PACK_VERSION,
        "month": f"{month:%Y-%m}",
        "filters": exports.filter_pairs(f),
        "filters_text": _filters_text(f),
        "scope": f.scope.describe(),
        "frozen_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "snapshot": wh.snapshot.name,
        "as_of": wh.as_of(),
        "freshness": wh.freshness().frame.to_dicts(),
        "scorecard": wh.month_scorecard(month, f).frame.to_dicts(),
        # comment themes that grew beyond noise against the month before (issue 18)
        "emerging_themes": wh.month_emerging_themes(month, f)
        .frame.filter(pl.col("is_emerging"))
        .select("theme", "count_now", "count_before", "growth", "p_value", "message")
        .to_dicts(),
        "roadmap_changes": changes.filter(pl.col("is_status_changed")).to_dicts(),
        "friction": friction.select("label", "count_events", "yearly_cost_amount").head(7).to_dicts(),
        "trend": trend.to_dicts(),
    }


def load(directory: Path, month: date, filters: Filters) -> dict | None:
    path = pack_path(directory, month, filters)
    return json.loads(path.read_text()) if path.exists() else None


def freeze(directory: Path, month: date, filters: Filters, make) -> dict:
    """The frozen pack for month + filters; `make()` collects it the first time only."""
    existing = load(directory, month, filters)
    if existing is not None:
        return existing
    path = pack_path(directory, month, filters)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(make(), default=_json_default, indent=1, sort_keys=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)  # atomic: a second session sees the whole pack or none
    return json.loads(text)


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot freeze {type(value).__name__}")


def _filters_text(f: Filters) -> str:
    parts = [f"{f.date_from:%B %Y}"]
    for dim, name in DIMENSION_LABELS.items():
        values = getattr(f, dim)
        parts.append(f"{name}: {', '.join(tier_label(v) if dim == 'tier' else v for v in values) or 'all'}")
    return " · ".join(parts)


# -- tables shared by the page, the HTML and the workbook -------------------------------------
def _change(key: str, change, sig) -> str:
    from dashboard.components import fmt_change

    if change is None:
        return "–"
    mark = " *" if sig else ""
    return fmt_change(METRICS[key], change) + mark


SCORECARD_COLUMNS = [
    "Metric",
    "This month",
    "Status",
    "Target",
    "Previous month",
    "Change MoM",
    "Same month last year",
    "Change YoY",
    "n",
    "Note",
]


def scorecard_table(rows: list[dict]) -> pl.DataFrame:
    """The month's scorecard as a reader sees it (formatted text)."""
    out = []
    for r in rows:
        m = METRICS[r["metric"]]
        out.append(
            {
                "Metric": m.label,
                "This month": (
                    "not measured"
                    if r["status"] == "not_measured"
                    else m.fmt(r["value"]) + (" (few answers)" if r.get("is_small_sample") else "")
                ),
                "Status": f"{theme.STATUS_SYMBOLS[r['status']]} {theme.STATUS_LABELS[r['status']]}",
                "Target": "not set" if r.get("target") is None else m.fmt(r["target"]),
                "Previous month": m.fmt(r["mom_value"]),
                "Change MoM": _change(r["metric"], r["mom_change"], r["mom_significant"]),
                "Same month last year": m.fmt(r["yoy_value"]),
                "Change YoY": _change(r["metric"], r["yoy_change"], r["yoy_significant"]),
                "n": "–" if r["n"] is None else f"{r['n']:,.0f}",
                "Note": r.get("reason") or "",
            }
        )
    return pl.DataFrame(out, schema={c: pl.Utf8 for c in SCORECARD_COLUMNS})


def breaches_table(rows: list[dict]) -> pl.DataFrame:
    out = []
    for r in rows:
        if r["is_breach"]:
            m = METRICS[r["metric"]]
            side = "below" if m.direction == "higher" else "above"
            out.append(
                {
                    "Metric": m.label,
                    "This month": m.fmt(r["value"]) + (" (few answers)" if r.get("is_small_sample") else ""),
                    "Breach": f"{side} the alert threshold {m.fmt(r['alert'])}",
                    "Target": m.fmt(r["target"]),
                }
            )
    return pl.DataFrame(out, schema={c: pl.Utf8 for c in ("Metric", "This month", "Breach", "Target")})


def changes_table(rows: list[dict]) -> pl.DataFrame:
    labels = theme.INITIATIVE_LABELS
    out = [
        {
            "Initiative": f"{r['initiative_id']} {r['initiative_name']}",
            "Status before": labels.get(r["previous_status"], r["previous_status"]),
            "Status now": labels.get(r["status"], r["status"]),
            "Check-in": str(r["checkin_date"])[:10],
            "Complete %": r["percent_complete"],
            "Note": r["note"],
        }
        for r in rows
    ]
    return pl.DataFrame(
        out,
        schema={
            "Initiative": pl.Utf8,
            "Status before": pl.Utf8,
            "Status now": pl.Utf8,
            "Check-in": pl.Utf8,
            "Complete %": pl.Float64,
            "Note": pl.Utf8,
        },
    )


def _trend_frame(pack: dict) -> pl.DataFrame:
    if not pack["trend"]:
        return pl.DataFrame()
    return pl.DataFrame(pack["trend"]).with_columns(pl.col("period").str.to_date())


# -- renderers ------------------------------------------------------------------------------
def summary(pack: dict) -> dict[str, list[str]]:
    """What the board reads first: what moved (significant changes on the month before), what
    breached (past its alert threshold, not on a small sample) and what changed on the roadmap."""
    moved, breached = [], []
    for r in pack["scorecard"]:
        m = METRICS[r["metric"]]
        if r.get("mom_significant") and r.get("mom_change") is not None and r["status"] != "not_measured":
            better = (r["mom_change"] > 0) == (m.direction == "higher")
            moved.append(
                f"{m.label} {'improved' if better else 'worsened'} to {m.fmt(r['value'])} "
                f"(from {m.fmt(r['mom_value'])} the month before)"
            )
        if r.get("is_breach"):
            side = "below" if m.direction == "higher" else "above"
            note = " (few answers: read with care)" if r.get("is_small_sample") else ""
            breached.append(
                f"{m.label} {m.fmt(r['value'])}, {side} the alert threshold {m.fmt(r['alert'])}{note}"
            )
    # packs frozen before issue 18 have no emerging themes
    moved += [r["message"] for r in pack.get("emerging_themes", [])]
    labels = theme.INITIATIVE_LABELS
    roadmap = [
        f"{r['initiative_name']}: {labels.get(r['previous_status'], r['previous_status'])} → "
        f"{labels.get(r['status'], r['status'])}"
        for r in pack["roadmap_changes"]
    ]
    return {"moved": moved, "breached": breached, "roadmap": roadmap}


def _summary_html(pack: dict) -> str:
    parts = summary(pack)
    blocks = []
    for key, title, empty in (
        ("moved", "What moved", "No metric changed by more than its margin of error."),
        ("breached", "What breached", "No metric is past its alert threshold."),
        ("roadmap", "Roadmap", "No initiative changed status."),
    ):
        items = parts[key]
        body = (
            "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"
            if items
            else f"<p>{html.escape(empty)}</p>"
        )
        blocks.append(f"<div class='summary-block'><h3>{title}</h3>{body}</div>")
    return "<section class='summary'><h2>Summary</h2>" + "".join(blocks) + "</section>"


def _revision_html(pack: dict) -> str:
    """A re-issued pack says so first, with what late data changed."""
    if not pack.get("revision_changes"):
        return ""
    before = pack["revises"]
    items = "".join(
        f"<li>{html.escape(c['label'])}: {html.escape(c['before'])} → {html.escape(c['after'])}"
        + (
            f" (status {theme.STATUS_LABELS[c['status_before']]} → {theme.STATUS_LABELS[c['status_after']]})"
            if c["status_before"] != c["status_after"]
            else ""
        )
        + "</li>"
        for c in pack["revision_changes"]
    )
    return (
        f"<section class='summary revision'><h2>Revision {pack['revision']}</h2>"
        f"<p>Re-issued because late data changed the month. It replaces revision {before['revision']} "
        f"(frozen {html.escape(before['frozen_at'])}), which is kept. What changed:</p>"
        f"<ul>{items}</ul></section>"
    )


def css_font_family(families: str) -> str:
    """theme.FONT for CSS: a family name with a space or a digit must be quoted there, or the whole
    declaration is dropped (an unquoted `Source Sans 3` made the browser fall back to its serif)."""
    generic = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
    names = [f.strip().strip("'\"") for f in families.split(",") if f.strip()]
    return ", ".join(n if n in generic else f"'{n}'" for n in names)


def _status_css() -> str:
    rules = []
    for status, colour in theme.STATUS_COLOURS.items():
        rules.append(
            f".status-{status} {{color: {colour}; font-weight: 600; border-left: 4px solid {colour}}}"
        )
    return "\n".join(rules)


def render_html(pack: dict, charts: list[str] | None = None, font: str = "") -> str:
    """One self-contained HTML file that prints well (A4 and Letter). `charts`: the figures as SVG
    (dashboard/board_pack_print.py renders them once, at freezing); without them Plotly's
    JavaScript is embedded once and the charts are interactive."""
    if charts is None:
        charts = _plotly_blocks(pack)
    fresh = "; ".join(f"{r['source_name']} to {str(r['latest_date'])[:10]}" for r in pack["freshness"])
    month_name = date.fromisoformat(pack["month"] + "-01").strftime("%B %Y")
    statuses = [r["status"] for r in pack["scorecard"]]
    scorecard = _html_table(scorecard_table(pack["scorecard"]), statuses=statuses)
    figures = "".join(f"<figure class='chart'>{c}</figure>" for c in charts) or "<p>No charts.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CX board pack — {month_name}</title>
<style>
{font}
body {{font-family: {css_font_family(theme.FONT)}; color: {theme.TEXT}; max-width: 1100px;
  margin: 2rem auto; padding: 0 1rem; font-size: 11pt; line-height: 1.35}}
h1 {{font-size: 20pt; margin: 0 0 .3rem}} h2 {{font-size: 14pt; margin: 1.2rem 0 .4rem}}
h3 {{font-size: 11.5pt; margin: .6rem 0 .2rem}}
table {{border-collapse: collapse; margin: .4rem 0 1.2rem; font-size: 8.5pt; width: 100%}}
th, td {{border-bottom: 1px solid {theme.GRID}; padding: .25rem .4rem; text-align: left; vertical-align: top}}
th {{background: #f4f5f7}}
.meta {{color: {theme.MUTED}; font-size: 9pt}}
.summary {{border: 1px solid {theme.GRID}; border-radius: 6px; padding: .2rem 1rem .6rem}}
.summary ul {{margin: .2rem 0; padding-left: 1.2rem}}
figure.chart {{margin: .5rem 0; break-inside: avoid}}
figure.chart svg {{width: 100%; height: auto}}
{_status_css()}
@page {{margin: 14mm 12mm 16mm}}
@media print {{
  body {{margin: 0; max-width: none; padding: 0}}
  h2, h3 {{break-after: avoid}}
  tr, .summary-block {{break-inside: avoid}}
  .scorecard {{break-before: page}}
  .charts {{break-before: page}}
}}
</style></head><body>
<h1>Customer experience board pack — {month_name}</h1>
<p class="meta"><b>Filters:</b> {html.escape(pack["filters_text"])}<br>
<b>Data freshness:</b> data as of {str(pack["as_of"])[:10]} ({html.escape(fresh)})<br>
<b>Figures frozen:</b> {pack["frozen_at"]} from warehouse snapshot {html.escape(pack["snapshot"])}.
Changes compare with the previous calendar month (MoM) and the same month a year before (YoY); * marks a
change larger than the combined 95% margins of error (significant).</p>
{_revision_html(pack)}{_summary_html(pack)}
<section class="scorecard"><h2>Scorecard</h2>{scorecard}</section>
<h2>Metrics past their alert threshold</h2>
{_html_table(breaches_table(pack["scorecard"]), "None this month.")}
<h2>Roadmap status changes</h2>{_html_table(changes_table(pack["roadmap_changes"]), "No status changed.")}
<section class="charts"><h2>Charts</h2>{figures}</section>
</body></html>"""


def _plotly_blocks(pack: dict) -> list[str]:
    figures = []
    trend = _trend_frame(pack)
    if trend.height:
        month = date.fromisoformat(pack["month"] + "-01")
        figures.append(
            charts.kpi_trends(
                trend,
                TREND_KEYS,
                targets_of_rows(pack["scorecard"]),
                highlight=month,
                title="Thirteen months to the review month; dashed line = target",
            )
        )
    if pack["friction"]:
        figures.append(
            charts.friction_top(pl.DataFrame(pack["friction"]), "Friction costs in the month (per year)")
        )
    return [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
        for i, fig in enumerate(figures)
    ]


def _html_table(frame: pl.DataFrame, empty: str = "No rows.", statuses: list[str] | None = None) -> str:
    if frame.height == 0:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    status_at = frame.columns.index("Status") if statuses and "Status" in frame.columns else None
    rows = []
    for i, row in enumerate(frame.iter_rows()):
        cells = []
        for j, v in enumerate(row):
            text = html.escape("" if v is None else str(v))
            if j == status_at:
                cells.append(f"<td class='status-{statuses[i]}'>{text}</td>")
            else:
                cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_xlsx(pack: dict) -> bytes:
    import io

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    cover = [
        ("board pack", f"CX board pack {pack['month']}"),
        ("filters", pack["filters_text"]),
        *pack["filters"],
        ("data as of", str(pack["as_of"])[:10]),
        *[(f"latest {r['source_name']}", str(r["latest_date"])[:10]) for r in pack["freshness"]],
        ("figures frozen", pack["frozen_at"]),
        ("revision", str(pack.get("revision", 1))),
        ("warehouse snapshot", pack["snapshot"]),
        ("comparisons", "MoM = previous calendar month; YoY = same month a year before"),
    ]
    exports.write_table(book, "about", pl.DataFrame(cover, schema=["item", "value"], orient="row"))
    exports.write_table(book, "scorecard", scorecard_table(pack["scorecard"]))
    numbers = pl.DataFrame(pack["scorecard"]).select(
        "metric",
        "label",
        "unit",
        "value",
        "n",
        "margin",
        "target",
        "alert",
        "status",
        "mom_value",
        "mom_change",
        "mom_significant",
        "yoy_value",
        "yoy_change",
        "yoy_significant",
        "is_breach",
    )
    exports.write_table(book, "scorecard values", numbers)
    exports.write_table(book, "breaches", breaches_table(pack["scorecard"]))
    if pack.get("revision_changes"):
        exports.write_table(book, "revision changes", pl.DataFrame(pack["revision_changes"]))
    exports.write_table(book, "roadmap changes", changes_table(pack["roadmap_changes"]))
    if pack["friction"]:
        exports.write_table(book, "friction", pl.DataFrame(pack["friction"]))
    if pack["trend"]:
        exports.write_table(book, "trend", pl.DataFrame(pack["trend"]))
    book.close()
    return buffer.getvalue()


def compare_note(pack: dict, live_rows: list[dict]) -> str | None:
    """Say so when the live figures no longer match the frozen pack (new data since)."""
    frozen = {r["metric"]: r["value"] for r in pack["scorecard"]}
    moved = [
        METRICS[r["metric"]].label
        for r in live_rows
        if r["metric"] in frozen and _differs(frozen[r["metric"]], r["value"])
    ]
    if not moved:
        return None
    return (
        f"Since the pack was frozen ({pack['frozen_at']}), new data changed: {', '.join(moved)}. "
        "The board pack keeps the figures the meeting saw."
    )


def _differs(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(float(a) - float(b)) > 1e-9 * max(1.0, abs(float(a)))

"""Labels and axis formats shared by the charts: money in the orders' currency, bar-label room."""

from __future__ import annotations

import html

from warehouse import money
from warehouse.metrics import METRICS


def money_label(v: float | None) -> str:
    if v is None:
        return "–"
    sign = money.symbol()
    if abs(v) >= 1e6:
        return f"{sign}{v / 1e6:.1f}m"
    if abs(v) >= 1e4:
        return f"{sign}{v / 1e3:.0f}k"
    if abs(v) >= 1e3:
        return f"{sign}{v / 1e3:.1f}k"
    return f"{sign}{v:.0f}"


def left_margin(labels: list[str]) -> int:
    """Room for horizontal-bar labels (Plotly's automargin is unreliable when the chart is first
    drawn narrow)."""
    lines = [line for x in labels for line in str(x).split("<br>")]  # wrapped labels: the longest line
    return 12 + 7 * max((len(html.unescape(line)) for line in lines), default=0)


def plain(text) -> str:
    """Data text as plain text in a figure: Plotly draws a subset of HTML in labels (<b>, <a href>,
    <br>), so a store name or a theme made of customers' words could format or link."""
    return html.escape(str(text), quote=False)


def wrap(text: str, width: int = 14) -> str:
    """`text` as plain text (see plain) broken into lines of about `width` characters."""
    words, lines, line = plain(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "<br>".join([*lines, line])


def axis_format(key: str) -> dict:
    unit = METRICS[key].unit
    return {"%": {"ticksuffix": "%"}, "money": {"tickprefix": money.symbol()}, "s": {"ticksuffix": " s"}}.get(
        unit, {}
    )

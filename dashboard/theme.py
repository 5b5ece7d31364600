"""One Plotly theme for the whole app (and the board pack): a registered template "cx".

Colours are the Okabe-Ito palette, which stays distinguishable for the common forms of colour
blindness. Status colours follow red/amber/green in Okabe-Ito's bluish green, orange and
vermillion, and every status is also written out (with a symbol), never shown by colour alone.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "cx"
FONT = "Source Sans Pro, Source Sans 3, Helvetica Neue, Arial, sans-serif"

# Okabe-Ito, most distinct first (black left out: it is the text colour).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
BLUE, ORANGE, GREEN, PINK, SKY, VERMILLION, YELLOW, GREY = PALETTE
TEXT = "#262730"
MUTED = "#6b6f76"
GRID = "#e6e7ea"

STATUS_COLOURS = {
    "on_target": GREEN,
    "watch": ORANGE,
    "alert": VERMILLION,
    "no_data": GREY,
    "not_measured": GREY,
    "no_target": GREY,
}
STATUS_LABELS = {
    "on_target": "On target",
    "watch": "Watch",
    "alert": "Alert",
    "no_data": "No data",
    "not_measured": "Not measured",
    "no_target": "No target set",
}
STATUS_SYMBOLS = {
    "on_target": "✓",
    "watch": "!",
    "alert": "✕",
    "no_data": "–",
    "not_measured": "–",
    "no_target": "·",
}

# Roadmap initiative statuses on the same scale.
INITIATIVE_COLOURS = {
    "done": GREEN,
    "on_track": SKY,
    "at_risk": ORANGE,
    "off_track": VERMILLION,
    "not_started": GREY,
}
INITIATIVE_LABELS = {
    "done": "Done",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "not_started": "Not started",
}

TIER_COLOURS = {
    "platinum": "#5d6d7e",
    "gold": ORANGE,
    "silver": SKY,
    "bronze": "#a0522d",
    "none": GREY,
}

# Better / worse than before (for changes), independent of the metric's direction.
BETTER, WORSE = BLUE, VERMILLION


def register() -> None:
    """Register the "cx" template and make it the default for every figure."""
    if TEMPLATE in pio.templates and pio.templates.default == TEMPLATE:
        return
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.update(
        colorway=PALETTE,
        font=dict(family=FONT, size=13, color=TEXT),
        title=dict(font=dict(size=15, color=TEXT), x=0, xanchor="left", y=0.98, yanchor="top"),
        margin=dict(l=10, r=10, t=48, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title_text=""),
        hoverlabel=dict(font=dict(family=FONT, size=13)),
        xaxis=dict(gridcolor=GRID, zerolinecolor=GRID, automargin=True, title_standoff=8),
        yaxis=dict(gridcolor=GRID, zerolinecolor=GRID, automargin=True, title_standoff=8),
        separators=".,",
    )
    pio.templates[TEMPLATE] = template
    pio.templates.default = TEMPLATE


register()

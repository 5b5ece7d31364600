"""The loyalty page's tier panels: horizontal small multiples that a phone can read (the tier names
once per row, each value in a column beside its bars, clear of whiskers), small samples greyed
with their n."""

import polars as pl

from dashboard.charts.loyalty_tiers import LOW_N, VALUES_SHARE, tier_panels

FRAME = pl.DataFrame(
    {
        "tier": ["silver", "gold", "none"],  # not in tier order: the chart orders them
        "revenue_share_pct": [30.0, 50.0, 20.0],
        "orders_per_customer": [1.5, 2.5, 1.1],
        "count_customers": [200, 100, 400],
        "nps": [31.0, 69.0, -18.0],
        "nps__n": [120, 13, 80],  # gold's 13 answers are under NPS's min_n (30)
        "nps__margin": [9.0, 40.0, 12.0],
    }
)


def _bars_and_values(fig):
    bars = [t for t in fig.data if t.type == "bar"]
    values = [t for t in fig.data if t.type == "scatter"]
    return bars, values


def test_panels_are_horizontal_bars_in_tier_order_with_the_names_once_per_row():
    fig = tier_panels.uncached(FRAME)
    bars, values = _bars_and_values(fig)
    assert len(bars) == len(values) == 3  # revenue share, orders per customer, NPS: one row
    for bar in bars:
        assert bar.orientation == "h"
        assert list(bar.y) == ["gold", "silver", "non-member"]
    assert [b.x[0] for b in bars] == [50.0, 2.5, 69.0]
    # one row of three panels sharing its y axis: only the first shows the tier names
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.yaxis2.matches == fig.layout.yaxis3.matches == "y"
    assert fig.layout.yaxis2.showticklabels is fig.layout.yaxis3.showticklabels is False


def test_each_value_stands_in_a_column_right_of_its_panels_bars_and_whiskers():
    fig = tier_panels.uncached(FRAME)
    bars, values = _bars_and_values(fig)
    for i, (bar, value) in enumerate(zip(bars, values, strict=True)):
        axis = fig.layout[f"xaxis{i + 1 if i else ''}"]
        low, high = axis.range
        column = value.x[0]
        assert len(set(value.x)) == 1 and value.mode == "text" and value.textposition == "middle right"
        longest = max(x + (e or 0) for x, e in zip(bar.x, bar.error_x.array or [0] * 3, strict=True))
        assert longest < column < high
        assert abs((high - column) / (high - low) - VALUES_SHARE) < 1e-9
    assert list(values[0].text) == ["50%", "30%", "20%"]
    assert list(values[2].text) == ["+69<br>n=13", "+31", "-18"]  # NPS: gold's n is too small


def test_a_small_sample_is_grey_and_hatched_and_a_negative_bar_stays_in_its_panel():
    fig = tier_panels.uncached(FRAME)
    bars, _ = _bars_and_values(fig)
    nps = bars[2]
    assert nps.marker.color[0] == LOW_N and nps.marker.pattern.shape[0] == "/"
    assert nps.marker.pattern.shape[1] == ""
    low, _ = fig.layout.xaxis3.range
    assert low < -18.0  # the non-members' -18 is drawn whole, left of zero
    assert "n = 13 answers (too few to read)" in nps.customdata[0]

"""Issue 18 on real comments: the Olist order reviews (Portuguese, ../shared/realdata; skips when
absent) ingested, fitted and built. Sentiment is cross-fitted from the review scores (CSAT 1-5), so
its AUC against them is honest; prints the accuracy and the themes found (run with -s to see them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.run import ingest_paths
from voc.models import MAX_THEMES
from voc.step import manifest, update
from warehouse.api import Warehouse
from warehouse.build import build
from warehouse.filters import Filters

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
OLIST = REALDATA / "olist"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.slow,
    pytest.mark.skipif(not OLIST.is_dir(), reason=f"no real data at {OLIST}"),
]


@pytest.fixture(scope="module")
def olist(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("olist") / "warehouse.duckdb"
    files = sorted(OLIST.glob("*.csv"))
    ingest_paths(files, db)
    update(db)
    build(db)
    return db


def test_portuguese_sentiment_is_measured_against_the_review_scores(olist):
    info = manifest(olist, 1)
    assert set(info["languages"]) == {"pt"}
    wh = Warehouse.open(olist)
    accuracy = wh.voice_accuracy(Filters(date(2000, 1, 1), date(2030, 12, 31))).frame.to_dicts()
    themes = wh.voice_themes(Filters(date(2000, 1, 1), date(2030, 12, 31))).frame
    wh.close()
    (pt,) = accuracy
    print(
        f"\nOlist pt: AUC {pt['auc']:.3f} (n {pt['count_unhappy']} unhappy / {pt['count_happy']} happy, "
        f"{pt['count_comments']} comments); at fit {info['languages']['pt']['fit_auc']}"
    )
    for row in themes.iter_rows(named=True):
        print(
            f"  {row['theme']}: {row['count_comments']} ({100 * row['share']:.0f}%), "
            f"sentiment {row['mean_sentiment']:+.2f}, CSAT {row['csat'] or 0:.0f}% (n {row['csat_n']})"
        )
    assert pt["status"] == "measured" and pt["auc"] > 0.9
    assert 4 <= themes.filter(~themes["theme"].is_in(["no theme", "other"])).height <= MAX_THEMES
    # the themes separate: the most and least satisfied themes are far apart
    measured = themes.filter(themes["csat_n"] >= 30)
    assert measured["csat"].max() - measured["csat"].min() > 40

"""The voice of the customer page's view in one call (issue 20, item 3): what customers say
(sentiment accuracy and trend, themes, emerging themes, the NPS drivers) and the follow-up list
with its rates, run two at a time (BaseWarehouse.gather).

At 100M order lines the page's default view took 89-213 ms warm (by this VM's speed) running its
eight independent queries one after another, much of each on one core (planning, the Python around
it) while the other idled. The follow-up list (its index, rates and rows, ~40 ms at 100M) runs on
one lane while the five others follow one another on the other: 10-25% off at 100M, 25-40% at 10M.

Each part is the Result the page's single query methods return (voice.py, follow_up.py); a
view that changes one of them (a theme breakdown, the CSAT drivers, a status filter) calls that
method alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from warehouse import followups
from warehouse.filters import Filters
from warehouse.queries.base import Result
from warehouse.queries.follow_up import FollowUpQueries
from warehouse.queries.voice import VoiceQueries


@dataclass(frozen=True)
class VoicePage:
    """What the voice page shows in its default view, each part as its own query returns it."""

    accuracy: Result  # voice_accuracy
    trend: Result  # voice_sentiment_trend by month, over the period's trend_window()
    themes: Result  # voice_themes, not broken down
    emerging: Result  # voice_emerging_themes against the comparison period
    drivers: Result  # voice_drivers of NPS, the score picker's default
    index: Result  # follow_up_index: every answer of the list, its id, day and status
    rates: Result  # follow_up_rates of that index
    listed: Result | None  # the whole list (follow_up_list) when it holds at most `eager_rows`
    shown: Result | None  # else its newest `shown_max` answers, whole rows (follow_up_rows)


class VoicePageQueries(VoiceQueries, FollowUpQueries):
    def voice_page(self, filters: Filters, eager_rows: int, shown_max: int) -> VoicePage:
        """The page's default view of `filters`: every part a VoicePage names. A list of at most
        `eager_rows` answers is read whole (its CRM file is made with the page); of a longer one
        only the newest `shown_max` answers, of every status."""
        f = self.resolve(filters)

        def closing_the_loop() -> tuple[Result, Result, Result | None, Result | None]:
            statuses = followups.read_current(self.follow_up_store)  # once for the index and the list
            index = self.follow_up_index(f, statuses)
            rates = self.follow_up_rates(f, listed=index)
            if index.frame.height == 0:
                return index, rates, None, None
            if index.frame.height <= eager_rows:
                return index, rates, self.follow_up_list(f, statuses), None
            return index, rates, None, self.follow_up_rows(f, index.frame, None, shown_max)

        # the longest first: the list's chain holds one lane while the rest share the other
        loop, accuracy, trend_, themes, emerging, drivers = self.gather(
            closing_the_loop,
            partial(self.voice_accuracy, f),
            partial(self.voice_sentiment_trend, f.trend_window(), "month"),
            partial(self.voice_themes, f),
            partial(self.voice_emerging_themes, f),
            partial(self.voice_drivers, f, "nps"),
        )
        index, rates, listed, shown = loop
        return VoicePage(accuracy, trend_, themes, emerging, drivers, index, rates, listed, shown)

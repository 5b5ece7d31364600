"""Figures kept per input: a page view whose data is unchanged reuses the figure drawn for it.

Building a Plotly figure (subplots, traces, annotations, each validated) is most of a page's
script time on the server, more than its SQL: measured with `python -m bench.load_run`, the
overview's trend panels alone took ~0.1 s a view. A figure is a pure function of what the
warehouse returned (already scoped to the viewer) and the builder's options, so one built for the
same inputs can be served again: the key is the inputs' content (Streamlit hashes Polars frames by
their rows), never who is looking, so no viewer can receive a figure drawn from rows they may not
see. Figures are shared, not copied: nothing may change one after it is built (the pages pass them
to st.plotly_chart, the board pack renders them; neither mutates them).

Outside a Streamlit server (the board pack from the CLI, tests of the builders) the builder just
runs: there is no session to share with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit import runtime

F = TypeVar("F", bound=Callable)

# ~20 figures a page x the filter combinations in use; a figure is 10-200 KB of Python objects.
FIGURES_KEPT = 512


def figure(builder: F) -> F:
    cached = st.cache_resource(show_spinner=False, max_entries=FIGURES_KEPT)(builder)

    @functools.wraps(builder)
    def build(*args, **kwargs):
        if runtime.exists():
            return cached(*args, **kwargs)
        return builder(*args, **kwargs)

    build.uncached = builder  # type: ignore[attr-defined]
    return build  # type: ignore[return-value]

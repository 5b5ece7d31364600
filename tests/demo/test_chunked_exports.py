"""write_exports renders, corrupts and writes the large sources in row chunks (so 50M order lines
fit in memory); the files must stay byte for byte what the whole-frame generator wrote, because the
demo's numbers, the other tests and the README's story depend on them."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from demo import bad_rows
from demo.generator import SOURCES, build_world, generate, iter_exports, render, write_exports

# sha256 of every file written by write_exports(out, scale=0.02, seed=7) (end DEFAULT_END) before
# the generator wrote in chunks (commit a283a9f, numpy 2.4, polars 2.1). A deliberate change of the
# generated data (or a numpy release that changes a random stream) changes these: regenerate them
# with `sha256sum` on a fresh write_exports and say why in the commit message.
GOLDEN = {
    "contacts.csv": "a559cb35f94595ebc6672d57a72f8919fc11585e08a0d6f9542d3771fb333d83",
    "cost_assumptions.csv": "a360e3893dd59e29a499873a5a2254e30e6f16ab324b4b1f18b8681a144d4140",
    "customers.csv": "867414e9143e95023390a4694569d0f9ba3dc35d184eab54b80d4bf4c127575a",
    "manifest.json": "561c78874b1a51ee2a934f9bcb477396e43dd526bdc380e6a0a86c50e4a40b76",
    "orders.csv": "f86bf7f988d8d8b8438ce022631caef66ebb7e124033fe58deaa58eb841ee87c",
    "roadmap.csv": "8f6142470dd931e94ecaa3345b20ad5f29b59001c4ee31a887cbee33eb8ecc6d",
    "roadmap_checkins.csv": "d20d54183c4077fdc45d3080bf421793b243678e1fdea444133aec6eda6f2592",
    "sessions.csv": "0a5eed661e124804321a547b9d9a198db820f3c068fa777a79eefc86d3143b00",
    "stores.csv": "e05028dd7d1fd9a2747abdd69d00245544700f5329b62f150b8788ffd39947f0",
    "surveys.csv": "6669a9ff7d285efa7ce781515d0c0b7841f59e1ddf803e630a318280161062b1",
}


def _digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_written_files_match_the_golden_hashes(tmp_path):
    write_exports(tmp_path, scale=0.02, seed=7)
    assert set(GOLDEN) == {f"{s}.csv" for s in SOURCES} | {"manifest.json"}
    assert _digests(tmp_path) == GOLDEN


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_tiny_chunks_write_the_same_bytes_as_one_chunk(tmp_path, chunk_rows):
    """Chunks of 7 rows cut every source many times (duplicates copy rows of earlier chunks, order
    lines of one order straddle chunks), 1000 cuts the larger ones a few times; both must give the
    same bytes as one chunk per source."""
    whole, chunked = tmp_path / "whole", tmp_path / "chunked"
    write_exports(whole, scale=0.02, seed=7, chunk_rows=1 << 40)
    write_exports(chunked, scale=0.02, seed=7, chunk_rows=chunk_rows)
    rows = json.loads((whole / "manifest.json").read_text())["files"]
    assert rows["orders"]["rows"] > 100 * chunk_rows or chunk_rows > 7  # really many chunks
    assert _digests(chunked) == _digests(whole) == GOLDEN
    for source in SOURCES:  # a failure names the source and the first differing line
        whole_lines = (whole / f"{source}.csv").read_text().splitlines()
        assert (chunked / f"{source}.csv").read_text().splitlines() == whole_lines, source


def test_generate_returns_the_written_files_as_frames(tmp_path):
    frames = generate(scale=0.02, seed=7)
    write_exports(tmp_path, scale=0.02, seed=7, chunk_rows=1000)
    for source in SOURCES:
        written = pl.read_csv(tmp_path / f"{source}.csv", infer_schema=False)
        assert_frame_equal(written, frames[source], check_dtypes=False)


def test_inject_on_a_whole_frame_matches_the_chunked_plan():
    world = build_world(scale=0.02, seed=7)
    clean = render(world, "contacts")
    frame, entries = bad_rows.inject(clean, "contacts", np.random.default_rng(world.streams["contacts"]))
    export = next(e for e in iter_exports(world, chunk_rows=50) if e.source == "contacts")
    assert_frame_equal(frame, pl.concat(list(export.chunks)))
    assert entries == export.bad_rows and len(entries) == 5

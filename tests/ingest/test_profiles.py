"""Profiles: canonical ones mirror the contracts; detection, --profile, --source; a vendor-style profile."""

from __future__ import annotations

import textwrap

import pytest

from ingest.contracts import CONTRACTS
from ingest.profiles import ProfileError, detect_profile, load_profiles

from .exports import BASE, query, rows_of


def test_canonical_profiles_mirror_the_contracts():
    profiles = load_profiles()
    for source, contract in CONTRACTS.items():
        p = profiles[f"canonical_{source}"]
        assert p.source == source
        assert p.columns == {c: c for c in contract.names}
        assert list(p.signature) == contract.required


@pytest.mark.parametrize("source", list(BASE))
def test_each_canonical_header_detects_its_own_profile(source):
    header, _ = rows_of(source)
    assert detect_profile(header, load_profiles()).profile.name == f"canonical_{source}"


def test_profile_option_overrides_and_source_restricts():
    profiles = load_profiles()
    header, _ = rows_of("roadmap")
    forced = detect_profile(header, profiles, profile="canonical_roadmap_checkins")
    assert forced.profile is None and "missing: checkin_date" in forced.message
    assert detect_profile(header, profiles, source="orders").profile is None
    assert detect_profile(header, profiles, source="roadmap").profile.name == "canonical_roadmap"
    unknown = detect_profile(header, profiles, profile="shopify")
    assert unknown.profile is None and "unknown profile 'shopify'" in unknown.message


VENDOR = textwrap.dedent("""\
    name = "test_pos_orders"
    source = "orders"
    [header]
    signature = ["invoice", "stock code"]
    [columns]
    "Invoice" = "order_id"
    "Line" = "line_no"
    "Invoice Date" = "ordered_at"
    "Shop" = "store_id"
    "Sales Channel" = "channel"
    "Stock Code" = "sku"
    "Qty" = "quantity"
    "Price" = "unit_price"
    [formats]
    ordered_at = ["%d/%m/%Y %H:%M"]
    [values.channel]
    "online store" = "web"
    "till" = "store"
    [read]
    delimiter = ";"
    """)


def test_a_vendor_profile_is_just_a_file(tmp_path, write, ingest, db):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "profile_test_pos_orders.toml").write_text(VENDOR)
    text = textwrap.dedent("""\
        Invoice;Line;Invoice Date;Shop;Sales Channel;Stock Code;Qty;Price
        536365;1;01/12/2010 08:26;S1;Online Store;85123A;6;2.55
        536366;1;01/12/2010 08:28;S1;TILL;71053;6;3.39
        536367;1;2010-12-01 08:34;S1;kiosk;84406B;8;2.75
        """)
    [r] = ingest(write("pos.csv", text), profile_dirs=[folder])
    assert (r.profile, r.source, r.rows_loaded, r.rows_quarantined) == ("test_pos_orders", "orders", 2, 1), (
        r.message
    )
    assert query(
        db, "select order_id, channel, strftime(ordered_at, '%Y-%m-%d %H:%M') from raw.orders order by 1"
    ) == [("536365", "web", "2010-12-01 08:26"), ("536366", "store", "2010-12-01 08:28")]
    assert query(db, "select rule, column_name from meta.quarantine order by 1") == [
        ("unknown_value", "channel"),
        ("unparseable_timestamp", "ordered_at"),
    ]


def test_a_broken_profile_is_reported(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "bad"\nsource = "orders"\n[columns]\n"x" = "not_a_column"\n')
    with pytest.raises(ProfileError, match="not in the orders contract: not_a_column"):
        load_profiles([folder])

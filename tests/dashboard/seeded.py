"""Seeded warehouses for the dashboard tests, built in code (random.Random(42)), never from files.

`realistic_warehouse(dir)` uses the demo generator and the ingest pipeline when they exist
(demo.generator.write_exports + ingest.run.ingest_paths, at a small scale); until then it builds
a smaller synthetic data set of the same shape straight into the raw tables. `tiny_warehouse(dir)`
is a handful of hand-written rows whose exported bytes a test can state as a constant.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from tests.warehouse.raw_fixture import DEFAULT_ASSUMPTIONS, META_DDL, raw_columns
from warehouse.build import build

END = date(2026, 3, 31)
START = date(2025, 1, 1)
STORES = [
    {"store_id": "N01", "name": "Leeds Briggate", "region": "North", "format": "high_street"},
    {"store_id": "N02", "name": "York Coppergate", "region": "North", "format": "mall"},
    {"store_id": "S01", "name": "Bristol Cabot", "region": "South", "format": "mall"},
    {"store_id": "S02", "name": "Brighton Churchill", "region": "South", "format": "high_street"},
    {"store_id": "ONL-N", "name": "Online North", "region": "North", "format": "online"},
    {"store_id": "ONL-S", "name": "Online South", "region": "South", "format": "online"},
]
INITIATIVES = [
    (
        "CX-01",
        "Journey mapping and friction baseline",
        "diagnose",
        "measurement",
        1,
        45,
        "nps",
        "detractor_churn",
        2,
    ),
    ("CX-02", "Repeat-contact tracking", "diagnose", "measurement", 10, 60, "fcr", "repeat_contacts", 2),
    (
        "CX-03",
        "Proactive delivery notifications",
        "deliver",
        "proactive_communication",
        61,
        120,
        "repeat_contact_rate",
        "late_deliveries",
        2,
    ),
    (
        "CX-04",
        "Skills-based routing",
        "deliver",
        "intelligent_routing",
        65,
        130,
        "transfer_rate",
        "transfers",
        3,
    ),
    (
        "CX-05",
        "Abandoned-basket reminders",
        "deliver",
        "proactive_communication",
        100,
        150,
        "cart_abandonment",
        "abandoned_carts",
        1,
    ),
    (
        "CX-06",
        "Order-tracking chatbot",
        "deliver",
        "self_service",
        70,
        145,
        "self_service_rate",
        "long_waits",
        4,
    ),
    (
        "CX-07",
        "CX governance council",
        "operationalize",
        "measurement",
        151,
        180,
        "csat",
        "preventable_returns",
        2,
    ),
]
PROGRAMME_START = END - timedelta(days=120)


def _ts(d: date, rng: random.Random) -> datetime:
    return datetime(d.year, d.month, d.day, rng.randint(8, 20), rng.randint(0, 59))


def synthetic_rows(seed: int = 42) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    days = (END - START).days + 1
    tiers = ["bronze", "silver", "gold", "platinum"]
    customers, tier_now = [], {}
    for i in range(240):
        cid = f"C{i:04d}"
        region = rng.choice(["North", "South"])
        segment = rng.choice(["budget", "mainstream", "premium"])
        tier = rng.choices(tiers + ["none"], weights=[40, 25, 15, 5, 15])[0]
        customers.append(
            {
                "customer_id": cid,
                "tier": tier,
                "tier_since": date(2024, 6, 1),
                "region": region,
                "segment": segment,
                "enrolled_at": datetime(2024, 6, 1, 9),
            }
        )
        tier_now[cid] = tier
        if tier in ("bronze", "silver", "gold") and rng.random() < 0.3:  # an upgrade during the data
            up = tiers[tiers.index(tier) + 1]
            since = START + timedelta(days=rng.randint(60, days - 30))
            customers.append({**customers[-1], "tier": up, "tier_since": since})
            tier_now[cid] = up
    cids = sorted(tier_now)
    orders, contacts, surveys, sessions = [], [], [], []
    reasons = ["order_status", "delivery", "return_refund", "product", "billing", "account", "other"]
    for n in range(1800):
        d = START + timedelta(days=int(rng.triangular(0, days - 1, days - 1)))
        channel = rng.choices(["store", "web", "app", "marketplace"], weights=[45, 35, 15, 5])[0]
        cust = rng.choice(cids) if rng.random() < 0.8 else None
        region = rng.choice(["North", "South"])
        store = (
            rng.choice([s for s in ("N01", "N02", "S01", "S02") if s[0] == region[0]])
            if channel == "store"
            else ("ONL-N" if region == "North" else "ONL-S")
        )
        qty = rng.randint(1, 3)
        price = round(rng.uniform(8, 90) * (1.3 if cust and tier_now[cust] in ("gold", "platinum") else 1), 2)
        ordered = _ts(d, rng)
        line = {
            "order_id": f"O{n:05d}",
            "line_no": 1,
            "ordered_at": ordered,
            "store_id": store,
            "channel": channel,
            "customer_id": cust,
            "sku": f"SKU{rng.randint(1, 60):03d}",
            "category": rng.choice(["home", "kids", "garden"]),
            "quantity": qty,
            "unit_price": price,
            "discount": 0.0,
            "currency": "GBP",
            "fulfillment": "in_store" if channel == "store" else "ship_to_home",
        }
        if channel != "store":
            line["promised_at"] = ordered + timedelta(days=3)
            delivered = ordered + timedelta(days=rng.choice([1, 2, 2, 3, 3, 3, 4, 5]))
            if delivered.date() <= END:
                line["delivered_at"] = delivered
        if rng.random() < 0.09:
            line["returned_quantity"] = 1
            line["return_reason"] = rng.choice(["damaged", "wrong_item", "changed_mind", "not_as_described"])
        orders.append(line)
        if cust and rng.random() < 0.25:  # a support contact about the order, sometimes repeated
            reason = rng.choice(reasons)
            ticket = f"T{n:05d}"
            for k in range(2 if rng.random() < 0.2 else 1):
                opened = ordered + timedelta(days=1 + k * 2, hours=rng.randint(0, 5))
                if opened.date() > END:
                    break
                ch = rng.choice(["phone", "chat", "email", "self_service"])
                resolved_by = "bot" if ch == "self_service" else "agent"
                contacts.append(
                    {
                        "contact_id": f"K{n:05d}{k}",
                        "ticket_id": ticket,
                        "customer_id": cust,
                        "order_id": f"O{n:05d}",
                        "channel": ch,
                        "opened_at": opened,
                        "resolved_at": opened + timedelta(minutes=20),
                        "reason": reason,
                        "handle_seconds": None if ch == "self_service" else rng.randint(120, 700),
                        "wait_seconds": rng.choice([20, 60, 90, 150, 240, 420, 700]),
                        "transfers": 1 if rng.random() < 0.12 else 0,
                        "resolved_by": resolved_by,
                    }
                )
        if cust and rng.random() < 0.45:
            survey = rng.choice(["nps", "nps", "csat", "ces"])
            score = {
                "nps": rng.choices(range(11), weights=[1, 1, 1, 1, 2, 3, 5, 8, 12, 14, 12])[0],
                "csat": rng.choices(range(1, 6), weights=[1, 1, 2, 6, 10])[0],
                "ces": rng.randint(3, 7),
            }[survey]
            answered = ordered + timedelta(days=4)
            if answered.date() <= END:
                surveys.append(
                    {
                        "response_id": f"R{n:05d}",
                        "survey": survey,
                        "score": score,
                        "answered_at": answered,
                        "customer_id": cust,
                        "order_id": f"O{n:05d}",
                        "touchpoint": rng.choice(["purchase", "fulfillment", "support", "consideration"]),
                        "channel": channel,
                    }
                )
    steps = ["visit", "product_view", "add_to_cart", "checkout", "purchase"]
    for n in range(2600):
        d = START + timedelta(days=int(rng.triangular(0, days - 1, days - 1)))
        sessions.append(
            {
                "session_id": f"W{n:05d}",
                "started_at": _ts(d, rng),
                "channel": rng.choice(["web", "web", "app"]),
                "customer_id": rng.choice(cids) if rng.random() < 0.5 else None,
                "source": rng.choice(["search", "email", "social", "direct"]),
                "furthest_step": rng.choices(steps, weights=[45, 28, 12, 7, 8])[0],
            }
        )
    roadmap, checkins = [], []
    statuses = ["done", "done", "on_track", "at_risk", "on_track", "off_track", "not_started"]
    baselines = {
        "nps": 25.0,
        "fcr": 70.0,
        "repeat_contact_rate": 18.0,
        "transfer_rate": 12.0,
        "cart_abandonment": 72.0,
        "self_service_rate": 15.0,
        "csat": 80.0,
    }
    targets = {
        "nps": 35.0,
        "fcr": 80.0,
        "repeat_contact_rate": 12.0,
        "transfer_rate": 6.0,
        "cart_abandonment": 66.0,
        "self_service_rate": 28.0,
        "csat": 88.0,
    }
    for (iid, name, phase, area, s, e, kpi, fp, cx), status in zip(INITIATIVES, statuses, strict=True):
        roadmap.append(
            {
                "initiative_id": iid,
                "name": name,
                "phase": phase,
                "area": area,
                "owner": "CX Lead",
                "programme_start": PROGRAMME_START,
                "start_day": s,
                "end_day": e,
                "kpi": kpi,
                "baseline": baselines[kpi],
                "target": targets[kpi],
                "friction_point": fp,
                "complexity": cx,
            }
        )
        for month_end, st, pct in (
            (date(2026, 1, 31), "on_track", 30),
            (date(2026, 2, 28), "on_track", 50),
            (date(2026, 3, 31), status, 100 if status == "done" else 60),
        ):
            if (month_end - PROGRAMME_START).days + 1 >= s:
                checkins.append(
                    {
                        "initiative_id": iid,
                        "checkin_date": month_end,
                        "status": st,
                        "percent_complete": pct,
                        "note": "Monthly check-in",
                    }
                )
    return {
        "orders": orders,
        "stores": STORES,
        "customers": customers,
        "contacts": contacts,
        "surveys": surveys,
        "sessions": sessions,
        "roadmap": roadmap,
        "roadmap_checkins": checkins,
    }


def write_raw(db: Path, rows: dict[str, list[dict]], assumptions: dict | None = None) -> Path:
    """The raw and meta tables ingest writes, filled with `rows` (bulk insert through Arrow)."""
    from ingest.contracts import CONTRACTS

    rows = dict(rows)
    rows.setdefault(
        "cost_assumptions",
        [
            {"version": 1, "valid_from": date(2024, 1, 1), "setting": k, "value": float(v)}
            for k, v in {**DEFAULT_ASSUMPTIONS, **(assumptions or {})}.items()
        ],
    )
    con = duckdb.connect(str(db))
    con.execute("create schema if not exists raw")
    con.execute(META_DDL)
    for source in CONTRACTS:
        cols = raw_columns(source)
        con.execute(f"create table raw.{source} ({', '.join(f'{n} {t}' for n, t in cols)})")
        data = rows.get(source, [])
        if not data:
            continue
        names = [n for n, _ in cols if any(n in r for r in data)]
        frame = pl.DataFrame(
            [
                {**{n: r.get(n) for n in names}, "_row_number": i, "_file_id": f"{source}.csv"}
                for i, r in enumerate(data, start=1)
            ],
            infer_schema_length=None,
        )
        con.register("incoming", frame.to_arrow())
        con.execute(f"insert into raw.{source} by name select * from incoming")
        con.unregister("incoming")
    _write_meta(con, rows)
    con.close()
    return db


def _write_meta(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> None:
    """One ingest run with a file per source and a few quarantined rows (for the quality page)."""
    at = datetime(2026, 4, 1, 6, 0)
    bad = {
        "surveys": [("score_out_of_scale", "score", "11"), ("score_out_of_scale", "score", "12")],
        "orders": [
            ("unparseable_number", "unit_price", "12,5O"),
            ("timestamp_in_future", "ordered_at", "2031-01-01"),
        ],
    }
    total_read = total_bad = 0
    for source, data in rows.items():
        quarantined = len(bad.get(source, []))
        total_read += len(data) + quarantined
        total_bad += quarantined
        con.execute(
            "insert into meta.file_loads values "
            "('run-1', ?, ?, ?, ?, 'canonical', ?, ?, ?, 'loaded', null, ?)",
            [
                f"{source}.csv",
                f"{source}.csv",
                f"exports/{source}.csv",
                source,
                len(data) + quarantined,
                len(data),
                quarantined,
                at,
            ],
        )
        for k, (rule, column, value) in enumerate(bad.get(source, []), start=1):
            con.execute(
                "insert into meta.quarantine values ('run-1', ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)",
                [
                    f"{source}.csv",
                    f"{source}.csv",
                    source,
                    len(data) + k,
                    rule,
                    column,
                    value,
                    f"{column} {value!r} breaks {rule}",
                    at,
                ],
            )
    con.execute(
        "insert into meta.ingest_runs values ('run-1', ?, ?, 'ok', ?, ?, ?, ?)",
        [at, at + timedelta(minutes=2), len(rows), total_read, total_read - total_bad, total_bad],
    )


def synthetic_warehouse(directory: Path, seed: int = 42) -> Path:
    db = write_raw(directory / "warehouse.duckdb", synthetic_rows(seed))
    build(db)
    return db


def demo_warehouse(directory: Path, scale: float = 0.05, seed: int = 42) -> Path | None:
    """The demo exports ingested and built, or None while demo/ or ingest/ is not there yet."""
    try:
        from demo.generator import write_exports
        from ingest.run import ingest_paths
    except ImportError:
        return None
    exports = directory / "exports"
    paths = write_exports(exports, scale, seed)
    db = directory / "warehouse.duckdb"
    ingest_paths(list(paths.values()), db)
    build(db)
    return db


def realistic_warehouse(directory: Path) -> Path:
    return demo_warehouse(directory) or synthetic_warehouse(directory)


TINY_ORDERS = [
    {
        "order_id": "o1",
        "line_no": 1,
        "ordered_at": datetime(2026, 3, 2, 10),
        "store_id": "S1",
        "channel": "store",
        "customer_id": "A",
        "sku": "K",
        "quantity": 1,
        "unit_price": 20.0,
    },
    {
        "order_id": "o2",
        "line_no": 1,
        "ordered_at": datetime(2026, 3, 3, 10),
        "store_id": "ONL",
        "channel": "web",
        "customer_id": "B",
        "sku": "K",
        "quantity": 2,
        "unit_price": 12.5,
    },
    {
        "order_id": "o3",
        "line_no": 1,
        "ordered_at": datetime(2026, 3, 4, 10),
        "store_id": "ONL",
        "channel": "web",
        "customer_id": "A",
        "sku": "K",
        "quantity": 1,
        "unit_price": 7.25,
    },
]


def tiny_warehouse(directory: Path) -> Path:
    db = write_raw(
        directory / "tiny.duckdb",
        {
            "orders": TINY_ORDERS,
            "stores": [
                {"store_id": "S1", "name": "One", "region": "North"},
                {"store_id": "ONL", "name": '=HYPERLINK("http://x")', "region": "North", "format": "online"},
            ],
            "customers": [
                {
                    "customer_id": "A",
                    "tier": "gold",
                    "tier_since": date(2025, 1, 1),
                    "region": "North",
                    "segment": "-budget",
                },
                {
                    "customer_id": "B",
                    "tier": "none",
                    "tier_since": date(2025, 1, 1),
                    "region": "North",
                    "segment": "premium",
                },
            ],
        },
    )
    build(db)
    return db

# ruff: noqa: E501 - the exports are CSV text, one line per row
"""Tiny inline exports for the ingest tests, and helpers to look into the warehouse.

BASE holds, per source, a valid two-row canonical CSV (textwrap.dedent, as in the files retailers
send). `csv_with(source, row=2, **values)` returns it with some values of one row replaced, which is
how each rule's valid/invalid fixture pair is made.
"""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

import duckdb

SALT = "test-salt"

BASE = {
    "orders": textwrap.dedent("""\
        order_id,line_no,ordered_at,store_id,channel,customer_id,sku,category,quantity,unit_price,discount,currency,fulfillment,promised_at,delivered_at,returned_quantity,return_reason
        O1,1,2024-03-01 10:00:00,S1,web,C1,SKU1,toys,2,9.99,0.00,GBP,ship_to_home,2024-03-03 12:00:00,2024-03-02 15:00:00,0,
        O2,1,2024-03-02 11:30:00,S2,store,,SKU2,games,1,20.00,,GBP,in_store,,,1,damaged
        """),
    "order_headers": textwrap.dedent("""\
        order_id,ordered_at,customer_id,status,channel,store_id,approved_at,shipped_at,promised_at,delivered_at
        H1,2024-03-01 10:00:00,C1,delivered,marketplace,S1,2024-03-01 10:10:00,2024-03-02 09:00:00,2024-03-05 23:59:59,2024-03-04 15:00:00
        H2,2024-03-02 11:30:00,,shipped,,,,,,
        """),
    "customers": textwrap.dedent("""\
        customer_id,tier,tier_since,enrolled_at,region,segment,email,phone,marketing_opt_in
        C1,gold,2023-01-01,2022-05-01,north,family,ann@example.com,+44 20 7946 0001,true
        C2,bronze,2023-06-15,2023-06-15,south,student,bob@example.com,+44 20 7946 0002,false
        """),
    "contacts": textwrap.dedent("""\
        contact_id,ticket_id,customer_id,order_id,channel,opened_at,first_response_at,resolved_at,reason,handle_seconds,wait_seconds,transfers,resolved_by,agent_id,reopens
        K1,T1,C1,O1,chat,2024-03-04 09:00:00,2024-03-04 09:05:00,2024-03-04 09:20:00,delivery,300,45,0,agent,A1,0
        K2,T2,C2,,phone,2024-03-05 14:00:00,,,billing,600.5,120,1,none,A2,
        """),
    "surveys": textwrap.dedent("""\
        response_id,survey,score,answered_at,customer_id,order_id,contact_id,touchpoint,channel,comment
        R1,nps,9,2024-03-06 08:00:00,C1,O1,,purchase,web,great
        R2,csat,4,2024-03-06 09:00:00,C2,,K2,support,phone,
        """),
    "sessions": textwrap.dedent("""\
        session_id,started_at,channel,customer_id,source,furthest_step,order_id
        W1,2024-03-01 09:55:00,web,C1,search,purchase,O1
        W2,2024-03-01 10:10:00,app,,email,add_to_cart,
        """),
    "stores": textwrap.dedent("""\
        store_id,name,region,format,opened_at
        S1,Leeds Briggate,north,flagship,1998-04-01
        S2,Online North,north,online,2030-01-01
        """),
    "roadmap": textwrap.dedent("""\
        initiative_id,name,phase,area,owner,programme_start,start_day,end_day,status,percent_complete,kpi,baseline,target,friction_point,complexity
        I1,Agent playbooks,deliver,associate_enablement,Ops,2024-01-08,61,120,on_track,40,fcr,0.71,0.85,repeat_contacts,2
        I2,Order tracking SMS,deliver,proactive_communication,CX,2024-01-08,61,90,done,100,wismo_contacts,0.2,0.12,late_deliveries,1
        """),
    "roadmap_checkins": textwrap.dedent("""\
        initiative_id,checkin_date,status,percent_complete,note
        I1,2024-04-01,on_track,25,kick-off done
        I1,2024-05-01,at_risk,40,training delayed
        """),
    "cost_assumptions": textwrap.dedent("""\
        version,valid_from,setting,value,unit,description
        1,2024-01-01,gross_margin,0.4,share,gross margin
        1,2024-01-01,cost_per_transfer,2.75,GBP,cost of a transfer
        """),
}


def rows_of(source: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(BASE[source])))
    return header, rows


def csv_with(source: str, row: int = 2, **values: str) -> str:
    """BASE[source] with the given column values of data row `row` (1-based) replaced."""
    header, rows = rows_of(source)
    for column, value in values.items():
        rows[row - 1][header.index(column)] = value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def query(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def quarantined(db: Path) -> list[tuple]:
    """(row_number, rule, column_name) of every quarantine row, sorted."""
    return sorted(query(db, "select row_number, rule, column_name from meta.quarantine"))

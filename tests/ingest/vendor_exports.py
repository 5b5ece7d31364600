# ruff: noqa: E501, SIM905 - the exports are CSV text, one line per row; headers as documented
"""Small hand-made vendor exports, built in code from the documented headers (VENDOR_FORMATS.md),
each with the quirks real files have. PERSONAL lists every personal value they contain: the PII
test asserts none of them reaches the warehouse or the quarantine.
"""

from __future__ import annotations

import csv
import io
import json

SHOPIFY_HEADER = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References".split(
    ","
)

ANN_EMAIL = " Ann.Smith@Example.com "  # as typed: spaces and capitals (hashed trimmed, lower case)
PERSONAL = [
    "ann.smith@example.com",
    "Ann.Smith@Example.com",
    "Ann Smith",
    "Smith",
    "+1 555 0100",
    "555 0100",
    "12 Main St",
    "bob@example.org",
    "Bob Jones",
    "carla@example.net",
    "Carla Diaz",
    "203.0.113.7",
    "dan@example.com",
    "Dan Brown",
    "erin@example.com",
    "Erin Gray",
    "198.51.100.4",
]


def _csv(header: list[str], rows: list[dict], line_end: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue()


def shopify_orders() -> str:
    """Six orders: a two-line order with continuation row (apostrophe zip, multi-line Note
    Attributes, -0500 offset), a refunded POS order, a cancelled one, a test order (Bogus Gateway),
    an order from an unknown sales channel, and a +0100 order whose custom item has no SKU."""
    ann = {
        "Email": ANN_EMAIL,
        "Financial Status": "paid",
        "Currency": "USD",
        "Source": "web",
        "Billing Name": "Ann Smith",
        "Billing Street": "12 Main St",
        "Billing Zip": "'0812",
        "Billing Phone": "+1 555 0100",
        "Shipping Name": "Ann Smith",
        "Shipping Zip": "'0812",
        "Phone": "+1 555 0100",
        "Note Attributes": "gift: yes\nwrap: red, with a note\n",
        "Payment Method": "Shopify Payments",
    }
    rows = [
        {"Name": "#1001", "Created at": "2025-12-06 10:37:33 -0500", **ann,
         "Lineitem quantity": "2", "Lineitem name": "Mug", "Lineitem price": "12.50", "Lineitem sku": "MUG-1",
         "Lineitem requires shipping": "true", "Lineitem discount": "1.00"},
        # continuation row: order fields blank, only the line item
        {"Name": "#1001", "Lineitem quantity": "1", "Lineitem name": "Tea", "Lineitem price": "4.00",
         "Lineitem sku": "TEA-2", "Lineitem requires shipping": "true"},
        {"Name": "#1002", "Email": "bob@example.org", "Billing Name": "Bob Jones", "Financial Status": "refunded",
         "Currency": "USD", "Created at": "2025-12-07 09:00:00 -0500", "Source": "pos", "Location": "Boston Store",
         "Lineitem quantity": "3", "Lineitem name": "Pen", "Lineitem price": "2.00", "Lineitem sku": "PEN-3",
         "Lineitem requires shipping": "false", "Refunded Amount": "6.00"},
        {"Name": "#1003", "Email": "carla@example.net", "Financial Status": "voided", "Currency": "USD",
         "Created at": "2025-12-08 11:00:00 -0500", "Cancelled at": "2025-12-08 12:00:00 -0500", "Source": "web",
         "Lineitem quantity": "1", "Lineitem name": "Mug", "Lineitem price": "12.50", "Lineitem sku": "MUG-1"},
        {"Name": "#1004", "Email": "carla@example.net", "Financial Status": "paid", "Currency": "USD",
         "Created at": "2025-12-09 11:00:00 -0500", "Payment Method": "(for testing) Bogus Gateway", "Source": "web",
         "Lineitem quantity": "1", "Lineitem name": "Mug", "Lineitem price": "12.50", "Lineitem sku": "MUG-1"},
        {"Name": "#1005", "Email": "dan@example.com", "Financial Status": "paid", "Currency": "USD",
         "Created at": "2025-12-10 11:00:00 -0500", "Source": "580111",
         "Lineitem quantity": "1", "Lineitem name": "Mug", "Lineitem price": "12.50", "Lineitem sku": "MUG-1"},
        {"Name": "#1006", "Email": "erin@example.com", "Billing Name": "Erin Gray", "Financial Status": "partially_refunded",
         "Currency": "EUR", "Created at": "2025-12-11 08:15:00 +0100", "Source": "web",
         "Lineitem quantity": "1", "Lineitem name": "Gift wrapping", "Lineitem price": "3.00", "Lineitem sku": ""},
    ]  # fmt: skip
    return _csv(SHOPIFY_HEADER, rows)


def shopify_cut() -> str:
    """A published sample with most columns cut: the profile works from what it needs."""
    return "Name,Created at,Lineitem quantity,Lineitem price,Lineitem sku\n#2001,2025-11-01 10:00:00 +0000,1,5.00,A-1\n#2001,,2,1.50,B-2\n"


ZENDESK_HEADER = [
    "Summary",  # some exports start with a summary column
    "ID",  # case varies: Id / ID
    "Requester",
    "Requester ID",
    "Requester email",
    "Subject",
    "Status",
    "Via",
    "Created at",
    "Updated at",
    "Solved at",
    "Satisfaction Score",
    "Reopens",
    "Replies",
    "First reply time in minutes",
    "Assignee",
    "Product [list]",
    "Order number [txt]",
]


def zendesk_tickets() -> str:
    """Eight tickets: mixed satisfaction values (Good, Bad, 4, Offered, Not Offered, blank, Great,
    6), the 1900-01-01 sentinel, Internal Communication, an unknown Via (Fax), reopens, a
    requester id turned into scientific notation by Excel, custom [list]/[txt] columns."""

    def t(i, via, created, solved, score, reopens="0", **kw):
        return {
            "Summary": f"ticket {i}",
            "ID": str(i),
            "Requester": kw.get("name", "Ann Smith"),
            "Requester ID": "3.61E+13",
            "Requester email": kw.get("email", ANN_EMAIL),
            "Subject": f"Question about order (call me on +1 555 0100) #{i}",
            "Status": "solved" if solved and not solved.startswith("1900") else "open",
            "Via": via,
            "Created at": created,
            "Updated at": kw.get("updated", created),
            "Solved at": solved,
            "Satisfaction Score": score,
            "Reopens": reopens,
            "Replies": "2",
            "First reply time in minutes": kw.get("reply", "30"),
            "Assignee": "Agent Smith",
            "Product [list]": "mugs",
            "Order number [txt]": "#1001",
        }

    rows = [
        t(101, "Mail", "2025-12-01 09:00:00", "2025-12-01 10:00:00", "Good", updated="2025-12-02 08:00:00"),
        t(102, "Chat", "2025-12-01 11:00:00", "1900-01-01 00:00:00", "Offered", reply="2.5"),
        t(103, "Phone", "2025-12-02 09:00:00", "2025-12-03 09:00:00", "Bad", reopens="2", email="bob@example.org", name="Bob Jones"),
        t(104, "Web", "2025-12-02 10:00:00", "2025-12-02 12:00:00", "4"),
        t(105, "Internal Communication", "2025-12-03 09:00:00", "2025-12-03 09:30:00", "Good"),
        t(106, "Fax", "2025-12-03 10:00:00", "", ""),  # not a channel Zendesk has
        t(107, "Twitter", "2025-12-04 09:00:00", "2025-12-04 10:00:00", "Great"),
        t(108, "Help Center", "2025-12-04 11:00:00", "2025-12-04 11:05:00", "6"),
        t(109, "Facebook", "2025-12-05 11:00:00", "2025-12-05 11:05:00", "Not Offered"),
    ]  # fmt: skip
    return _csv(ZENDESK_HEADER, rows)


QUALTRICS_IDS = "StartDate,EndDate,Status,IPAddress,Progress,Duration (in seconds),Finished,RecordedDate,ResponseId,RecipientLastName,RecipientFirstName,RecipientEmail,ExternalReference,LocationLatitude,LocationLongitude,DistributionChannel,UserLanguage,Q1,Q1_NPS_GROUP,Q2,Q3,Q4_TEXT".split(
    ","
)


def qualtrics_responses(nps_group: bool = True) -> str:
    """Three header rows (ids, question texts with a multi-line one, ImportId JSON), six responses:
    all three answered, NPS only, none, a preview, labelled answers, an NPS of 11."""
    ids = [c for c in QUALTRICS_IDS if nps_group or c != "Q1_NPS_GROUP"]
    texts = {c: c for c in ids} | {
        "Q1": "How likely are you to recommend us to a friend?",
        "Q1_NPS_GROUP": "How likely are you to recommend us to a friend? - Group",
        "Q2": "How satisfied were you\nwith your order?",
        "Q3": "How easy was it to get what you needed?",
        "Q4_TEXT": "Anything else?",
    }
    imports = {c: json.dumps({"ImportId": c if not c.startswith("Q") else f"QID{c[1]}"}) for c in ids}

    def r(rid, status="IP Address", q1="", q2="", q3="", end="2025-12-05 10:00:00", channel="email"):
        return {
            "StartDate": "2025-12-05 09:55:00", "EndDate": end, "Status": status, "IPAddress": "203.0.113.7",
            "Progress": "100", "Duration (in seconds)": "300", "Finished": "1", "RecordedDate": end,
            "ResponseId": rid, "RecipientLastName": "Diaz", "RecipientFirstName": "Carla",
            "RecipientEmail": "carla@example.net", "ExternalReference": "", "LocationLatitude": "40.7",
            "LocationLongitude": "-74.0", "DistributionChannel": channel, "UserLanguage": "EN",
            "Q1": q1, "Q1_NPS_GROUP": {"": "", "9": "3", "3": "1", "10": "3", "11": ""}.get(q1, "3"),
            "Q2": q2, "Q3": q3, "Q4_TEXT": "Carla Diaz here, call me",
        }  # fmt: skip

    rows = [
        r("R_1", q1="9", q2="5", q3="6"),
        r("R_2", q1="3"),
        r("R_3"),
        r("R_4", status="Survey Preview", q1="10", channel="preview"),
        r("R_5", q1="10 - Extremely likely", q2="Very satisfied"),
        r("R_6", q1="11"),
    ]
    return _csv(ids, [texts, imports, *rows])


def qualtrics_legacy() -> bytes:
    """Legacy export: a byte-order mark, V1..V10 then Q1, Q2; the second header row names them."""
    header = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2"]
    names = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
             "Status", "StartDate", "EndDate", "Finished", "How likely are you to recommend us?",
             "How satisfied are you?"]  # fmt: skip

    def r(rid, status, q1, q2):
        return ["R_L" + rid, "Default", "Dan Brown", "", "dan@example.com", "198.51.100.4", status,
                "2025-11-20 10:00:00", "2025-11-20 10:05:00", "1", q1, q2]  # fmt: skip

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([header, names, r("1", "0", "8", "4"), r("2", "1", "10", "5"), r("3", "0", "", "")])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


SURVEYMONKEY_FIXED = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
                      "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
SM_NPS = "How likely is it that you would recommend us to a friend or colleague?"
SM_CSAT = "Overall, how satisfied were you with your delivery?"


def surveymonkey(day_first: bool = False) -> str:
    """Two header rows; US dates with AM/PM (or a day-first copy), a label answer, an unanswered one."""
    header = [*SURVEYMONKEY_FIXED, SM_NPS, SM_CSAT, "Any other comments?"]
    labels = [""] * len(SURVEYMONKEY_FIXED) + ["Response", "Response", "Open-Ended Response"]
    end = ["14/11/2023 10:12:33", "15/11/2023 14:05:00", "16/11/2023 09:00:00"] if day_first else [
        "11/14/2023 10:12:33 AM", "11/15/2023 02:05:00 PM", "11/16/2023 09:00:00 AM"]  # fmt: skip

    def r(rid, e, nps, csat):
        return [
            rid,
            "4321",
            e,
            e,
            "203.0.113.7",
            "erin@example.com",
            "Erin",
            "Gray",
            "",
            nps,
            csat,
            "Erin Gray",
        ]

    rows = [
        r("114001", end[0], "10", "Very satisfied"),
        r("114002", end[1], "6", "2"),
        r("114003", end[2], "", ""),
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, labels, *rows])
    return out.getvalue()


def delighted_jsonl() -> str:
    """API JSON lines: person expanded (email, name) or a plain id, Unix timestamps, ces2, enps,
    an NPS of 11, a response without survey_type (an older export: NPS)."""
    records = [
        {"id": "d1", "person": {"id": "p1", "email": "Bob@Example.org", "name": "Bob Jones"}, "survey_type": "nps",
         "score": 9, "comment": "fast delivery", "created_at": 1733400000, "person_properties": {"plan": "gold"}, "tags": ["vip"]},
        {"id": "d2", "person": {"id": "p2", "email": "carla@example.net", "name": "Carla Diaz"}, "survey_type": "csat",
         "score": 4, "comment": None, "created_at": 1733486400, "person_properties": {}, "tags": []},
        {"id": "d3", "person": "p3", "survey_type": "ces2", "score": 6, "created_at": 1733572800},
        {"id": "d4", "person": "p4", "survey_type": "enps", "score": 7, "created_at": 1733572800},
        {"id": "d5", "person": "p5", "survey_type": "nps", "score": 11, "created_at": 1733572800},
        {"id": "d6", "person": "p6", "score": 10, "created_at": 1733659200},
    ]  # fmt: skip
    return "".join(json.dumps(r) + "\n" for r in records)


def delighted_csv() -> str:
    return (
        "id,survey_type,score,comment,created_at,person_id,person_email,person_name\n"
        "c1,nps,10,great,1733400000,p1,Bob@Example.org,Bob Jones\n"
        "c2,csat,2,late,1733486400,p2,,\n"
    )


ONLINE_RETAIL_HEADER = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]


def online_retail(lines: list[tuple], header: list[str] | None = None) -> str:
    """UCI Online Retail invoice lines, as the R/pandas CSV exports write them (every string
    quoted, NA for a missing customer). `lines`: (invoice, stock code, quantity, date, price,
    customer id) in file order; ids as the export writes them (pandas: 12346.0)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(header or ONLINE_RETAIL_HEADER)
    for invoice, sku, qty, date, price, customer in lines:
        writer.writerow([invoice, sku, f"item {sku}", qty, date, price, customer, "United Kingdom"])
    return out.getvalue()


# Every value Zendesk documents for a ticket's Via (as the export writes it), with what it is: a
# channel of the contacts contract, or not a fact (not a customer contact).
ZENDESK_VIA = {
    "Web form": "email", "Email": "email", "Mail": "email", "Web": "email", "API": "email",
    "Web service": "email", "Closed ticket": "email", "Ticket sharing": "email",
    "Recovered from suspended tickets": "email", "Chat": "chat", "Messaging": "chat",
    "Native messaging": "chat", "Web Widget": "chat", "Mobile SDK": "chat", "Mobile": "chat",
    "Text": "chat", "WhatsApp": "chat", "Line": "chat", "WeChat": "chat", "Apple Business Chat": "chat",
    "Google RCS": "chat", "Twitter": "social", "Facebook": "social", "Instagram Direct": "social",
    "Any Channel": "social", "Voice": "phone", "Phone": "phone", "Phone call (incoming)": "phone",
    "Voicemail": "phone", "Help Center": "self_service", "Answer Bot": "self_service",
    "Forum topic": "self_service", "Get satisfaction": "self_service",
    "Outbound email": None, "Phone call (outbound)": None, "Side conversation": None, "Rule": None,
    "Trigger": None, "Automation": None, "Batch job": None, "Sample ticket": None,
    "Internal Communication": None, "Linked problem": None,
}  # fmt: skip


def zendesk_via_tickets() -> str:
    """One ticket per ZENDESK_VIA value, ids 1, 2, ... in its order, all from one requester."""
    rows = [
        {"ID": str(i), "Requester email": "ann.smith@example.com", "Status": "solved", "Via": via,
         "Created at": f"2025-12-01 {i % 24:02d}:00:00", "Solved at": f"2025-12-02 {i % 24:02d}:00:00",
         "Reopens": "0", "Satisfaction Score": ""}
        for i, via in enumerate(ZENDESK_VIA, start=1)
    ]  # fmt: skip
    return _csv(ZENDESK_HEADER, rows)


ONLINE_RETAIL_II_HEADER = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]


def online_retail_ii_workbook(path, sheets: dict[str, list[tuple]], notes_sheet: bool = True) -> None:
    """UCI Online Retail II as published: one XLSX, a sheet per year (`sheets`: name -> lines as
    in online_retail), dates as Excel dates, Customer ID as a number; optionally a notes sheet."""
    import datetime as dt

    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for name, lines in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ONLINE_RETAIL_II_HEADER)
        for i, (invoice, sku, qty, date, price, customer) in enumerate(lines, start=1):
            sheet.write_string(i, 0, invoice)
            sheet.write_string(i, 1, sku)
            sheet.write_string(i, 2, f"item {sku}")
            sheet.write_number(i, 3, qty)
            sheet.write_datetime(i, 4, dt.datetime.fromisoformat(date), when)
            sheet.write_number(i, 5, price)
            sheet.write_number(i, 6, float(customer))
            sheet.write_string(i, 7, "United Kingdom")
    if notes_sheet:
        book.add_worksheet("Notes").write(0, 0, "Source: UCI Machine Learning Repository")
    book.close()


def shopify_order_level() -> str:
    """Shopify's orders export cut to order columns (no Lineitem columns): three orders, one
    refunded, one cancelled."""
    header = [
        "Name",
        "Email",
        "Financial Status",
        "Currency",
        "Subtotal",
        "Shipping",
        "Taxes",
        "Total",
        "Created at",
        "Cancelled at",
        "Billing Name",
        "Billing City",
    ]
    rows = [
        {"Name": "#3001", "Email": ANN_EMAIL, "Financial Status": "paid", "Currency": "USD", "Subtotal": "40.00", "Shipping": "5.00", "Taxes": "3.20", "Total": "48.20", "Created at": "2025-11-02 09:00:00 -0500", "Billing Name": "Ann Smith"},
        {"Name": "#3002", "Email": "bob@example.org", "Financial Status": "refunded", "Currency": "USD", "Subtotal": "12.50", "Shipping": "0.00", "Taxes": "1.00", "Total": "13.50", "Created at": "2025-11-03 10:00:00 -0500", "Billing Name": "Bob Jones"},
        {"Name": "#3003", "Email": "bob@example.org", "Financial Status": "voided", "Currency": "USD", "Subtotal": "9.00", "Shipping": "0.00", "Taxes": "0.72", "Total": "9.72", "Created at": "2025-11-04 10:00:00 -0500", "Cancelled at": "2025-11-04 11:00:00 -0500", "Billing Name": "Bob Jones"},
    ]  # fmt: skip
    return _csv(header, rows)

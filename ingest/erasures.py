"""The erasure list: people who asked to be forgotten (`cx forget`), kept out of every later ingest.

It never holds a person's identifiers in clear. Each entry is `sha256(CX_PII_SALT || value)` of
one identifier the person's rows carried: their customer ids, their e-mail hashes (the staged
`sha256(salt || e-mail)`, so an e-mail is hashed twice), the ids of their orders and of their
support contacts (rows about those that carry no customer id, such as a survey answer tied only to
the order, are theirs too). Ingest checks every row against the list (ingest.loader): a row that
matches is not loaded but quarantined under the rule `erased`, with no value and no record, so rows
read = rows loaded + rows quarantined still holds and the person is not loaded again from an old
export.

Table meta.erasures in the ingest database (not in the snapshot): id_hash, kind (customer_id,
email_hash, order_id, contact_id), erasure_id (one per request, random; the audit line names it),
erased_at.
"""

from __future__ import annotations

import hashlib

import duckdb

from ingest.contracts import Contract
from ingest.parse import quote_ident, text_column

RULE = "erased"
KINDS = ("customer_id", "email_hash", "order_id", "contact_id")
# which erased kinds a row's column is matched against: a customer id of a profile that hashes
# e-mails into it (Shopify, Zendesk) is an e-mail hash
MATCHED = {
    "customer_id": ("customer_id", "email_hash"),
    "order_id": ("order_id",),
    "contact_id": ("contact_id",),
}


def erasure_hash(value: str, salt: str) -> str:
    """The erasure list's form of an identifier (as the SQL in `predicate_sql` computes it)."""
    return hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from meta.erasures").fetchone()[0]


def predicate_sql(contract: Contract) -> str | None:
    """SQL over the checked relation (ingest.parse): true for a row of an erased person. Uses the
    parameter $salt. None when the source has no column that could name a person."""
    names = set(contract.names)
    parts = []
    for column, kinds in MATCHED.items():
        if column in names:
            listed = ", ".join(f"'{k}'" for k in kinds)
            parts.append(
                f"sha256($salt || {quote_ident(column)}) in "
                f"(select id_hash from meta.erasures where kind in ({listed}))"
            )
    if "email" in names and contract.column("email").pii == "hash":
        # the e-mail as the raw table stores it (loader: sha256($salt || lower(text))), hashed again
        email = quote_ident(text_column("email"))
        parts.append(
            f"({email} is not null and sha256($salt || sha256($salt || lower({email}))) in "
            "(select id_hash from meta.erasures where kind = 'email_hash'))"
        )
    return " or ".join(f"coalesce({p}, false)" for p in parts) or None


def violations_sql(contract: Contract, relation: str) -> str | None:
    """The `erased` violations (row_number, rule, column_name, value, message) of the checked
    relation `relation`: no column, no value, and a message naming the file ($file_name) and row
    but nothing of the person."""
    predicate = predicate_sql(contract)
    if predicate is None:
        return None
    return (
        f"select row_number, '{RULE}', null, null, "
        f"'customer erased on request: row ' || cast(_file_row as varchar) || ' of ' || $file_name "
        f"|| ' belongs to a person on the erasure list (cx forget); not loaded' "
        f"from ({relation}) where {predicate}"
    )

"""Personal data typed into free text (survey comments): e-mail addresses become `[email]` and
phone numbers `[phone]` at staging, before anything is written, so the original is kept nowhere
(not in raw.surveys, not in a quarantine record). `mask_existing` brings a warehouse loaded before
this rule up to date in place (ingest.store.ensure_schema calls it).

A phone number is told from the other numbers people type (order numbers, dates, prices, amounts)
by its shape:
- `+` and 8-15 digits, with or without separators (`+44 20 7946 0958`, `+5511987654321`);
- 9-15 digits in at least three groups, or two groups of which the first is in parentheses,
  separated by spaces, dots, dashes or parentheses (`(11) 98765-4321`, `555-123-4567`,
  `020 7946 0958`);
- 10-13 digits with no separator only right after a phone word (`tel`, `phone`, `call me on`,
  `telefone`, `celular`, `whatsapp`, `fone`, `zap`).
Never a phone: a number right after `#`, `order`, `pedido`, `ticket`, `nº`, `invoice`, `ref`; a
date (`2026-11-03`, `03/11/2026`, `3.11.2026`); an amount with a decimal comma or a currency sign.
"""

from __future__ import annotations

import re

import polars as pl

EMAIL_TOKEN = "[email]"
PHONE_TOKEN = "[phone]"

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# a run of digits and phone separators, starting and ending on a digit (or an opening parenthesis)
_CANDIDATE = re.compile(r"(?<![\w#])(\+\s?)?(\(?\d[\d\s().\-]{5,22}\d)(?![\w])")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_NOT_PHONE_BEFORE = re.compile(
    r"(#|\border|\bpedido|\bticket|\bn[º°o]\.?|\binvoice|\bref\.?|\bsku|\bR?\$|£|€|\bUSD|\bBRL)\s*:?\s*$",
    re.IGNORECASE,
)
_PHONE_WORD_BEFORE = re.compile(
    r"\b(tel|telephone|phone|mobile|cell|call me( on| at)?|ring me( on)?|text me( on)?|telefone|celular|"
    r"whats(app)?|zap|fone|ligue( para)?|contato)\b\.?\s*:?\s*$",
    re.IGNORECASE,
)
_CANDIDATE_WORDS = re.compile(r"@|\d{6}|\d[\s().\-]\d", re.ASCII)  # cheap filter before the regexes


def _phone(match: re.Match, text: str) -> str:
    whole = match.group(0)
    plus, body = match.group(1), match.group(2)
    digits = re.sub(r"\D", "", body)
    before = text[max(0, match.start() - 24) : match.start()]
    if _NOT_PHONE_BEFORE.search(before):
        return whole
    if _DATE.match(body.strip()):
        return whole
    if plus:
        return PHONE_TOKEN if 8 <= len(digits) <= 15 else whole
    groups = [g for g in re.split(r"[\s.\-]+", body.replace(")", " ").strip()) if g]
    parenthesised = body.startswith("(")
    if 9 <= len(digits) <= 15 and (len(groups) >= 3 or (len(groups) >= 2 and parenthesised)):
        # a decimal amount (1.234.567) groups by three after a 1-3 digit head, and has dots only
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", body.strip()):
            return whole
        return PHONE_TOKEN
    if len(groups) == 1 and 10 <= len(digits) <= 13 and _PHONE_WORD_BEFORE.search(before):
        return PHONE_TOKEN
    if len(groups) >= 2 and 8 <= len(digits) <= 15 and _PHONE_WORD_BEFORE.search(before):
        return PHONE_TOKEN
    return whole


def mask_text(text: str | None) -> str | None:
    """`text` with e-mail addresses as `[email]` and phone numbers as `[phone]`."""
    if text is None or not _CANDIDATE_WORDS.search(text):
        return text
    text = EMAIL.sub(EMAIL_TOKEN, text)
    return _CANDIDATE.sub(lambda m: _phone(m, m.string), text)


def mask_expr(column: str) -> pl.Expr:
    """The Polars expression that masks `column` (text)."""

    def mask_series(s: pl.Series) -> pl.Series:
        return pl.Series(s.name, [mask_text(v) for v in s.to_list()], dtype=pl.String)

    return pl.col(column).map_batches(mask_series, return_dtype=pl.String).alias(column)


# Free-text contract columns masked at staging: (source, column)
MASKED = (("surveys", "comment"),)
FREE_TEXT = tuple(sorted({column for _, column in MASKED}))
# A SQL prefilter of the rows that may hold something to mask (an @, or 6+ digits with separators)
SQL_CANDIDATE = r"regexp_matches({col}, '@|[0-9][0-9 ().+\-]{{5,}}[0-9]')"


def mask_existing(con) -> int:
    """Mask, in place, what a warehouse loaded before masking holds: the free-text columns of the raw
    tables and of the quarantine records (their `record` JSON, and `value`/`message` of a violation
    on such a column). Idempotent (a masked text has nothing left to mask) and cheap when there is
    nothing to do (a SQL prefilter). Returns the rows changed."""
    import json

    changed = 0
    for source, column in MASKED:
        rows = con.execute(
            f"select rowid, {column} from raw.{source} where {SQL_CANDIDATE.format(col=column)}"
        ).fetchall()
        fixed = [(rid, mask_text(text)) for rid, text in rows]
        fixed = [(rid, new) for (rid, new), (_, old) in zip(fixed, rows, strict=True) if new != old]
        for rid, new in fixed:
            con.execute(f"update raw.{source} set {column} = $v where rowid = $r", {"v": new, "r": rid})
        changed += len(fixed)
        quarantined = con.execute(
            "select rowid, record, column_name, value, message from meta.quarantine "
            f"where source = $s and ({SQL_CANDIDATE.format(col='record')})",
            {"s": source},
        ).fetchall()
        for rid, record, column_name, value, message in quarantined:
            new_record = record
            try:
                data = json.loads(record)
            except (TypeError, ValueError):
                data = None
            if isinstance(data, dict) and isinstance(data.get(column), str):
                masked = mask_text(data[column])
                if masked != data[column]:
                    data[column] = masked
                    new_record = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            new_value, new_message = value, message
            if column_name == column:
                new_value, new_message = mask_text(value), mask_text(message)
            if (new_record, new_value, new_message) != (record, value, message):
                con.execute(
                    "update meta.quarantine set record = $rec, value = $val, message = $msg where rowid = $r",
                    {"rec": new_record, "val": new_value, "msg": new_message, "r": rid},
                )
                changed += 1
    return changed

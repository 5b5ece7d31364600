"""The declarative parts of a profile beyond the column mapping, parsed from its TOML file.

Each section names what a vendor format needs; ingest.profiles.transform applies them to the
staged text (Polars), in this order: fill_down, derive, constants, lookup, not_a_fact, answers,
pii. Values are compared as read: trimmed, and lower case where a rule lists values.

    [fill_down]                  # order-level fields blank on continuation rows (Shopify)
    group = "order_id"
    columns = ["ordered_at", "customer_id"]

    [derive]                     # one canonical/helper column from others, in the order given
    line_no = { row_in = "order_id" }              # 1, 2, ... within each order, in file order
    line_no = { content_in = ["order_id", "sku", "unit_price", "quantity"] }  # a number from the
                                 # line's content and occurrence: the same line in any row order
    ticket_id = { copy = "contact_id" }
    sku = { coalesce = ["sku", "_lineitem_name"] }
    returned_quantity = { copy = "quantity", when = { column = "_financial_status", values = ["refunded"] } }
    promised_at = { end_of_day = "promised_at" }   # a date (or midnight) means "by the end of that day"
    _person_email = { json = "_person", field = "email" }

    [constants]                  # used where the export has no value (column missing or blank)
    channel = "marketplace"

    [lookup]                     # fill columns from a source loaded earlier (Olist order items)
    source = "order_headers"
    key = "order_id"
    fill = { ordered_at = "ordered_at", _order_status = "status" }
    load_first = "olist_orders"

    [[not_a_fact]]               # rows that are not facts: quarantined under rule not_a_fact
    column = "sku"
    values = ["post", "m"]       # or prefix = "C", contains = "bogus", pattern = "...", not_blank = true
    reason = "non-product line (postage, manual adjustment)"

    [answers]                    # wide survey exports: one canonical row per answered question
    id = "response_id"
    questions = "declared"       # from `cx ingest --questions`, or a fixed { csat = "Satisfaction Score" }
    no_answer = ["offered", "not offered"]
    unanswered = "not_a_fact"    # or "skip": a response without any answer yields no row

    [pii]
    hash = ["customer_id"]       # staged columns holding personal data: salted SHA-256 at staging

Columns whose name starts with `_` are helpers: staged from the export for these rules, never
written to the stage file, so never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONDITION_KEYS = ("values", "prefix", "contains", "pattern", "not_blank")
DERIVE_KINDS = ("row_in", "content_in", "copy", "coalesce", "end_of_day", "json")
SURVEY_NAMES = ("nps", "csat", "ces")


class SpecError(ValueError):
    """A profile section that does not say something usable."""


@dataclass(frozen=True)
class Condition:
    column: str
    values: tuple[str, ...] = ()
    prefix: str | None = None
    contains: str | None = None
    pattern: str | None = None
    not_blank: bool = False

    def describe(self) -> str:
        if self.values:
            return f"{self.column} in ({', '.join(self.values)})"
        if self.prefix is not None:
            return f"{self.column} starts with {self.prefix!r}"
        if self.contains is not None:
            return f"{self.column} contains {self.contains!r}"
        if self.pattern is not None:
            return f"{self.column} matches {self.pattern!r}"
        return f"{self.column} is not blank"


@dataclass(frozen=True)
class NotAFact:
    when: Condition
    reason: str


@dataclass(frozen=True)
class Derive:
    target: str
    kind: str  # one of DERIVE_KINDS
    args: tuple[str, ...]  # source column(s); for json: (column, field)
    when: Condition | None = None


@dataclass(frozen=True)
class FillDown:
    group: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Lookup:
    source: str
    key: str
    fill: dict[str, str]  # stage column -> column of raw.<source>
    load_first: str = ""


@dataclass(frozen=True)
class Answers:
    id: str
    questions: dict[str, str] | None  # survey -> export column; None = declared per run
    no_answer: tuple[str, ...] = ()
    unanswered: str = "not_a_fact"
    nps_group_suffix: str = ""  # Qualtrics: "_nps_group" marks the NPS question's column

    @property
    def declared(self) -> bool:
        return self.questions is None


@dataclass(frozen=True)
class Spec:
    fill_down: FillDown | None = None
    derive: tuple[Derive, ...] = ()
    constants: dict[str, str] = field(default_factory=dict)
    lookup: Lookup | None = None
    not_a_fact: tuple[NotAFact, ...] = ()
    answers: Answers | None = None
    hash: tuple[str, ...] = ()
    scale: dict[str, float] = field(default_factory=dict)

    def columns_used(self) -> set[str]:
        """Stage columns the sections read or write (checked against the mapping and contract)."""
        used: set[str] = set(self.constants) | set(self.hash) | set(self.scale)
        if self.fill_down:
            used |= {self.fill_down.group, *self.fill_down.columns}
        for d in self.derive:
            used.add(d.target)
            used |= set(d.args[:1] if d.kind == "json" else d.args)
            if d.when:
                used.add(d.when.column)
        if self.lookup:
            used |= {self.lookup.key, *self.lookup.fill}
        used |= {r.when.column for r in self.not_a_fact}
        if self.answers:
            used.add(self.answers.id)
        return used


def _condition(raw, where: str) -> Condition:
    if not isinstance(raw, dict) or "column" not in raw:
        raise SpecError(f"{where}: a condition needs a column and one of {', '.join(CONDITION_KEYS)}")
    given = [k for k in CONDITION_KEYS if k in raw]
    if len(given) != 1:
        raise SpecError(f"{where}: give exactly one of {', '.join(CONDITION_KEYS)}")
    return Condition(
        column=raw["column"],
        values=tuple(str(v).strip().lower() for v in raw.get("values", ())),
        prefix=raw.get("prefix"),
        contains=raw.get("contains"),
        pattern=raw.get("pattern"),
        not_blank=bool(raw.get("not_blank", False)),
    )


def _derive(target: str, raw, where: str) -> Derive:
    if not isinstance(raw, dict):
        raise SpecError(f'{where}: derive.{target} must be a table such as {{ copy = "column" }}')
    kinds = [k for k in DERIVE_KINDS if k in raw]
    if len(kinds) != 1:
        raise SpecError(f"{where}: derive.{target} needs exactly one of {', '.join(DERIVE_KINDS)}")
    kind = kinds[0]
    value = raw[kind]
    if kind in ("coalesce", "content_in"):
        args = tuple(value)
    elif kind == "json":
        if "field" not in raw:
            raise SpecError(f'{where}: derive.{target} json needs field = "..."')
        args = (value, raw["field"])
    else:
        args = (value,)
    when = _condition(raw["when"], f"{where} derive.{target}.when") if "when" in raw else None
    return Derive(target, kind, args, when)


def parse_spec(data: dict, where: str) -> Spec:
    """The extra sections of a profile's TOML `data` (file named by `where` in errors)."""
    fill = data.get("fill_down")
    fill_down = FillDown(fill["group"], tuple(fill.get("columns", ()))) if fill else None
    derive = tuple(_derive(t, raw, where) for t, raw in data.get("derive", {}).items())
    lookup = None
    if "lookup" in data:
        lk = data["lookup"]
        missing = [k for k in ("source", "key", "fill") if k not in lk]
        if missing:
            raise SpecError(f"{where}: lookup needs {', '.join(missing)}")
        lookup = Lookup(lk["source"], lk["key"], dict(lk["fill"]), lk.get("load_first", ""))
    rules = []
    for i, raw in enumerate(data.get("not_a_fact", []), start=1):
        if "reason" not in raw:
            raise SpecError(f"{where}: not_a_fact rule {i} needs a reason")
        rules.append(NotAFact(_condition(raw, f"{where} not_a_fact {i}"), raw["reason"]))
    answers = None
    if "answers" in data:
        a = data["answers"]
        questions = a.get("questions", "declared")
        if questions != "declared" and (
            not isinstance(questions, dict) or set(questions) - set(SURVEY_NAMES)
        ):
            raise SpecError(f'{where}: answers.questions is "declared" or a table of {SURVEY_NAMES}')
        unanswered = a.get("unanswered", "not_a_fact")
        if unanswered not in ("not_a_fact", "skip"):
            raise SpecError(f"{where}: answers.unanswered is not_a_fact or skip")
        answers = Answers(
            id=a.get("id", "response_id"),
            questions=None if questions == "declared" else dict(questions),
            no_answer=tuple(str(v).strip().lower() for v in a.get("no_answer", ())),
            unanswered=unanswered,
            nps_group_suffix=a.get("nps_group_suffix", "").lower(),
        )
    scale = {k: float(v) for k, v in data.get("scale", {}).items()}
    return Spec(
        fill_down=fill_down,
        derive=derive,
        constants={k: str(v) for k, v in data.get("constants", {}).items()},
        lookup=lookup,
        not_a_fact=tuple(rules),
        answers=answers,
        hash=tuple(data.get("pii", {}).get("hash", ())),
        scale=scale,
    )

"""Wide survey exports: which column answers which survey, and one canonical row per answer.

A Qualtrics or SurveyMonkey response row can answer NPS, CSAT and CES at once, while the surveys
contract's grain is one answer. So a response becomes one staged row per answered mapped question,
with response_id "<response id>:<survey>" (stable across re-exports) and the file's data row as
lineage. A response that answered none of the mapped questions becomes one row quarantined as
not_a_fact (or no row, for a companion profile whose other source already counts the file row).
"Rows read" for such a file therefore counts answers (plus unanswered responses), not file rows.

Which column holds which survey is declared by the user: `cx ingest --questions nps=Q1,csat=Q3`
(or `--questions questions.toml`) for the survey files of one invocation, or a mapping file beside
an export, named after it (`responses.csv` -> `responses.questions.toml`), which wins for that
file. A Qualtrics `Q3_NPS_GROUP` column marks Q3 as the NPS question.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import polars as pl

from ingest.profiles.detect import normalise
from ingest.profiles.spec import SURVEY_NAMES, Answers
from ingest.read_errors import quote_names

SOURCE_ROW = "_source_row"
NOT_A_FACT = "_not_a_fact"
QUESTION_PREFIX = "_q_"
OPTIONAL_KEYS = ("touchpoint", "channel")
# "10 - Extremely likely", "1: Very dissatisfied": keep the number in front of a label
_LABELLED_NUMBER = r"^(\d{1,2})\s*[-–:]\s*\D"


class QuestionsError(ValueError):
    """The survey questions cannot be worked out for a file: the message says how to declare them."""


@dataclasses.dataclass(frozen=True)
class Questions:
    """What the user declared for a run: survey -> column (name or unique part of its name)."""

    columns: dict[str, str]
    extra: dict[str, str] = dataclasses.field(default_factory=dict)  # touchpoint, channel

    @property
    def text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.columns.items())


def parse_questions(value: str | None) -> Questions | None:
    """`nps=Q1,csat=Q3` or the path of a TOML file with `nps = "Q1"` (and optional touchpoint)."""
    if not value:
        return None
    path = Path(value)
    if value.endswith(".toml") or path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise QuestionsError(f"questions file {value}: {exc}") from None
        pairs = {str(k).lower(): str(v) for k, v in data.items()}
    else:
        pairs = {}
        for part in value.split(","):
            key, sep, column = part.partition("=")
            if not sep or not column.strip():
                raise QuestionsError(f"--questions {value!r}: write survey=column pairs, e.g. nps=Q1,csat=Q3")
            pairs[key.strip().lower()] = column.strip()
    unknown = sorted(set(pairs) - set(SURVEY_NAMES) - set(OPTIONAL_KEYS))
    if unknown:
        raise QuestionsError(
            f"--questions names {', '.join(unknown)}; use {', '.join(SURVEY_NAMES)} (and touchpoint, channel)"
        )
    columns = {k: v for k, v in pairs.items() if k in SURVEY_NAMES}
    if not columns:
        raise QuestionsError(f"--questions {value!r} declares no survey question ({', '.join(SURVEY_NAMES)})")
    return Questions(columns, {k: v for k, v in pairs.items() if k in OPTIONAL_KEYS})


def sidecar(export: Path) -> Path | None:
    """The questions file beside an export (`<stem>.questions.toml`), if there is one."""
    name = export.name
    stem = name[: -len(".gz")] if name.endswith(".gz") else name
    candidate = export.with_name(stem.rsplit(".", 1)[0] + ".questions.toml")
    return candidate if candidate.is_file() else None


def _find(column: str, header: list[str]) -> str | None:
    """The header column named `column` (normalised), else the one whose name contains it."""
    wanted = normalise(column)
    exact = [h for h in header if normalise(h) == wanted]
    if exact:
        return exact[0]
    partial = [h for h in header if wanted and wanted in normalise(h)]
    if len(partial) > 1:
        raise QuestionsError(
            f"question {column!r} matches several columns ({quote_names(partial)}); give the full column name"
        )
    return partial[0] if partial else None


def resolve_questions(answers: Answers, header: list[str], declared: Questions | None) -> dict[str, str]:
    """survey -> the header column holding its answers, or QuestionsError saying how to declare them."""
    if not answers.declared:
        return {s: col for s, c in answers.questions.items() if (col := _find(c, header))}
    columns: dict[str, str] = {}
    suffix = answers.nps_group_suffix
    groups = [h for h in header if suffix and normalise(h).endswith(suffix)]
    if groups:
        base = groups[0][: len(groups[0]) - len(suffix)]
        found = _find(base, header)
        if found is not None:
            columns["nps"] = found
    for survey, column in (declared.columns if declared else {}).items():
        found = _find(column, header)
        if found is None:
            raise QuestionsError(
                f"question column {column!r} (declared for {survey}) is not in the header; "
                f"found: {quote_names(header)}"
            )
        columns[survey] = found
    if not columns:
        candidates = [h for h in header if normalise(h).startswith("q")] or header
        raise QuestionsError(
            "survey export: which columns hold the NPS, CSAT or CES answers is not declared. Say so with "
            '`cx ingest --questions nps=Q1,csat=Q3` (or --questions questions.toml holding nps = "Q1"); '
            f"columns that could be questions: {quote_names(candidates, 12)}"
        )
    return columns


def bind(profile, header: list[str], declared: Questions | None):
    """The profile with its question columns staged as helpers `_q_<survey>` (and the declared
    touchpoint/channel as constants), for one file."""
    answers = profile.spec.answers
    columns = resolve_questions(answers, header, declared)
    mapped = dict(profile.columns)
    for survey, original in columns.items():
        mapped[normalise(original)] = QUESTION_PREFIX + survey
    bound_answers = dataclasses.replace(answers, questions={s: QUESTION_PREFIX + s for s in columns})
    constants = dict(profile.spec.constants)
    if declared and answers.declared:
        constants.update(declared.extra)
    spec = dataclasses.replace(profile.spec, answers=bound_answers, constants=constants)
    return dataclasses.replace(profile, columns=mapped, spec=spec), columns


def _score(text: pl.Expr) -> pl.Expr:
    return (
        pl.when(text.str.contains(_LABELLED_NUMBER).fill_null(False))
        .then(text.str.extract(r"^(\d{1,2})"))
        .otherwise(text)
    )


def melt_answers(frame: pl.LazyFrame, answers: Answers, context: str = "") -> pl.LazyFrame:
    """One row per answered question (module docstring); `context` names the mapping in messages."""
    parts = []
    for order, (survey, helper) in enumerate(answers.questions.items()):
        text = pl.col(helper).str.strip_chars()
        answered = text.is_not_null() & (text != "") & ~text.str.to_lowercase().is_in(list(answers.no_answer))
        parts.append(
            frame.filter(answered.fill_null(False)).with_columns(
                pl.lit(survey).alias("survey"),
                _score(text).alias("score"),
                (pl.col(answers.id) + ":" + survey).alias("response_id"),
                pl.lit(order).alias("__order"),
            )
        )
    rows = pl.concat(parts) if parts else frame.clear().with_columns(pl.lit(0).alias("__order"))
    if answers.unanswered == "not_a_fact":
        reason = f"response answered none of the mapped questions ({context or ', '.join(answers.questions)})"
        unanswered = frame.join(rows.select("row_number").unique(), on="row_number", how="anti").with_columns(
            pl.coalesce(pl.col(NOT_A_FACT), pl.lit(reason)).alias(NOT_A_FACT),
            pl.lit(len(parts)).alias("__order"),
        )
        rows = pl.concat([rows, unanswered], how="diagonal_relaxed")
    return (
        rows.sort("row_number", "__order")
        .with_columns(pl.col("row_number").alias(SOURCE_ROW))
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row_number"))
        .drop("__order")
    )

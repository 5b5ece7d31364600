"""The versioned VoC step: fit the models once, apply them to new comments, refit on purpose.

Models live beside the ingest database, in `<db name>-voc/model-v<N>/` (`model.joblib` and
`manifest.json`: version, fitted_at, per language the comments, the labelled ones, the status and
the cross-fitted AUC, the themes); `<db name>-voc/CURRENT` names the version in use. The scores
go to `voc.comment_scores` in the ingest database (and what each version measured to
`voc.model_languages`), which `cx build` reads like any source: the same comments and model give
the same tables whichever engine builds, and however often.

`update(db)`: fit when there is no model yet (or the current one measured no language and now
could), otherwise score only the comments the current model has not scored (new or changed
comments, by the md5 of their text) with the full model. `update(db, refit=True)`: a new version
fitted on every comment, all of them rescored cross-fitted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from voc import language as lang
from voc.models import MIN_LABELLED, LanguageModel, fit_language, fold_of
from voc.text import label

# the latest version of each answer with a comment, as stg_surveys__responses reads it
LATEST_COMMENTS_SQL = """
select response_id, survey, score, comment, md5(comment) as comment_md5
from raw.surveys
where comment is not null and trim(comment) <> ''
qualify row_number() over (partition by response_id order by _loaded_at desc, _run_id desc) = 1
"""
COMMENTS_SQL = LATEST_COMMENTS_SQL + "order by response_id\n"
# Those the model version $version has not scored (new answers, or a comment changed since): what a
# build after a day's exports scores. Found in DuckDB, so only they reach Python, not every comment
# of the warehouse (1.7M texts at 50M order lines) on every build.
UNSCORED_COMMENTS_SQL = f"""
with latest as ({LATEST_COMMENTS_SQL})
select latest.*
from latest
anti join (
    select response_id, comment_md5 from voc.comment_scores where model_version = $version
) as scored using (response_id, comment_md5)
order by response_id
"""
MAX_FIT_COMMENTS = 60_000  # per language; the rest are scored by the full model (deterministic choice)


@dataclass
class StepResult:
    action: str  # fitted | applied | nothing
    model_version: int | None
    scored: int = 0
    languages: list[dict] = field(default_factory=list)
    model_dir: str | None = None


def voc_dir(db: Path) -> Path:
    return Path(db).parent / f"{Path(db).stem}-voc"


def current_version(db: Path) -> int | None:
    pointer = voc_dir(db) / "CURRENT"
    try:
        return int(pointer.read_text().strip().removeprefix("model-v"))
    except (FileNotFoundError, ValueError):
        return None


def load_model(db: Path, version: int) -> dict:
    import joblib

    return joblib.load(voc_dir(db) / f"model-v{version}" / "model.joblib")


def manifest(db: Path, version: int) -> dict:
    return json.loads((voc_dir(db) / f"model-v{version}" / "manifest.json").read_text())


def update(db: Path, refit: bool = False, con: duckdb.DuckDBPyConnection | None = None) -> StepResult:
    """Bring voc.comment_scores up to date for ingest database `db` (see the module docstring)."""
    from ingest.store import ensure_schema

    own = con is None
    if own:
        con = duckdb.connect(str(db))
    try:
        ensure_schema(con)
        version = current_version(db)
        if version is not None and not refit and _worth_refitting(db, version, con):
            refit = True
        if version is None or refit:
            comments = con.cursor().sql(COMMENTS_SQL).pl()
            if comments.height == 0:
                return StepResult("nothing", version)
            return _fit(db, con, comments, version)
        return _apply(db, con, version)
    finally:
        if own:
            con.close()


def _worth_refitting(db: Path, version: int, con) -> bool:
    """The current model measured no language, and some language now has enough comments."""
    info = manifest(db, version)
    if any(v["status"] == "measured" for v in info["languages"].values()):
        return False
    count = con.cursor().sql(f"select count(*) from ({LATEST_COMMENTS_SQL})").fetchone()[0]
    return count >= MIN_LABELLED and count > 2 * info.get("count_comments", 0)


def _fit(db: Path, con, comments: pl.DataFrame, previous: int | None) -> StepResult:
    import joblib

    texts = comments["comment"].to_list()
    dominant = lang.dominant(texts)
    languages = lang.languages(texts, dominant)
    frame = comments.with_columns(
        pl.Series("language", languages),
        pl.Series("label", [label(s, v) for s, v in zip(comments["survey"], comments["score"], strict=True)]),
    )
    existing = [int(p.name.removeprefix("model-v")) for p in voc_dir(db).glob("model-v*") if p.is_dir()]
    version = max([previous or 0, *existing]) + 1
    fitted_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    models: dict[str, LanguageModel] = {}
    scores = []
    for language in sorted(set(languages)):
        part = frame.filter(pl.col("language") == language)
        # a fixed, order-free choice of the comments fitted on when there are very many
        part = part.with_columns(
            pl.col("response_id").map_elements(_order_key, return_dtype=pl.String).alias("k")
        )
        part = part.sort("k")
        fit_part, rest = part.head(MAX_FIT_COMMENTS), part.slice(MAX_FIT_COMMENTS)
        ids = fit_part["response_id"].to_list()
        model, sentiment, themes = fit_language(
            language, ids, fit_part["comment"].to_list(), fit_part["label"].to_list()
        )
        models[language] = model
        folds = [f"cross-fit fold {fold_of(r) + 1}" for r in ids]
        scores.append(
            fit_part.select("response_id", "comment_md5", "language").with_columns(
                pl.Series("sentiment", sentiment if sentiment is not None else [None] * len(ids), pl.Float64),
                pl.Series("theme", themes, pl.String),
                pl.Series("scored_by", folds if sentiment is not None else [None] * len(ids), pl.String),
            )
        )
        if rest.height:
            scores.append(_score(model, rest))
    out = _folder(db, version)
    joblib.dump({"version": version, "dominant": dominant, "models": models}, out / "model.joblib")
    info = {
        "version": version,
        "fitted_at": fitted_at.isoformat(),
        "dominant_language": dominant,
        "count_comments": comments.height,
        "languages": {k: _describe(m) for k, m in sorted(models.items())},
    }
    (out / "manifest.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    table = pl.concat(scores).with_columns(pl.lit(version, pl.Int32).alias("model_version"))
    con.execute("begin transaction")
    try:
        con.execute("delete from voc.comment_scores")
        _insert_scores(con, table)
        con.execute("delete from voc.model_languages where model_version = $v", {"v": version})
        for language, model in sorted(models.items()):
            d = _describe(model)
            con.execute(
                "insert into voc.model_languages values ($v, $l, $s, $r, $n, $nl, $auc, $themes, $at)",
                {
                    "v": version,
                    "l": language,
                    "s": d["status"],
                    "r": d["reason"],
                    "n": d["count_comments"],
                    "nl": d["count_labelled"],
                    "auc": d["fit_auc"],
                    "themes": json.dumps(d["themes"]),
                    "at": fitted_at,
                },
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    _point_to(db, version)
    return StepResult(
        "fitted",
        version,
        table.height,
        [dict(language=k, **v) for k, v in info["languages"].items()],
        str(out),
    )


def _apply(db: Path, con, version: int) -> StepResult:
    new = con.cursor().sql(UNSCORED_COMMENTS_SQL, params={"version": version}).pl()
    if new.height == 0:
        return StepResult("applied", version, 0)
    bundle = load_model(db, version)
    models: dict[str, LanguageModel] = bundle["models"]
    new = new.with_columns(
        pl.Series("language", lang.languages(new["comment"].to_list(), bundle["dominant"]))
    )
    parts = []
    for language in sorted(set(new["language"].to_list())):
        part = new.filter(pl.col("language") == language)
        model = models.get(language)
        if model is None:  # a language the model has never seen: not measured, no theme
            parts.append(
                part.select("response_id", "comment_md5", "language").with_columns(
                    pl.lit(None, pl.Float64).alias("sentiment"),
                    pl.lit(None, pl.String).alias("theme"),
                    pl.lit(None, pl.String).alias("scored_by"),
                )
            )
        else:
            parts.append(_score(model, part))
    table = pl.concat(parts).with_columns(pl.lit(version, pl.Int32).alias("model_version"))
    con.execute("begin transaction")
    try:
        con.register("new_scores", table.select("response_id").to_arrow())
        con.execute(
            "delete from voc.comment_scores where response_id in (select response_id from new_scores)"
        )
        con.unregister("new_scores")
        _insert_scores(con, table)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return StepResult("applied", version, table.height)


# Comments scored at once: a model's TF-IDF matrix of word and character n-grams for millions of
# comments took the step to 13 GB at 100M order lines (3.4M comments); in batches it stays bounded.
SCORE_BATCH = 50_000


def _score(model: LanguageModel, part: pl.DataFrame) -> pl.DataFrame:
    if part.height > SCORE_BATCH:
        batches = range(0, part.height, SCORE_BATCH)
        return pl.concat(_score(model, part.slice(i, SCORE_BATCH)) for i in batches)
    texts = part["comment"].to_list()
    measured = model.status == "measured"
    sentiment = model.score(texts) if measured else np.full(len(texts), np.nan)
    return part.select("response_id", "comment_md5", "language").with_columns(
        pl.Series("sentiment", sentiment, pl.Float64).fill_nan(None),
        pl.Series("theme", model.theme(texts), pl.String),
        pl.lit("full model" if measured else None, pl.String).alias("scored_by"),
    )


def _insert_scores(con, table: pl.DataFrame) -> None:
    columns = ["response_id", "comment_md5", "language", "sentiment", "theme", "model_version", "scored_by"]
    con.register("incoming_scores", table.select(columns).to_arrow())
    try:
        con.execute(f"insert into voc.comment_scores ({', '.join(columns)}) select * from incoming_scores")
    finally:
        con.unregister("incoming_scores")


def _describe(model: LanguageModel) -> dict:
    return {
        "status": model.status,
        "reason": model.reason,
        "count_comments": model.count_comments,
        "count_labelled": model.count_labelled,
        "fit_auc": None if model.fit_auc is None else round(model.fit_auc, 4),
        "lexicon": "vader" if model.lexicon else None,
        "themes": model.themes,
    }


def _order_key(response_id: str) -> str:
    import hashlib

    return hashlib.sha256(response_id.encode("utf-8")).hexdigest()


def _folder(db: Path, version: int) -> Path:
    out = voc_dir(db) / f"model-v{version}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _point_to(db: Path, version: int) -> None:
    pointer = voc_dir(db) / "CURRENT"
    tmp = pointer.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(f"model-v{version}\n")
    tmp.replace(pointer)


def update_before_build(db: Path) -> str:
    """What the entry points run before a build: `update(db)`, never failing the build. Returns one
    line for the log (what was fitted or scored, or why the step could not run: the build then
    uses the scores it had)."""
    try:
        result = update(Path(db))
    except duckdb.IOException as exc:  # another process writes the ingest database
        return f"voc: skipped, {str(exc).splitlines()[0]}"
    except Exception as exc:  # noqa: BLE001 - a model problem must not stop the warehouse build
        return f"voc: failed ({type(exc).__name__}: {' '.join(str(exc).split())}); scores unchanged"
    return describe(result)


def describe(result: StepResult) -> str:
    if result.action == "nothing":
        return "voc: no comments to fit on yet"
    if result.action == "fitted":
        measured = [d["language"] for d in result.languages if d["status"] == "measured"]
        return (
            f"voc: fitted model v{result.model_version} on {result.scored:,} comments "
            f"(sentiment measured for: {', '.join(measured) or 'no language'})"
        )
    return f"voc: model v{result.model_version} scored {result.scored:,} new comments"

"""The sentiment and theme models of one language, fitted on the retailer's own comments.

Sentiment: a logistic regression on TF-IDF word (1-2) and character (3-4) n-grams, trained on the
comments whose score gives a label (voc.text.label: happy 1, unhappy 0; passives are not trained
on). Its probability p of a happy answer becomes a sentiment 2p - 1 in [-1, 1]; for English it is
averaged with VADER's compound score (a lexicon that never saw a score). Cross-fitting: the
comments are split in FOLDS folds by a hash of their response id (so a fold does not depend on
row order); every comment fitted on is scored by the model of the other folds, which never saw its
score. The full model (all folds) scores comments that arrive later.

Themes: NMF over TF-IDF of words and word pairs (stop words removed), a few components (when
both are enough, five eighths fitted on the unhappy answers' comments, the rest on the others',
so complaints get themes of their own however few they are), each labelled by its three most
particular terms (strong in it, weak in the others); a comment takes its strongest theme, `no
theme` when it has fewer than MIN_THEME_WORDS words that count (too short to say), `other` when
it is about none of the themes. NMF starts from NNDSVD with a fixed random state, so a fit on
the same comments gives the same themes.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from voc.text import stop_words

FOLDS = 5
MIN_LABELLED = 100  # labelled comments a language needs for a sentiment model
MIN_PER_CLASS = 20  # ... of each of happy and unhappy
MIN_THEME_COMMENTS = 60  # comments a language needs for themes
MAX_THEMES = 10
COMMENTS_PER_THEME = 40  # fewer themes for few comments
MIN_THEME_WORDS = 2
NO_THEME = "no theme"  # too short to say
OTHER = "other"  # about none of the themes found
DECIMALS = 4  # sentiment is stored rounded: the same on every machine and engine
_WORD = re.compile(r"(?u)\b[^\W\d_][^\W\d_]+\b")


def fold_of(response_id: str) -> int:
    return int(hashlib.md5(response_id.encode("utf-8")).hexdigest()[:8], 16) % FOLDS


def _sentiment_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents="unicode"),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 4), min_df=3, sublinear_tf=True, max_features=30_000
                ),
            ),
        ]
    )
    model = LogisticRegression(C=4.0, solver="liblinear", class_weight="balanced", random_state=0)
    return Pipeline([("features", features), ("model", model)])


@functools.cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@dataclass
class LanguageModel:
    """What was fitted for one language; `status` 'measured' or 'not_measured' (with `reason`)."""

    language: str
    status: str
    reason: str | None = None
    count_comments: int = 0
    count_labelled: int = 0
    sentiment: object | None = None  # the full sklearn pipeline
    lexicon: bool = False  # English: blended with VADER
    vectorizer: object | None = None  # themes
    components: np.ndarray | None = None  # themes x terms (NMF's H)
    themes: list[str] = field(default_factory=list)  # label per NMF component
    fit_auc: float | None = None  # of the cross-fitted sentiment, unhappy vs happy answers

    def score(self, texts: list[str]) -> np.ndarray:
        return _blend(self.sentiment.predict_proba(texts)[:, 1], texts, self.lexicon)

    def theme(self, texts: list[str]) -> list[str | None]:
        if self.components is None:
            return [None] * len(texts)
        weights = _weights(self.vectorizer.transform(texts), self.components)
        analyse = self.vectorizer.build_analyzer()
        out: list[str | None] = []
        for text, row in zip(texts, weights, strict=True):
            words = [t for t in analyse(text) if " " not in t]
            if len(words) < MIN_THEME_WORDS:
                out.append(NO_THEME)
            elif row.max() <= 1e-9:
                out.append(OTHER)
            else:
                out.append(self.themes[int(np.argmax(row))])
        return out


def _blend(p: np.ndarray, texts: list[str], lexicon: bool) -> np.ndarray:
    sentiment = 2.0 * p - 1.0
    if lexicon:
        vader = _vader()
        compound = np.array([vader.polarity_scores(t)["compound"] for t in texts])
        sentiment = (sentiment + compound) / 2.0
    return np.round(np.clip(sentiment, -1.0, 1.0), DECIMALS)


def auc(sentiment: np.ndarray, labels: np.ndarray) -> float | None:
    """The probability that a happy answer's comment scores above an unhappy one's (ties half)."""
    from scipy.stats import rankdata

    pos, neg = int((labels == 1).sum()), int((labels == 0).sum())
    if not pos or not neg:
        return None
    ranks = rankdata(sentiment)
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def fit_language(
    language: str, response_ids: list[str], texts: list[str], labels: list[int | None]
) -> tuple[LanguageModel, np.ndarray | None, list[str | None]]:
    """Fit one language's models; returns them with the cross-fitted sentiment of every comment
    (None when not measured) and each comment's theme."""
    n = len(texts)
    y = np.array([-1 if v is None else v for v in labels])
    labelled = y >= 0
    model = LanguageModel(language, "measured", count_comments=n, count_labelled=int(labelled.sum()))
    sentiment = None
    happy, unhappy = int((y == 1).sum()), int((y == 0).sum())
    if labelled.sum() < MIN_LABELLED or min(happy, unhappy) < MIN_PER_CLASS:
        model.status = "not_measured"
        model.reason = (
            f"{int(labelled.sum())} comments with a happy or unhappy score ({happy} happy, {unhappy} "
            f"unhappy): a sentiment model needs {MIN_LABELLED}, at least {MIN_PER_CLASS} of each"
        )
    else:
        model.lexicon = language == "en"
        folds = np.array([fold_of(r) for r in response_ids])
        p = np.zeros(n)
        for k in range(FOLDS):
            train = labelled & (folds != k)
            pipeline = _sentiment_pipeline().fit([texts[i] for i in np.flatnonzero(train)], y[train])
            held = np.flatnonzero(folds == k)
            if len(held):
                p[held] = pipeline.predict_proba([texts[i] for i in held])[:, 1]
        sentiment = _blend(p, texts, model.lexicon)
        model.fit_auc = auc(sentiment[labelled], y[labelled])
        model.sentiment = _sentiment_pipeline().fit([texts[i] for i in np.flatnonzero(labelled)], y[labelled])
    themes = _fit_themes(model, texts, y)
    return model, sentiment, themes


def _weights(matrix, components: np.ndarray) -> np.ndarray:
    """Each comment's weight on each theme: non-negative least squares on the fixed components.
    Only the strongest weight is used, so an unconverged last decimal does not matter."""
    import warnings

    from sklearn.decomposition import non_negative_factorization
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w, _, _ = non_negative_factorization(
            matrix,
            H=components,
            n_components=components.shape[0],
            update_H=False,
            max_iter=400,
            random_state=0,
        )
    return w


def _nmf(matrix, k: int) -> np.ndarray:
    """k themes of the comments' TF-IDF matrix (NMF's components); deterministic (NNDSVD start).
    400 iterations: further ones move the last decimals of the weights, not the top terms."""
    import warnings

    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NMF(n_components=k, init="nndsvd", random_state=0, max_iter=400).fit(matrix).components_


def _fit_themes(model: LanguageModel, texts: list[str], y: np.ndarray) -> list[str | None]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < MIN_THEME_COMMENTS:
        return [None] * len(texts)
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=max(3, len(texts) // 500),
        max_df=0.5,
        stop_words=stop_words(model.language),
        token_pattern=_WORD.pattern,
        sublinear_tf=True,
        strip_accents="unicode",  # "nao" and "não" are one word
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term left (every word a stop word, or too rare)
        return [None] * len(texts)
    k = max(2, min(MAX_THEMES, len(texts) // COMMENTS_PER_THEME, matrix.shape[1] - 1))
    # the other comments: happy answers and those in between (passives, CSAT 3)
    unhappy, happy = np.flatnonzero(y == 0), np.flatnonzero(y != 0)
    if k >= 4 and min(len(unhappy), len(happy)) >= MIN_THEME_COMMENTS:
        # themes from the complaints and from the praise apart: complaints are usually the
        # fewer comments, and a single factorisation of all of them spends its themes on the many
        # happy ones (a late-delivery theme would drown in "quick and easy")
        k_unhappy = k - k * 3 // 8  # 7 of 10: what to fix matters more than what pleases
        weights = np.vstack([_nmf(matrix[unhappy], k_unhappy), _nmf(matrix[happy], k - k_unhappy)])
    else:
        weights = _nmf(matrix, k)
    terms = np.array(vectorizer.get_feature_names_out())
    # a term labels the theme it is strong in and particular to (not one every theme shares)
    distinct = weights * np.sqrt(weights / (weights.sum(axis=0, keepdims=True) + 1e-12))
    labels: list[str] = []
    for component in distinct:
        top: list[str] = []
        for term in terms[np.argsort(-component, kind="stable")]:
            # a word already inside a chosen pair (or a pair holding a chosen word) adds nothing
            if any(term in t.split() or t in term.split() for t in top):
                continue
            top.append(term)
            if len(top) == 3:
                break
        name = " · ".join(top)
        while name in labels:
            name += " ·"
        labels.append(name)
    model.vectorizer, model.components, model.themes = vectorizer, weights, labels
    return model.theme(texts)

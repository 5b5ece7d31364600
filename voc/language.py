"""Which language a comment is in (ISO 639-1), with py3langid restricted to a few languages.

Short comments ("ótimo", "ok") say too little to identify: they, and comments identified with low
confidence, take the dominant language of the comments identified with confidence (decided at fit
time and kept in the model, so applying the model later gives the same answer).
"""

from __future__ import annotations

import functools
import re
from collections import Counter

LANGUAGES = ("en", "pt", "es", "fr", "de", "it", "nl")
MIN_LETTERS = 15  # fewer letters than this: too short to identify
MIN_CONFIDENCE = 0.8


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_TOKENS = re.compile(r"\[(?:email|phone)\]")


def identify(text: str) -> tuple[str | None, float]:
    """(language, confidence), or (None, 0.0) when the text is too short to say."""
    text = _TOKENS.sub(" ", text or "")
    if len(_LETTERS.findall(text)) < MIN_LETTERS:
        return None, 0.0
    language, confidence = _identifier().classify(text.lower())
    return str(language), float(confidence)


def dominant(texts: list[str]) -> str:
    """The most frequent language among the texts identified with confidence ('en' if none)."""
    counts = Counter(lang for lang, conf in map(identify, texts) if lang and conf >= MIN_CONFIDENCE)
    if not counts:
        return "en"
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def languages(texts: list[str], fallback: str) -> list[str]:
    """Each text's language; short or unsure ones take `fallback` (the dominant language)."""
    out = []
    for text in texts:
        lang, conf = identify(text)
        out.append(lang if lang and conf >= MIN_CONFIDENCE else fallback)
    return out

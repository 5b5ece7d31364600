"""Words that say nothing about a theme, per language (sklearn's list for English, a short list for
Portuguese and Spanish), and the label a survey score gives a comment."""

from __future__ import annotations

import unicodedata

PT = """a ao aos aquela aquele aqueles as até com como da das de dela dele do dos e ela ele eles em
entre era essa esse esta este eu foi for foram há isso isto já lhe lo mais mas me mesmo meu minha
muito na nas nem no nos nós o os ou para pela pelas pelo pelos por qual quando que quem se sem ser
seu sua são só também te tem ter teu tu um uma umas uns você vocês vos à às é está estão estava
foi fui ja pra pq q tb vc né ate ainda bem pois então assim sobre the todo toda todos todas
meus minhas seus suas sim dia dias hoje ontem aqui ai lá la tudo nada vez até"""
ES = """a al algo con como de del el ella ellos en entre era es esta este esto fue ha hay la las le
lo los me mi mis muy más no nos o para pero por que qué se sin son su sus también te tu un una uno
y ya yo"""
MASK_TOKENS = {"email", "phone"}
# kept for themes: "not received", "não recebi" name a theme better than "received", "recebi"
NEGATIONS = {"no", "not", "nor", "never", "nothing", "nobody", "none", "cannot"}


TONE_VALENCE = 1.5  # English words VADER rates at least this positive or negative


def stop_words(language: str) -> list[str]:
    """The language's stop words, accents stripped (the theme vectorizer strips them too). For
    English also the words of clear tone in VADER's lexicon ("great", "awful", "thanks"): a theme
    says what a comment is about, its sentiment says how it feels, and tone words would otherwise
    make themes of their own ("great · happy · perfect")."""
    if language == "en":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        lexicon = SentimentIntensityAnalyzer().lexicon
        tone = {w for w, v in lexicon.items() if abs(v) >= TONE_VALENCE and w.isalpha()}
        return sorted((ENGLISH_STOP_WORDS - NEGATIONS) | MASK_TOKENS | tone)
    words = {"pt": PT, "es": ES}.get(language, "")
    return sorted({_strip(w) for w in words.split()} | MASK_TOKENS)


def _strip(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def label(survey: str, score: int) -> int | None:
    """1 for a happy answer (NPS promoter 9-10, CSAT 4-5, CES 6-7), 0 for an unhappy one (NPS
    detractor 0-6, CSAT 1-2, CES 1-3), None in between (passives, CSAT 3, CES 4-5)."""
    if survey == "nps":
        return 1 if score >= 9 else 0 if score <= 6 else None
    if survey == "csat":
        return 1 if score >= 4 else 0 if score <= 2 else None
    if survey == "ces":
        return 1 if score >= 6 else 0 if score <= 3 else None
    return None

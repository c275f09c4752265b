"""Words for search: tokens, stop words and stems in English and Russian, and a guess at a text's language.

Why in Python: SQLite's FTS5 stems English only (porter) and Russian not at all, so for SQLite the article text
is stemmed here (Snowball, the `snowballstemmer` package — the same algorithms PostgreSQL's 'english' and
'russian' configurations use) before it is put in the FTS5 index, and a query is stemmed the same way. On
PostgreSQL the database stems itself (`to_tsvector(cfg, …)`); the Python stems there only serve the confidence
of a suggestion (app.kb.suggest), which is computed the same way on both backends.
"""

from __future__ import annotations

import functools
import re

import snowballstemmer

LANGUAGES = ("en", "ru")
CONFIGS = {"en": "english", "ru": "russian"}  # PostgreSQL text search configurations
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)

STOP = {
    "en": frozenset("""a about above after again against all am an and any are as at be because been before being
        below between both but by can could did do does doing down during each few for from further had has have
        having he her here hers him his how i if in into is it its itself just me more most my myself no nor not
        now of off on once only or other our ours out over own same she should so some such than that the their
        them then there these they this those through to too under until up very was we were what when where
        which while who whom why will with would you your yours hi hello dear thanks thank please regards best
        hey get got im ive dont cant cannot also still""".split()),
    "ru": frozenset("""и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только
        ее её мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был
        него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы
        тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого
        какой совсем ним здесь этом один почти мой тем чтобы нее кажется сейчас были куда зачем всех никогда
        можно при наконец два об другой хоть после над больше тот через эти нас про всего них какая много
        разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
        конечно всю между здравствуйте привет добрый день спасибо пожалуйста подскажите помогите мой моё мою
        мои у меня это""".split()),
}


def language_of(text: str, default: str = "en") -> str:
    """"ru" when Cyrillic letters outnumber Latin ones, else "en" (or `default` for a text with neither)."""
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if not cyrillic and not latin:
        return default
    return "ru" if cyrillic > latin else "en"


def words(text: str) -> list[str]:
    return [w.replace("ё", "е") for w in _WORD.findall(text.lower())]


@functools.lru_cache(maxsize=4)
def _stemmer(lang: str):
    return snowballstemmer.stemmer(CONFIGS.get(lang, "english"))


def stems(text: str, lang: str) -> list[str]:
    """The stems of the words of `text` that are not stop words, in order (repeats kept)."""
    stop = STOP.get(lang, STOP["en"])
    return [_stem(lang, w) for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]


@functools.lru_cache(maxsize=200_000)
def _stem(lang: str, word: str) -> str:
    # Snowball in pure Python is the slow part of indexing and of learning categories; words repeat a lot.
    return _stemmer(lang).stemWord(word)


def stem_line(text: str, lang: str) -> str:
    """The stems as one space-separated line: what the SQLite FTS5 index holds."""
    return " ".join(stems(text, lang))

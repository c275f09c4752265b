"""One search over the articles, in the database itself: SQLite FTS5 or PostgreSQL full-text, ranked.

`search(session, query, lang, limit)` returns the published articles of language `lang` that contain any of the
query's words (stemmed, stop words dropped), best first:
- SQLite: `kb_articles_fts MATCH 'lang : en AND ("w1" OR "w2" …)'` over the stems app.kb.service indexed
  (published articles only), ranked by bm25 with the title weighing 10, tags 4, the body 1 and the language 0,
  and limited inside FTS5 (FTS5's bm25 is "lower is better"; the score returned is its negation);
- PostgreSQL: `search_vector @@ to_tsquery(cfg, 'w1 | w2 …')` with the article language's configuration
  ('english', 'russian'), ranked by ts_rank with weights title (A) 1.0, tags (B) 0.4, body (C) 0.2, using the
  GIN index.
Any word, not every word: a customer's question carries words no article has ("my", a product nickname), and
ranking already puts the articles that match more of the words first. Scores are comparable within one result
list only; app.kb.suggest computes a backend-independent confidence when one is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.kb.text import CONFIGS, LANGUAGES, stems, words

MAX_TERMS = 32  # a whole mail as a query: its first 32 distinct words are plenty


@dataclass(frozen=True)
class Hit:
    id: int
    slug: str
    lang: str
    title: str
    category: str
    score: float


def search(session: Session, query: str, lang: str, limit: int = 10) -> list[Hit]:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    limit = max(1, min(int(limit), 100))
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite(session, query, lang, limit)
    return _postgresql(session, query, lang, limit)


def _distinct(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))[:MAX_TERMS]


def _sqlite(session: Session, query: str, lang: str, limit: int) -> list[Hit]:
    terms = _distinct(stems(query, lang))
    if not terms:
        return []
    # Stems are letters and digits only, and `lang` is one of LANGUAGES: nothing to escape.
    match = f"lang : {lang} AND (" + " OR ".join(f'"{term}"' for term in terms) + ")"
    rows = session.execute(text(
        "SELECT a.id, a.slug, a.lang, a.title, a.category, -f.rank AS score FROM ("
        "  SELECT rowid, bm25(kb_articles_fts, 10.0, 4.0, 1.0, 0.0) AS rank FROM kb_articles_fts"
        "  WHERE kb_articles_fts MATCH :match ORDER BY rank, rowid LIMIT :limit"
        ") f JOIN kb_articles a ON a.id = f.rowid ORDER BY f.rank, a.id"), {"match": match, "limit": limit})
    return [Hit(*row) for row in rows]


def _postgresql(session: Session, query: str, lang: str, limit: int) -> list[Hit]:
    terms = _distinct(words(query))  # PostgreSQL stems and drops stop words itself
    if not terms:
        return []
    config = CONFIGS[lang]
    rows = session.execute(text(
        f"SELECT a.id, a.slug, a.lang, a.title, a.category, ts_rank(a.search_vector, q) AS score "
        f"FROM kb_articles a, to_tsquery('{config}', :terms) q "
        "WHERE a.search_vector @@ q AND a.lang = :lang AND a.published "
        "ORDER BY score DESC, a.id LIMIT :limit"), {"terms": " | ".join(terms), "lang": lang, "limit": limit})
    return [Hit(*row) for row in rows]

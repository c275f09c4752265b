"""What probably answers a ticket: three articles, three canned responses and a category, for the agent's panel;
and how sure the best article is, for an automatic answer.

The methods were chosen by `benchmarks/kb.py` on the labelled set in benchmarks/data/kb_labelled.txt (figures
in docs/benchmarks.md):
- **articles**: the database's own full-text ranking (`app.kb.search`) of the ticket's subject and first mail in
  the ticket's language (guessed from its letters). Re-ranking those hits by coverage did no better at 3; the
  automatic answer does use it (`best_answer`), which puts the right article first as often on both backends.
- **category**: the team's own earlier tickets — k nearest neighbours (k = 7, votes weighted by similarity) by
  TF-IDF cosine over the stems of subject and first mail of the last 3,000 tickets with a category. Beat the
  nearest-centroid method on the same set. The model is kept per engine in this process and learned again when
  25 more tickets have a category (one COUNT checks, at most once a minute for the panels); learning 3,000
  tickets takes ~0.1 s once their words' stems are cached (app.kb.text), and a prediction ~5 ms.
- **canned responses**: TF-IDF cosine between the ticket and each of its line's canned responses (title weighs
  double); only those that share a word with the ticket.
- **confidence** of an article for a ticket (0…1, the same on both backends): of the ticket's words that occur in
  any of the candidate articles (a greeting or a name in no article says nothing either way), the share the
  article has — halved when it shares fewer than two. The automatic answer (app.kb.auto) compares it with the
  line's threshold.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.kb.search import Hit, search
from app.kb.text import language_of, stems
from app.models import CannedResponse, Category, Direction, KbArticle, Message, Ticket

ARTICLES, CANNED, CANDIDATES = 3, 3, 10
TRAINING_TICKETS, NEIGHBOURS = 3000, 7
RELEARN_EVERY = 25  # past the first 25, the model is learned again each time 25 more tickets have a category
CHECK_EVERY = timedelta(minutes=1)  # how often the panels ask whether that has happened


@dataclass(frozen=True)
class ArticleSuggestion:
    id: int
    slug: str
    lang: str
    title: str
    confidence: float


@dataclass(frozen=True)
class CannedSuggestion:
    id: int
    title: str
    score: float


@dataclass(frozen=True)
class Suggestions:
    articles: list[ArticleSuggestion]
    canned: list[CannedSuggestion]
    category: str | None
    category_score: float


# ----- the ticket's words -------------------------------------------------------------------------------------
def ticket_text(session: Session, ticket: Ticket) -> str:
    first = session.scalar(select(Message).where(Message.ticket_id == ticket.id, Message.direction == Direction.IN)
                           .order_by(Message.id).limit(1))
    body = (first.visible_text or first.body_text) if first is not None else ""
    return f"{ticket.subject}\n{(body or '')[:4000]}"


def for_ticket(session: Session, ticket: Ticket, now: datetime | None = None) -> Suggestions:
    """`now`: the injected clock's time, so the category model's freshness is checked at most every CHECK_EVERY."""
    text = ticket_text(session, ticket)
    category, score = predict_category(session, text, now)
    return Suggestions(articles(session, text), canned_for(session, ticket.line_id, text), category, score)


# ----- articles --------------------------------------------------------------------------------------------------
def articles(session: Session, text: str, limit: int = ARTICLES, lang: str | None = None) -> list[ArticleSuggestion]:
    lang = lang or language_of(text)
    hits = search(session, text, lang, CANDIDATES)
    if not hits:
        return []
    confidences = _confidences(session, text, lang, hits)
    return [ArticleSuggestion(h.id, h.slug, h.lang, h.title, confidences[h.id]) for h in hits[:limit]]


def best_answer(session: Session, text: str, lang: str | None = None) -> ArticleSuggestion | None:
    """The article an automatic answer would send: of the candidates, the one with the highest confidence (ties
    by rank). Re-ranking by confidence puts the right article first as often on both backends (benchmarks/kb.py),
    so a customer gets the same answer whichever database the desk runs on."""
    found = articles(session, text, CANDIDATES, lang)
    return max(found, key=lambda s: s.confidence) if found else None


def _confidences(session: Session, text: str, lang: str, hits: list[Hit]) -> dict[int, float]:
    rows = session.execute(select(KbArticle.id, KbArticle.title, KbArticle.tags, KbArticle.body)
                           .where(KbArticle.id.in_([h.id for h in hits]))).all()
    known = {row.id: set(stems(f"{row.title} {row.tags} {row.body}", lang)) for row in rows}
    asked = set(stems(text, lang))
    relevant = asked & set().union(*known.values()) if known else set()
    result = {}
    for hit in hits:
        shared = relevant & known.get(hit.id, set())
        share = len(shared) / len(relevant) if relevant else 0.0
        result[hit.id] = round(share if len(shared) >= 2 else share / 2, 3)
    return result


# ----- canned responses ----------------------------------------------------------------------------------------
def canned_for(session: Session, line_id: int, text: str, limit: int = CANNED) -> list[CannedSuggestion]:
    rows = session.execute(select(CannedResponse.id, CannedResponse.title, CannedResponse.body)
                           .where(CannedResponse.line_id == line_id)).all()
    if not rows:
        return []
    lang = language_of(text)
    docs = {row.id: Counter(stems(f"{row.title} {row.title} {row.body}", lang)) for row in rows}
    idf = _idf(list(docs.values()))
    query = _vector(Counter(stems(text, lang)), idf)
    scored = [(cosine(query, _vector(doc, idf)), row) for row, doc in ((row, docs[row.id]) for row in rows)]
    scored = [(score, row) for score, row in scored if score > 0]
    scored.sort(key=lambda pair: (-pair[0], pair[1].title))
    return [CannedSuggestion(row.id, row.title, round(score, 3)) for score, row in scored[:limit]]


# ----- categories ----------------------------------------------------------------------------------------------
@dataclass
class CategoryModel:
    idf: dict[str, float]
    examples: list[tuple[dict[str, float], str]]  # (unit TF-IDF vector, category)

    def predict(self, text: str, k: int = NEIGHBOURS) -> tuple[str | None, float]:
        query = _vector(Counter(stems(text, language_of(text))), self.idf)
        if not query:
            return None, 0.0
        nearest = sorted(((cosine(query, vector), name) for vector, name in self.examples), reverse=True)[:k]
        votes: dict[str, float] = defaultdict(float)
        for similarity, name in nearest:
            if similarity > 0:
                votes[name] += similarity
        if not votes:
            return None, 0.0
        name, weight = max(votes.items(), key=lambda item: (item[1], item[0]))
        return name, round(weight / sum(votes.values()), 3)


def train(examples: list[tuple[str, str]]) -> CategoryModel:
    """A model from (text, category) pairs."""
    counted = [(Counter(stems(text, language_of(text))), name) for text, name in examples]
    idf = _idf([c for c, _ in counted])
    return CategoryModel(idf, [(_vector(c, idf), name) for c, name in counted if c])


@dataclass
class _Learned:
    stamp: tuple | None
    model: CategoryModel | None
    checked_at: datetime | None


# Per engine (one per process in production, one per app in tests), dropped with it.
_cache: weakref.WeakKeyDictionary[Any, _Learned] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def predict_category(session: Session, text: str, now: datetime | None = None) -> tuple[str | None, float]:
    model = category_model(session, now)
    return model.predict(text) if model is not None else (None, 0.0)


def category_model(session: Session, now: datetime | None = None) -> CategoryModel | None:
    """The model learned from the desk's categorised tickets. With `now` (the injected clock's), whether it is
    still fresh is asked of the database at most every CHECK_EVERY: the COUNT over every categorised ticket costs
    ~9 ms at 100,000 tickets, too much for every panel (docs/benchmarks.md, issue 7)."""
    engine = session.get_bind()
    with _cache_lock:
        cached = _cache.get(engine)
    if cached is not None and now is not None and cached.checked_at is not None \
            and timedelta(0) <= now - cached.checked_at < CHECK_EVERY:
        return cached.model
    count, first = session.execute(select(func.count(Ticket.id), func.min(Ticket.id))
                                   .where(Ticket.category_id.is_not(None))).one()
    # The oldest categorised ticket tells one desk's tickets from another's in the same database (an emptied one).
    stamp = (count if count < RELEARN_EVERY else count // RELEARN_EVERY * RELEARN_EVERY, first) if count else None
    if cached is not None and cached.stamp == stamp:
        model = cached.model
    else:
        model = train(_training_examples(session)) if count else None
    with _cache_lock:
        _cache[engine] = _Learned(stamp, model, now)
    return model


def _training_examples(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(Ticket.id, Ticket.subject, Category.name).join(Category, Category.id == Ticket.category_id)
                           .order_by(Ticket.id.desc()).limit(TRAINING_TICKETS)).all()
    ids = [row.id for row in rows]
    firsts = select(func.min(Message.id)).where(Message.ticket_id.in_(ids), Message.direction == Direction.IN) \
        .group_by(Message.ticket_id)
    bodies = dict(session.execute(select(Message.ticket_id, func.substr(Message.body_text, 1, 2000))
                                  .where(Message.id.in_(firsts))).all()) if ids else {}
    return [(f"{row.subject}\n{bodies.get(row.id) or ''}", row.name) for row in rows]


# ----- TF-IDF ----------------------------------------------------------------------------------------------------
def _idf(docs: list[Counter]) -> dict[str, float]:
    frequency: Counter = Counter()
    for doc in docs:
        frequency.update(doc.keys())
    n = len(docs)
    return {term: math.log((1 + n) / (1 + df)) + 1 for term, df in frequency.items()}


def _vector(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vector = {t: (1 + math.log(c)) * idf[t] for t, c in counts.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())

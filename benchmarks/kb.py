"""Knowledge base: how well suggestions answer, and how fast search is, on SQLite and PostgreSQL.

The labelled set (benchmarks/data/kb_labelled.txt, written by hand: 32 articles, 16 in English and 16 in
Russian, and 192 customer questions, each labelled with the article that answers it and that article's category)
gives:
- **articles, precision@3**: the share of questions whose answering article is among the three suggested
  (one article answers each question, so this is the hit rate at 3; "@1" is the share where it is first) — for
  the database's full-text ranking ("fts") and for the same candidates re-ranked by coverage ("fts+coverage");
- **category accuracy**: for each article, half its questions are earlier tickets with the article's category,
  the other half new tickets whose category is predicted — k nearest neighbours vs nearest centroid (TF-IDF);
- **automatic answers**: at each threshold, the share of questions answered automatically and the share of those
  answered with the right article;
- **search latency** over 10,000 articles (the 32 and 9,968 made from their words), p50/p95 of `search()` for
  every question and short queries, per backend;
- **suggestion latency**: `for_ticket` (articles, canned responses, category) for 100 new tickets, with 3,000
  earlier categorised tickets and 20 canned responses in the line, after the category model is learned.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

DATA = Path(__file__).parent / "data" / "kb_labelled.txt"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
TOTAL_ARTICLES = 10_000
TICKETS = 3_000  # earlier tickets with a category: what the category model learns from


@dataclass(frozen=True)
class Article:
    lang: str
    slug: str
    category: str
    title: str
    tags: str
    body: str
    questions: tuple[str, ...]


def load(path: Path = DATA) -> list[Article]:
    articles: list[Article] = []
    head: list[str] | None = None
    body: list[str] = []
    questions: list[str] = []

    def close() -> None:
        if head is not None:
            lang, slug, category, title, tags = head
            articles.append(Article(lang, slug, category, title, tags, "\n".join(body).strip(), tuple(questions)))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ") or line == "#":
            continue
        if line.startswith("## "):
            close()
            head, body, questions = [p.strip() for p in line[3:].split("|")], [], []
        elif line.startswith("? "):
            questions.append(line[2:].strip())
        elif head is not None and not questions:
            body.append(line)
    close()
    return articles


# ----- quality ---------------------------------------------------------------------------------------------------
def article_quality(session: Any, articles: list[Article], ids: dict[tuple[str, str], int]) -> dict[str, float]:
    from app.kb.suggest import articles as suggest

    hits: dict[str, list[int]] = defaultdict(list)
    for article in articles:
        right = ids[(article.lang, article.slug)]
        for question in article.questions:
            found = suggest(session, question, limit=10)
            fts = [s.id for s in found]
            coverage = [s.id for s in sorted(found, key=lambda s: -s.confidence)]
            for name, ranked in (("fts", fts), ("fts+coverage", coverage)):
                hits[f"{name} p@3"].append(right in ranked[:3])
                hits[f"{name} p@1"].append(right in ranked[:1])
                hits[f"{name} p@3 {article.lang}"].append(right in ranked[:3])
    return {name: 100.0 * sum(values) / len(values) for name, values in hits.items()}


def automatic(session: Any, articles: list[Article], ids: dict[tuple[str, str], int],
              thresholds: tuple[float, ...] = (0.5, 0.6, 0.75, 0.9)) -> list[tuple[float, float, float]]:
    from app.kb.suggest import best_answer

    best = []
    for article in articles:
        right = ids[(article.lang, article.slug)]
        for question in article.questions:
            found = best_answer(session, question)
            best.append((found.confidence, found.id == right) if found else (0.0, False))
    rows = []
    for threshold in thresholds:
        sent = [ok for confidence, ok in best if confidence >= threshold]
        rows.append((threshold, 100.0 * len(sent) / len(best), 100.0 * sum(sent) / len(sent) if sent else 0.0))
    return rows


def category_accuracy(articles: list[Article]) -> dict[str, float]:
    from app.kb.suggest import cosine, train

    earlier = [(q, a.category) for a in articles for i, q in enumerate(a.questions) if i % 2 == 0]
    new = [(q, a.category) for a in articles for i, q in enumerate(a.questions) if i % 2 == 1]
    model = train(earlier)
    knn = sum(model.predict(q)[0] == c for q, c in new)
    centroids: dict[str, dict[str, float]] = defaultdict(dict)
    for vector, name in model.examples:
        for term, value in vector.items():
            centroids[name][term] = centroids[name].get(term, 0.0) + value
    from app.kb.suggest import Counter, _vector, language_of, stems

    def nearest(text: str) -> str:
        query = _vector(Counter(stems(text, language_of(text))), model.idf)
        return max(centroids, key=lambda name: cosine(query, centroids[name]))

    centroid = sum(nearest(q) == c for q, c in new)
    return {"knn": 100.0 * knn / len(new), "centroid": 100.0 * centroid / len(new), "n": float(len(new))}


# ----- the database ----------------------------------------------------------------------------------------------
def fill(sessions: Any, articles: list[Article]) -> dict[tuple[str, str], int]:
    """The labelled articles, written through app.kb.service (which indexes them)."""
    from app.kb import service
    from app.models import Agent

    ids = {}
    with sessions() as session:
        agent = Agent(email="writer@example.com", name="Writer")
        session.add(agent)
        session.flush()
        for a in articles:
            row = service.save(session, NOW, agent, service.Draft(title=a.title, body=a.body, lang=a.lang,
                                                                  category=a.category, tags=a.tags, slug=a.slug))
            ids[(a.lang, a.slug)] = row.id
        session.commit()
    return ids


def latency(sessions: Any, articles: list[Article]) -> tuple[float, float, int]:
    from app.kb.search import search

    queries = [(q, a.lang) for a in articles for q in a.questions] + \
              [(w, "en") for w in ("password", "invoice", "dns", "ssl", "backup")] + \
              [(w, "ru") for w in ("пароль", "счёт", "домен", "сертификат", "копия")]
    timings = []
    with sessions() as session:
        for query, lang in queries[:20]:  # warm the caches
            search(session, query, lang, 10)
        for _ in range(2):
            for query, lang in queries:
                started = time.perf_counter()
                search(session, query, lang, 10)
                timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(timings)


def measure(url: str, backend: str, articles: list[Article], total: int) -> list[Figure]:
    from app.db import make_engine, session_factory

    engine = make_engine(url)
    sessions = session_factory(engine)
    try:
        ids = fill(sessions, articles)
        figures = []
        with sessions() as session:
            quality = article_quality(session, articles, ids)
            for name in ("fts p@3", "fts p@1", "fts p@3 en", "fts p@3 ru", "fts+coverage p@3", "fts+coverage p@1"):
                figures.append(Figure(f"kb {backend}: articles {name}", quality[name], "%",
                                      f"{sum(len(a.questions) for a in articles)} questions"))
            for threshold, share, right in automatic(session, articles, ids):
                figures.append(Figure(f"kb {backend}: auto-answer at {threshold:.2f}: answered", share, "%",
                                      f"right article in {right:.1f} % of those"))
        started = time.perf_counter()
        fill_rest(sessions, articles, total)
        built = time.perf_counter() - started
        p50, p95, n = latency(sessions, articles)
        figures.append(Figure(f"kb {backend}: search p50 over {total:,} articles", p50, "ms", f"{n} searches"))
        figures.append(Figure(f"kb {backend}: search p95 over {total:,} articles", p95, "ms",
                              f"target ≤ 50 ms; index built in {built:.0f} s"))
        learn, p50, p95 = suggestion_latency(sessions, articles)
        figures.append(Figure(f"kb {backend}: suggestions for a ticket p95", p95, "ms",
                              f"p50 {p50:.1f} ms; {TICKETS:,} earlier tickets, category model learned in {learn:.0f} ms"))
        return figures
    finally:
        engine.dispose()


def suggestion_latency(sessions: Any, articles: list[Article]) -> tuple[float, float, float]:
    """`app.kb.suggest.for_ticket` (three articles, three canned responses, a category) on new tickets, with
    3,000 earlier categorised tickets and 20 canned responses in the line: (learning ms, p50 ms, p95 ms)."""
    from sqlalchemy import select

    from app.kb import suggest
    from app.models import CannedResponse, Category, Channel, Direction, Line, Message, Status, Ticket

    questions = [(q, a.category) for a in articles for q in a.questions]
    with sessions() as session:
        line = Line(slug="l1", name="1st line")
        session.add(line)
        categories = {name: Category(name=name) for name in sorted({a.category for a in articles})}
        session.add_all(categories.values())
        session.add_all(CannedResponse(line=line, title=f"{a.title} ({a.lang})", body=a.body[:400], updated_at=NOW)
                        for a in articles[:20])
        session.flush()
        number = 100_000
        for n in range(TICKETS + 100):
            text_, category = questions[n % len(questions)]
            number += 1
            ticket = Ticket(number=number, subject=text_[:60], channel=Channel.EMAIL, line_id=line.id,
                            status=Status.DONE if n < TICKETS else Status.NEW, created_at=NOW, updated_at=NOW,
                            line_entered_at=NOW, category_id=categories[category].id if n < TICKETS else None)
            session.add(ticket)
            session.flush()
            session.add(Message(ticket_id=ticket.id, direction=Direction.IN, channel=Channel.EMAIL, subject=text_[:60],
                                body_text=f"Hello,\n{text_}\nThanks", sent_at=NOW, created_at=NOW))
        session.commit()
        new = list(session.scalars(select(Ticket).where(Ticket.category_id.is_(None)).order_by(Ticket.id)))
        suggest._cache.clear()
        started = time.perf_counter()
        suggest.category_model(session)
        learn = (time.perf_counter() - started) * 1000
        timings = []
        for ticket in new:
            started = time.perf_counter()
            suggest.for_ticket(session, ticket)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return learn, statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def fill_rest(sessions: Any, articles: list[Article], total: int) -> None:
    from sqlalchemy import select

    from app.kb import service
    from app.models import Agent

    rng = random.Random(11)
    vocabulary = {lang: " ".join(a.body for a in articles if a.lang == lang).split() for lang in ("en", "ru")}
    with sessions() as session:
        agent = session.scalar(select(Agent))
        for n in range(total - len(articles)):
            lang = "en" if n % 2 else "ru"
            words = vocabulary[lang]
            service.save(session, NOW, agent, service.Draft(
                title=" ".join(rng.choices(words, k=5)), body=" ".join(rng.choices(words, k=rng.randint(60, 200))),
                lang=lang, slug=f"filler-{n}"))
        session.commit()


def run(args: Any = None) -> list[Figure]:
    from app.migrate import upgrade
    from app.scratch_db import PostgresUnavailable, create_scratch_database, drop_scratch_database

    articles = load()
    total = int(os.environ.get("KB_BENCH_ARTICLES", TOTAL_ARTICLES))
    accuracy = category_accuracy(articles)
    figures = [Figure("kb: category accuracy, k nearest neighbours", accuracy["knn"], "%", f"{accuracy['n']:.0f} tickets"),
               Figure("kb: category accuracy, nearest centroid", accuracy["centroid"], "%", f"{accuracy['n']:.0f} tickets")]
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'kb.sqlite3'}"
        upgrade(url)
        figures += measure(url, "SQLite", articles, total)
    admin_url = os.environ.get("LINEDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        url = create_scratch_database(admin_url, prefix="linedesk_bench")
    except PostgresUnavailable as exc:
        figures.append(Figure("kb PostgreSQL: skipped", 0, "", str(exc)))
        return figures
    try:
        figures += measure(url, "PostgreSQL", articles, total)
    finally:
        drop_scratch_database(admin_url, url)
    return figures

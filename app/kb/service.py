"""The knowledge base's operations: write, change and remove articles, count readers' votes, list stale ones.

Every change to an article goes through here, because on SQLite its full-text index (`kb_articles_fts`: the
stems of its title, tags and body, and its language; published articles only; app.kb.text) is kept by this
module in the same transaction as the article row; PostgreSQL keeps its generated `search_vector` by itself.
Any active agent writes and edits articles; the article's owner or a manager removes one. The caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.kb.text import LANGUAGES, stem_line
from app.models import Agent, KbArticle

_SLUG = re.compile(r"[^a-z0-9а-яё]+")


@dataclass(frozen=True)
class Draft:
    """What an agent typed: the form of the article editor."""

    title: str
    body: str
    lang: str = "en"
    category: str = ""
    tags: str = ""
    published: bool = True
    review_at: datetime | None = None
    owner_id: int | None = None  # None: the author (on create) or unchanged (on edit)
    slug: str = ""


def slugify(title: str) -> str:
    return _SLUG.sub("-", title.lower()).strip("-")[:120] or "article"


def save(session: Session, now: datetime, agent: Agent, draft: Draft, article_id: int | None = None) -> KbArticle:
    """Create (article_id None) or change an article, and index it."""
    if not agent.active:
        raise PermissionDenied(f"{agent.email} is deactivated")
    title, body = (draft.title or "").strip()[:300], (draft.body or "").strip()
    if not title or not body:
        raise InvalidInput("an article needs a title and a text", fields=["title", "body"])
    if draft.lang not in LANGUAGES:
        raise InvalidInput(f"the language must be one of {', '.join(LANGUAGES)}", fields=["lang"])
    slug = slugify(draft.slug or title)
    clash = session.scalar(select(KbArticle.id).where(KbArticle.lang == draft.lang, KbArticle.slug == slug))
    if clash is not None and clash != article_id:
        raise Conflict(f"there is already an article at /{draft.lang}/{slug}; give this one another title or slug")
    article = KbArticle(created_at=now, owner_id=draft.owner_id or agent.id) if article_id is None else get(session, article_id)
    if article_id is not None and draft.owner_id:
        article.owner_id = draft.owner_id
    article.title, article.body, article.lang, article.slug = title, body, draft.lang, slug
    article.category = (draft.category or "").strip()[:200]
    article.tags = ", ".join(t.strip() for t in (draft.tags or "").split(",") if t.strip())[:500]
    article.published, article.review_at = draft.published, draft.review_at
    article.updated_at, article.updated_by_id = now, agent.id
    session.add(article)
    session.flush()
    reindex(session, article)
    return article


def delete(session: Session, agent: Agent, article_id: int) -> None:
    article = get(session, article_id)
    if not (agent.active and (agent.is_manager or article.owner_id == agent.id)):
        raise PermissionDenied("only the article's owner or a manager removes it")
    _unindex(session, article.id)
    session.delete(article)
    session.flush()


def get(session: Session, article_id: int) -> KbArticle:
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article


def by_slug(session: Session, lang: str, slug: str, *, published_only: bool = True) -> KbArticle:
    query = select(KbArticle).where(KbArticle.lang == lang, KbArticle.slug == slug)
    if published_only:
        query = query.where(KbArticle.published.is_(True))
    article = session.scalar(query)
    if article is None:
        raise NotFound(f"no article /{lang}/{slug}")
    return article


def listing(session: Session, lang: str | None = None, *, published_only: bool = True) -> list[KbArticle]:
    query = select(KbArticle).order_by(KbArticle.category, KbArticle.title)
    if lang:
        query = query.where(KbArticle.lang == lang)
    if published_only:
        query = query.where(KbArticle.published.is_(True))
    return list(session.scalars(query))


def vote(session: Session, article_id: int, helpful: bool) -> None:
    """One reader's "did this help?": a counter bumped in the database (no read-modify-write race)."""
    column = KbArticle.helpful_yes if helpful else KbArticle.helpful_no
    done = session.execute(update(KbArticle).where(KbArticle.id == article_id, KbArticle.published.is_(True))
                           .values({column: column + 1}).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise NotFound(f"no article {article_id}")


def stale_for(session: Session, owner_id: int, now: datetime) -> list[KbArticle]:
    """The owner's articles past their review date, oldest first: what their digest flags."""
    return list(session.scalars(select(KbArticle).where(
        KbArticle.owner_id == owner_id, KbArticle.review_at.is_not(None), KbArticle.review_at <= now)
        .order_by(KbArticle.review_at, KbArticle.id)))


# ----- the SQLite index --------------------------------------------------------------------------------------
def reindex(session: Session, article: KbArticle) -> None:
    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL: search_vector is a generated column
    _unindex(session, article.id)
    if not article.published:
        return  # only published articles are searched: a draft is not in the index at all
    session.execute(text("INSERT INTO kb_articles_fts (rowid, title, tags, body, lang) "
                         "VALUES (:id, :title, :tags, :body, :lang)"),
                    {"id": article.id, "title": stem_line(article.title, article.lang), "lang": article.lang,
                     "tags": stem_line(article.tags, article.lang), "body": stem_line(article.body, article.lang)})


def _unindex(session: Session, article_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM kb_articles_fts WHERE rowid = :id"), {"id": article_id})

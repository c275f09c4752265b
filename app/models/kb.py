"""The knowledge base: articles agents write, customers read on the public site, and suggestions draw on.

An article is Markdown in one language ("en", "ru"), with a category (the site's sections), tags (comma
separated), an owner who keeps it fresh by `review_at` (past it, the owner's digest says so), and the readers'
"did this help?" counts. What is searched is not on this model: the full-text index lives beside it, made by
the migration — on SQLite an FTS5 table `kb_articles_fts` kept by `app.kb.service`, on PostgreSQL a generated
tsvector column `search_vector` with a GIN index (app/kb/schema.py says why autogenerate ignores both).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.directory import Agent
from app.models.types import UTCDateTime


class KbArticle(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (
        UniqueConstraint("lang", "slug"),
        # The digest's "past its review date" list per owner (app.kb.service.stale_for).
        Index("ix_kb_articles_owner_review", "owner_id", "review_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown, rendered by app.kb.render (sanitised)
    category: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[str] = mapped_column(String(500), default="")  # "password, login"
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    review_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    helpful_yes: Mapped[int] = mapped_column(Integer, default=0)
    helpful_no: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))

    owner: Mapped[Agent | None] = relationship(foreign_keys=[owner_id])

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

"""Which article, if any, a new ticket's acknowledgement carries as an automatic answer.

Per line and off by default: the setup file's `auto_answer = true` on a line turns it on, and
`auto_answer_threshold` (0…1, default 0.75) is the confidence (app.kb.suggest) the best article must reach.
The default comes from benchmarks/kb.py: at 0.75 about two thirds of the labelled questions are answered, and
the right article is sent in about 97 % of those. The acknowledgement then says "this may answer your
question", links the article and a signed "this solved it" link (app.kb.links), and always says that a reply
reaches a person — there is no dead end.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.clock import Clock
from app.kb.links import AnswerLinks
from app.kb.render import snippet
from app.kb.suggest import best_answer, ticket_text
from app.models import KbArticle, Ticket

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AutoAnswer:
    article_id: int
    title: str
    summary: str
    article_url: str
    solved_url: str
    confidence: float
    lang: str


def links_from_env(clock: Clock) -> AnswerLinks | None:
    """Links for the sync process, from its environment: PUBLIC_URL (where customers reach us) and SECRET_KEY."""
    from app.config import Settings

    settings = Settings.from_env(os.environ)
    if not settings.public_url:
        return None
    return AnswerLinks(settings.secret_key, clock, base_url=settings.public_url)


def choose(session: Session, ticket: Ticket, links: AnswerLinks | None) -> AutoAnswer | None:
    """The automatic answer for `ticket`, or None (line not opted in, no links configured, nothing sure enough)."""
    line = ticket.line
    if not line.auto_answer:
        return None
    if links is None:
        log.warning("line %s answers automatically but PUBLIC_URL is not set: no link could be sent", line.slug)
        return None
    best = best_answer(session, ticket_text(session, ticket))
    if best is None or best.confidence < line.auto_answer_threshold:
        return None
    article = session.get(KbArticle, best.id)
    assert article is not None
    return AutoAnswer(article.id, article.title, snippet(article.body, 300), links.article_url(article.lang, article.slug),
                      links.solved_url(ticket.id, article.id, article.lang), best.confidence, article.lang)

"""Suggestions put to use from a panel: answer the customer with a link to an article, in one click.

The reply is written for the customer in the article's language — a greeting, the article's title and public
link, and that a reply reaches a person — and sent exactly as a canned response is (`gmail_sync.outbound.reply`
through the outbox: once, into the customer's Gmail thread, recorded on the ticket as the agent's answer).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.domain.errors import InvalidInput, RuleViolation
from app.models import Agent, KbArticle
from app.panel.model import load_ticket
from app.workflow import Workflow

TEXT = {
    "en": "Hello {name},\n\nthis article answers your question:\n{title}\n{url}\n\nIf anything is still unclear, just "
          "reply to this mail.\n\n{agent}",
    "ru": "Здравствуйте, {name}!\n\nОтвет на ваш вопрос есть в этой статье:\n{title}\n{url}\n\nЕсли что-то осталось "
          "непонятным, просто ответьте на это письмо.\n\n{agent}",
}


def article_reply(article: KbArticle, base_url: str, customer: str, agent: str) -> str:
    url = f"{base_url.rstrip('/')}/kb/{article.lang}/{article.slug}"
    return TEXT.get(article.lang, TEXT["en"]).format(name=customer, title=article.title, url=url, agent=agent)


def send_article(session: Session, sessions: sessionmaker[Session], clock: Clock, endpoint: str | None, agent: Agent,
                 number: int, article_id: int | None, base_url: str, *, via: str) -> str:
    from gmail_sync.outbound import reply_through_mailbox

    ticket = load_ticket(session, number)
    wf = Workflow(session, clock, via=via)
    wf.require_view(agent, ticket)
    wf.require_work(agent, ticket)
    article = session.get(KbArticle, article_id) if article_id else None
    if article is None or not article.published:
        raise InvalidInput("choose a published article")
    if ticket.mailbox is None:
        raise RuleViolation(f"#{number} did not come by mail: there is no mailbox to answer from")
    customer = ticket.customer.name if ticket.customer and ticket.customer.name else (
        "клиент" if article.lang == "ru" else "customer")
    text, title, email = article_reply(article, base_url, customer, agent.name), article.title, agent.email
    reply_through_mailbox(session, sessions, clock, endpoint, ticket.mailbox, number, text, email, via=via)
    return f"Link to “{title}” sent to the customer"

"""Automatic answers in the reports: of the tickets created in a period, how many the knowledge base answered
by itself, and how many of those came back.

From the audit trail, per line (the ticket's current line), over the tickets created in [start, end) and the
page's filters (`Scope`):
- **new**: tickets created;
- **offered**: those whose acknowledgement carried an article (event `auto_answer_offered`);
- **answered automatically**: those the customer closed with "this solved it" (event `answered_automatically`);
  the share is of *new* tickets — the figure the issue asks for ("share answered automatically");
- **reopened**: of those answered automatically, the ones that the customer reopened afterwards (a `status`
  event to `reopened` after the `answered_automatically` one) — the automatic answer did not solve it after all.
Three GROUP BY queries, whatever the number of tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from app.models import Line, Ticket, TicketEvent
from app.reports.figures import Scope
from app.workflow.auto_answer import ANSWERED, OFFERED


@dataclass(frozen=True)
class AutoAnswerFigures:
    line: str
    new: int
    offered: int
    answered: int
    reopened: int

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.new if self.new else None

    @property
    def share_reopened(self) -> float | None:
        return self.reopened / self.answered if self.answered else None


def auto_answer_figures(scope: Scope) -> list[AutoAnswerFigures]:
    """Per line that had a new ticket in the period, with a total row last (line "All lines")."""
    created = scope._lines(Ticket.created_at >= scope.start, Ticket.created_at < scope.end)
    new = dict(scope.session.execute(select(Ticket.line_id, func.count()).where(*created).group_by(Ticket.line_id)).all())
    counted = {}
    for kind in (OFFERED, ANSWERED):
        counted[kind] = dict(scope.session.execute(
            select(Ticket.line_id, func.count(func.distinct(Ticket.id))).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(*created, TicketEvent.kind == kind).group_by(Ticket.line_id)).all())
    answered, later = aliased(TicketEvent), aliased(TicketEvent)
    reopened = dict(scope.session.execute(
        select(Ticket.line_id, func.count(func.distinct(Ticket.id))).join(answered, answered.ticket_id == Ticket.id)
        .where(*created, answered.kind == ANSWERED, exists().where(and_(
            later.ticket_id == Ticket.id, later.kind == "status", later.to_value == "reopened", later.id > answered.id)))
        .group_by(Ticket.line_id)).all())
    names = dict(scope.session.execute(select(Line.id, Line.name).where(Line.id.in_(list(new)))).all()) if new else {}
    rows = [AutoAnswerFigures(names[line_id], count, counted[OFFERED].get(line_id, 0), counted[ANSWERED].get(line_id, 0),
                              reopened.get(line_id, 0)) for line_id, count in new.items()]
    rows.sort(key=lambda r: r.line)
    total = AutoAnswerFigures("All lines", sum(r.new for r in rows), sum(r.offered for r in rows),
                              sum(r.answered for r in rows), sum(r.reopened for r in rows))
    return [*rows, total]


def auto_answers_report(r):  # r: app.reports.tables.Request
    from app.reports.tables import Column, Report, Table

    rows = tuple((f.line, f.new, f.offered, f.answered, f.share_answered, f.reopened, f.share_reopened)
                 for f in auto_answer_figures(r.scope()))
    columns = (Column("Line", "text"), Column("New tickets"), Column("Offered an article"),
               Column("Answered automatically"), Column("Share answered automatically", "share"),
               Column("Reopened after"), Column("Share of those reopened", "share"))
    return Report("auto_answers", "Automatic answers", (Table("auto-answers", "Automatic answers by line", columns, rows),))

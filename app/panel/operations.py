"""The actions an agent takes from a panel, by name, read from a form: one table both agent surfaces use.

`perform(wf, agent, ticket, name, field)` calls the one workflow action `name` as `agent`, with the form's
values read through `field(name) -> str | None` (the add-on's formInputs, the web's POST form), and returns the
sentence to show the agent. Refusals are the workflow's typed errors; the caller rolls back and shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from app.directory import agent_by_email, line_by_slug
from app.domain.errors import InvalidInput, NotFound
from app.models import Agent, Priority, Ticket
from app.workflow import Workflow

Field = Callable[[str], "str | None"]


def required(field: Field, name: str, what: str) -> str:
    value = (field(name) or "").strip()
    if not value:
        raise InvalidInput(f"{what} is needed")
    return value


def _claim(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    wf.claim(ticket, agent)
    return f"#{ticket.number} is yours"


def _assign(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    assignee = agent_by_email(wf.session, required(field, "assignee", "the agent to assign"))
    wf.assign(ticket, agent, assignee)
    return f"#{ticket.number} assigned to {assignee.name}"


def _start(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    wf.start(ticket, agent)
    return f"#{ticket.number} is in progress"


def _priority(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    value = required(field, "priority", "a priority")
    try:
        priority = Priority(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a priority") from None
    wf.set_priority(ticket, agent, priority)
    return f"Priority: {priority.value}"


def _category(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    wf.set_category(ticket, agent, required(field, "category", "a category"))
    return "Category set"


def _transfer(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    line = line_by_slug(wf.session, required(field, "line", "a line"))
    wf.transfer(ticket, agent, line, required(field, "transfer_note", "a note for the next line"))
    return f"#{ticket.number} transferred to {line.name}"


def _pass_back(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    wf.pass_back(ticket, agent, required(field, "pass_back_note", "a note saying what was found or done"))
    return f"#{ticket.number} passed back"


def _subtask(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    child = wf.open_subtask(ticket, agent, required(field, "subtask_note", "a note saying what to do"))
    return f"Subtask #{child.number} opened"


def _note(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    wf.add_note(ticket, agent, required(field, "note", "the note's text"))
    return "Note added"


def _done(wf: Workflow, agent: Agent, ticket: Ticket, field: Field) -> str:
    wf.mark_done(ticket, agent, field("problem"), field("resolution"))
    return f"#{ticket.number} is done"


OPERATIONS: dict[str, Callable[[Workflow, Agent, Ticket, Field], str]] = {
    "claim": _claim, "assign": _assign, "start": _start, "priority": _priority, "category": _category,
    "transfer": _transfer, "pass_back": _pass_back, "subtask": _subtask, "note": _note, "done": _done,
}


def perform(wf: Workflow, agent: Agent, ticket: Ticket, name: str, field: Field) -> str:
    """Run action `name`; the viewer must be able to see the ticket first (a 403, never a hint of its content)."""
    operation = OPERATIONS.get(name)
    if operation is None:
        raise NotFound(f"no action {name!r}")
    wf.require_view(agent, ticket)
    return operation(wf, agent, ticket, field)

"""Google Workspace card JSON for the Gmail sidebar, built from the panel model (app/panel).

Card text is rendered by Google with a small HTML subset (<b>, <i>, <a>, <font>), so every value that comes
from people — subjects, names, notes, mail — is HTML-escaped here; only our own markup is not. Lists are cut to
the last few entries (the whole history is on the web panel) so no section comes near Google's limit of 100
widgets. Every card this module can make is validated against tests/addon/card_schema.json.

A card is `{"header": …, "sections": […]}`; the views wrap it: `first_render(card)` for a trigger,
`after_click(card)` for a button.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.models import Priority
from app.panel.actions import Choice
from app.panel.model import Panel
from app.panel.queues import QueueRow, Queues

Widget = dict[str, Any]
LAST_EVENTS, LAST_MESSAGES, LAST_NOTES, QUEUE_ROWS, MESSAGE_CHARS = 25, 8, 20, 20, 1500


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


# ----- envelopes ---------------------------------------------------------------------------------------------
def first_render(card: dict[str, Any]) -> dict[str, Any]:
    return {"action": {"navigations": [{"pushCard": card}]}}


def after_click(card: dict[str, Any], notification: str | None = None, *, push: bool = False) -> dict[str, Any]:
    action: dict[str, Any] = {"navigations": [{"pushCard" if push else "updateCard": card}]}
    if notification:
        action["notification"] = {"text": notification[:200]}
    return {"renderActions": {"action": action}}


# ----- widgets -----------------------------------------------------------------------------------------------
def card(title: str, subtitle: str | None, sections: Sequence[dict[str, Any]]) -> dict[str, Any]:
    header: dict[str, Any] = {"title": esc(title)[:200]}
    if subtitle:
        header["subtitle"] = esc(subtitle)[:200]
    return {"header": header, "sections": [s for s in sections if s["widgets"]]}


def section(header: str | None, widgets: Iterable[Widget], *, collapsible: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"widgets": list(widgets)[:100]}
    if header:
        result["header"] = esc(header)
    if collapsible is not None and len(result["widgets"]) > collapsible:
        result["collapsible"] = True
        result["uncollapsibleWidgetsCount"] = collapsible
    return result


def fact(label: str, value: object, *, on_click: dict[str, Any] | None = None) -> Widget:
    widget: dict[str, Any] = {"topLabel": esc(label), "text": esc(value) or "—", "wrapText": True}
    if on_click:
        widget["onClick"] = on_click
    return {"decoratedText": widget}


def paragraph(text_html: str) -> Widget:
    return {"textParagraph": {"text": text_html}}


def action(url: str, **params: object) -> dict[str, Any]:
    return {"action": {"function": url, "parameters": [{"key": k, "value": str(v)} for k, v in params.items()]}}


def buttons(url: str, *specs: tuple[str, dict[str, object]]) -> Widget:
    return {"buttonList": {"buttons": [{"text": text, "onClick": action(url, **params)} for text, params in specs]}}


def text_input(name: str, label: str, *, multiline: bool = False, value: str | None = None) -> Widget:
    widget: dict[str, Any] = {"name": name, "label": label, "type": "MULTIPLE_LINE" if multiline else "SINGLE_LINE"}
    if value:
        widget["value"] = value
    return {"textInput": widget}


def dropdown(name: str, label: str, choices: Sequence[Choice], selected: str | None = None) -> Widget:
    items = [{"text": c.label, "value": c.value, "selected": c.value == selected} for c in choices]
    return {"selectionInput": {"name": name, "label": label, "type": "DROPDOWN", "items": items}}


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d %b %H:%M") if moment else "—"


def left(seconds: int) -> str:
    minutes = abs(seconds) // 60
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"in {span}" if seconds >= 0 else f"missed by {span}"


# ----- cards -------------------------------------------------------------------------------------------------
def notice_card(title: str, text: str) -> dict[str, Any]:
    return card(title, None, [section(None, [paragraph(esc(text))])])


def ticket_card(panel: Panel, url: str, zone: ZoneInfo, suggested: Any = None, kb_base: str = "") -> dict[str, Any]:
    n = panel.number
    facts = [paragraph(f"⚠ <b>{esc(o.name)}</b> {'is replying to' if o.replying else 'is viewing'} this ticket")
             for o in panel.others]
    facts += [fact("Status", panel.status.replace("_", " ")), fact("Line", panel.line),
             fact("Assignee", panel.assignee or "nobody yet"), fact("Priority", panel.priority),
             fact("Category", panel.category or "—"), fact("Deadline", when(panel.deadline, zone)),
             fact("Created", when(panel.created_at, zone))]
    if panel.flags:
        facts.append(fact("Flags", ", ".join(panel.flags)))
    facts += [fact(f"Target: {t.name}", f"{left(t.seconds_left)} ({when(t.due_at, zone)})") for t in panel.targets]
    if panel.parent:
        facts.append(fact("Subtask of", f"#{panel.parent}", on_click=action(url, do="open", number=panel.parent)))
    return card(f"#{n} {panel.subject}", f"{panel.status.replace('_', ' ')} · {panel.line}", [
        section("Ticket", facts),
        section("Actions", _action_widgets(panel, url)),
        section("Suggested", _suggested_widgets(panel, url, suggested, kb_base) if suggested is not None else []),
        _customer_section(panel, url, zone),
        section("Notes", [paragraph(f"<b>{esc(note.author)}</b> {when(note.created_at, zone)}<br>{esc(note.text)}")
                          for note in panel.notes[-LAST_NOTES:]], collapsible=3),
        section("Conversation", [_message(m, zone) for m in panel.messages[-LAST_MESSAGES:]], collapsible=2),
        section("Audit trail", [paragraph(_event(e, zone)) for e in panel.events[-LAST_EVENTS:]], collapsible=3),
    ])


def _action_widgets(panel: Panel, url: str) -> list[Widget]:
    a, n = panel.actions, panel.number
    quick = [(label, {"do": do, "number": n}) for label, do, on in
             (("Claim", "claim", a.claim), ("Start", "start", a.start)) if on]
    widgets: list[Widget] = [buttons(url, *quick)] if quick else []
    if a.assign_to:
        widgets += [dropdown("assignee", "Assign to", a.assign_to), buttons(url, ("Assign", {"do": "assign", "number": n}))]
    if a.priorities:
        widgets.append(dropdown("priority", "Priority", [Choice(p, p) for p in a.priorities], panel.priority))
        set_buttons = [("Set priority", {"do": "priority", "number": n})]
        if a.categories:
            widgets.append(dropdown("category", "Category", [Choice(c, c) for c in a.categories], panel.category))
            set_buttons.append(("Set category", {"do": "category", "number": n}))
        widgets.append(buttons(url, *set_buttons))
    if a.transfer_to:
        widgets += [dropdown("line", "Transfer to", a.transfer_to),
                    text_input("transfer_note", "Note for the next line", multiline=True),
                    buttons(url, ("Transfer", {"do": "transfer", "number": n}))]
    if a.pass_back_to:
        widgets += [text_input("pass_back_note", f"What was found or done (back to {a.pass_back_to})", multiline=True),
                    buttons(url, ("Pass back", {"do": "pass_back", "number": n}))]
    if a.subtask:
        widgets += [text_input("subtask_note", "What development should do", multiline=True),
                    buttons(url, ("Development subtask", {"do": "subtask", "number": n}))]
    if a.replies:
        widgets += [dropdown("canned", "Reply to the customer with", a.replies),
                    buttons(url, ("Send reply", {"do": "reply", "number": n}))]
    if a.note:
        widgets += [text_input("note", "Internal note", multiline=True), buttons(url, ("Add note", {"do": "note", "number": n}))]
    if a.done:
        widgets += [text_input("problem", "The problem, in the customer's words", multiline=True),
                    text_input("resolution", "What was done", multiline=True),
                    buttons(url, ("Done", {"do": "done", "number": n}))]
    return widgets


def _suggested_widgets(panel: Panel, url: str, suggested: Any, kb_base: str) -> list[Widget]:
    """app.kb.suggest's articles, canned responses and category, each one click: send a link, send the canned
    response, set the category (through the same actions as the panel's own buttons)."""
    a, n, widgets = panel.actions, panel.number, []
    for s in suggested.articles:
        link = f"{kb_base.rstrip('/')}/kb/{s.lang}/{s.slug}"
        widgets.append(paragraph(f'📄 <a href="{esc(link)}">{esc(s.title)}</a>'))
        if a.replies:
            widgets.append(buttons(url, ("Send link", {"do": "send_article", "number": n, "article": s.id})))
    if suggested.canned and a.replies:
        widgets.append(buttons(url, *[(f"Send “{c.title}”"[:60], {"do": "reply", "number": n, "canned": c.id})
                                      for c in suggested.canned]))
    if suggested.category and suggested.category != panel.category and suggested.category in a.categories:
        widgets.append(buttons(url, (f"Set category: {suggested.category}"[:60],
                                     {"do": "category", "number": n, "category": suggested.category})))
    return widgets


def _customer_section(panel: Panel, url: str, zone: ZoneInfo) -> dict[str, Any]:
    c = panel.customer
    if c is None:
        return section("Customer", [paragraph("No customer on this ticket.")])
    widgets = [fact("Customer", c.name or (c.emails[0] if c.emails else "—"))]
    widgets += [fact(label, value) for label, value in (
        ("Email", ", ".join(c.emails)), ("Phone", ", ".join(c.phones)), ("Contract", c.contract),
        ("Company", c.company), ("Personal manager", c.personal_manager)) if value]
    if c.vip:
        widgets.append(fact("VIP", "yes"))
    widgets += [fact(f"#{e.number} · {e.status.replace('_', ' ')} · {when(e.created_at, zone)}", e.subject,
                     on_click=action(url, do="open", number=e.number)) for e in c.earlier]
    return section("Customer", widgets, collapsible=4)


def _message(m: Any, zone: ZoneInfo) -> Widget:
    arrow = "←" if m.direction == "in" else "→"
    body = m.text if len(m.text) <= MESSAGE_CHARS else m.text[:MESSAGE_CHARS] + "…"
    files = "".join(f"<br>📎 {esc(a.filename)} ({a.size:,} bytes)" for a in m.attachments)
    return paragraph(f"<b>{arrow} {esc(m.author)}</b> {when(m.sent_at, zone)}<br>{esc(body)}{files}")


def _event(e: Any, zone: ZoneInfo) -> str:
    change = " → ".join(esc(v) for v in (e.from_value, e.to_value) if v)
    note = f"<br><i>{esc(e.note)}</i>" if e.note else ""
    return f"{when(e.at, zone)} <b>{esc(e.kind)}</b> {change} · {esc(e.actor)} via {esc(e.via)}{note}"


def queue_card(queues: Queues, url: str, zone: ZoneInfo, now: datetime, agent_name: str) -> dict[str, Any]:
    search = [text_input("search", "Number, customer email or subject", value=queues.search),
              buttons(url, ("Search", {"do": "search"}), ("Refresh", {"do": "home"}))]
    sections = [section(None, search)]
    if queues.search is not None:
        sections.append(section(f"Found for “{queues.search}”", _rows(queues.found, url, zone, now)
                                or [paragraph("Nothing found.")]))
    for line in queues.lines:
        sections.append(section(f"{line.name}: waiting for a claim ({len(line.waiting)})",
                                _rows(line.waiting, url, zone, now, age=True), collapsible=10))
    for title, rows in (("Mine", queues.mine), ("Watching", queues.watching), ("Overdue", queues.overdue),
                        ("Ignored", queues.ignored)):
        sections.append(section(f"{title} ({len(rows)})", _rows(rows, url, zone, now), collapsible=10))
    return card("Linedesk", f"Queues of {agent_name}", sections)


def _rows(rows: Sequence[QueueRow], url: str, zone: ZoneInfo, now: datetime, *, age: bool = False) -> list[Widget]:
    def label(r: QueueRow) -> str:
        waited = int((now - r.waiting_since).total_seconds())
        tail = f"waiting {left(waited).replace('in ', '')}" if age else r.status.replace("_", " ")
        flags = f" · {', '.join(r.flags)}" if r.flags else ""
        return f"#{r.number} · {r.line} · {tail}{flags}"
    return [fact(label(r), f"{r.subject} — {r.customer or 'no customer'}", on_click=action(url, do="open", number=r.number))
            for r in rows[:QUEUE_ROWS]]


def create_card(lines: Sequence[Choice], url: str, message_id: str | None, thread_id: str | None,
                found: str | None = None) -> dict[str, Any]:
    """`found`: the opened message as a support mailbox holds it ("From …: subject"): the ticket is made of it, so
    no subject or customer is asked for."""
    if not lines:
        return notice_card("Not a ticket", "This message is not part of any ticket, and you cannot open tickets in any line.")
    priorities = [Choice(p.value, p.value) for p in Priority]
    asked = ([paragraph(f"The ticket will be made of this message. {html.escape(found)}")] if found
             else [text_input("subject", "Subject"), text_input("customer_email", "Customer's email")])
    widgets = [paragraph("This message is not part of any ticket."), *asked,
               dropdown("line", "Line", lines, lines[0].value),
               dropdown("priority", "Priority", priorities, Priority.NORMAL.value),
               buttons(url, ("Create ticket", {"do": "create", "message": message_id or "", "thread": thread_id or ""}))]
    return card("Not a ticket", None, [section("Create ticket", widgets)])

"""The Telegram bot end to end: webhook in (secret token checked), ticket through the workflow, the dialogue
mirrored into a Gmail thread of the local Gmail, the routing keyboard, attachments by getFile, and answers out
through the Bot API — from the web panel and from the Gmail thread itself (read back by the sync)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from app.channels.base import DeliveryFailed
from app.db import transaction
from app.models import (
    CannedResponse, Channel, ChannelConversation, ChannelMessage, OutboxMail, Ticket, TicketEvent, TicketThread,
)
from gmail_sync.client import GmailApi
from gmail_sync.runner import MailboxRunner, SyncOptions
from tests.channels.conftest import SECRET, SUPPORT, gmail_messages, text_of
from tests.desk.conftest import sign_in

CHAT = 5550001


def update(n: int, text: str = "", **extra):
    message = {"message_id": n, "date": 1700000000 + n, "chat": {"id": CHAT, "type": "private"},
               "from": {"id": CHAT, "first_name": "Ivan", "last_name": "Petrov", "username": "ivanp"}, **extra}
    if text:
        message["text"] = text
    return {"update_id": 9000 + n, "message": message}


def post(client, body, secret=SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/channels/telegram/webhook", json=body, headers=headers)


def ticket_of(Session, number):
    with transaction(Session) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        return ticket.channel, ticket.line.slug, [t.provider_thread_id for t in ticket.threads]


def test_the_webhook_refuses_a_missing_or_wrong_secret_token(app, Session):
    client = app.test_client()
    assert post(client, update(1, "hi"), secret=None).status_code == 403
    assert post(client, update(1, "hi"), secret="guess").status_code == 403
    with transaction(Session) as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_chat_becomes_a_ticket_and_a_gmail_thread_and_answers_go_back_through_telegram(
        app, Session, clock, gmail, bot, desk, monkeypatch):
    client = app.test_client()
    bot.add_file("doc-1", "documents/file_1.pdf", b"%PDF-1.4 the contract")

    # 1. The first message: a ticket in the telegram channel, acknowledged with the routing keyboard.
    first = post(client, update(1, "My site is down since the morning"))
    assert first.status_code == 200, first.get_data(as_text=True)
    number = first.get_json()["ticket"]
    assert first.get_json()["outcome"] == "new"
    keyboard_message = bot.sent()[-1]
    assert keyboard_message["chat_id"] == CHAT and f"#{number}" in keyboard_message["text"]
    buttons = [row[0]["callback_data"] for row in keyboard_message["reply_markup"]["inline_keyboard"]]
    assert buttons == [f"route:{number}:technical", f"route:{number}:not_technical", f"route:{number}:commercial"]

    # ... mirrored into the support mailbox: INBOX, unread, from a plus-address of our own mailbox.
    [mirrored] = gmail_messages(gmail)
    assert {"INBOX", "UNREAD"} <= set(mirrored["labelIds"])
    assert "via Telegram" in mirrored["mail"]["From"] and "support+telegram-" in mirrored["mail"]["From"]
    assert mirrored["mail"]["X-Linedesk-Mirror"] == "telegram"
    assert "My site is down" in text_of(mirrored["mail"])
    thread = mirrored["threadId"]
    channel, line, threads = ticket_of(Session, number)
    assert channel is Channel.TELEGRAM and line == "l1" and threads == [thread]

    # 2. A Telegram retry of the same update is stored once.
    assert post(client, update(1, "My site is down since the morning")).get_json()["outcome"] == "duplicate"

    # 3. The routing choice: 2nd line, explained in the audit; the button is answered.
    pressed = {"update_id": 9100, "callback_query": {"id": "cb-1", "from": {"id": CHAT}, "data": f"route:{number}:technical",
                                                       "message": {"message_id": 1001, "chat": {"id": CHAT}}}}
    assert post(client, pressed).status_code == 200
    assert ticket_of(Session, number)[1] == "l2"
    assert "2nd line" in bot.sent("answerCallbackQuery")[-1]["text"]
    with transaction(Session) as session:
        routed = session.scalar(select(TicketEvent).where(TicketEvent.kind == "routed"))
        assert routed.note == "routed to 2nd line by rule 'technical choice'"

    # 4. A document: fetched with getFile, kept, and attached to the Gmail copy; the same thread.
    doc = {"file_id": "doc-1", "file_name": "contract.pdf", "mime_type": "application/pdf", "file_size": 21}
    assert post(client, update(2, caption="Here is the contract", document=doc)).get_json()["outcome"] == "joined"
    assert bot.sent("getFile")[-1]["file_id"] == "doc-1"
    newest = gmail_messages(gmail)[0]
    assert newest["threadId"] == thread
    [attached] = [part for part in newest["mail"].iter_attachments()]
    assert attached.get_filename() == "contract.pdf" and attached.get_content() == b"%PDF-1.4 the contract"

    # 5. Bob answers from the web panel (a canned response): out through sendMessage, not by mail; mirrored as SENT.
    with transaction(Session) as session:
        canned = CannedResponse(line_id=desk.l2.id, title="Looking", body="Hello {customer_name}, we are on it.",
                                updated_at=clock.now())
        session.add(canned)
        session.flush()
        canned_id = canned.id
    csrf = sign_in(client, desk.bob.id)
    client.post(f"/desk/tickets/{number}/claim", data={"csrf_token": csrf})
    page = client.post(f"/desk/tickets/{number}/reply", data={"csrf_token": csrf, "canned": canned_id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Not sent" not in page, page
    answer = bot.sent()[-1]
    assert answer["chat_id"] == CHAT and answer["text"].startswith("Hello") and "on it" in answer["text"]
    with transaction(Session) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "reply")) == 0
        states = session.scalars(select(ChannelMessage.state).order_by(ChannelMessage.id)).all()
        assert states == ["received", "received", "sent"]
    sent_copy = gmail_messages(gmail)[0]
    assert sent_copy["threadId"] == thread and "SENT" in sent_copy["labelIds"]

    # 6. Bob answers in the Gmail thread itself: the sync records it, and it goes out through Telegram.
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot.token)
    monkeypatch.setenv("TELEGRAM_API_BASE", bot.url)
    api = GmailApi.connect(SUPPORT, gmail.url)
    runner = MailboxRunner(Session, api, SUPPORT, clock, SyncOptions())
    runner.sync_once()  # the mirrored messages are ours: nothing new on the ticket
    with transaction(Session) as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    to = newest["mail"]["From"]
    reply = (f"From: {SUPPORT}\r\nTo: {to}\r\nSubject: Re: {newest['mail']['Subject']}\r\n"
             f"In-Reply-To: {newest['mail']['Message-ID']}\r\nReferences: {newest['mail']['Message-ID']}\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease restart the router and tell me what you see.\r\n")
    gmail.service().users().messages().send(userId="me", body={
        "raw": base64.urlsafe_b64encode(reply.encode()).decode(), "threadId": thread}).execute()
    before = len(bot.sent())
    runner.sync_once()
    out = bot.sent()[before:]
    assert [m["text"].strip() for m in out] == ["Please restart the router and tell me what you see."]
    assert out[0]["chat_id"] == CHAT
    runner.sync_once()  # delivered once, however often the sync runs
    assert len(bot.sent()) == before + 1


def test_a_failed_delivery_is_retried_and_a_blocked_bot_fails_for_good(app, Session, clock, bot, desk):
    from app.channels.service import pick_up_gmail_replies, reply

    client = app.test_client()
    number = post(client, update(1, "Hello?")).get_json()["ticket"]
    with app.app_context():
        from app.web import runtime

        settings = runtime().settings
    bot.fail_next("sendMessage", 500)
    reply(Session, clock, number, "First answer", desk.kristina.email, gmail=None, settings=settings.extra["channels"])
    with transaction(Session) as session:
        row = session.scalars(select(ChannelMessage).order_by(ChannelMessage.id.desc())).first()
        assert row.state == "pending" and "500" in row.last_error
    assert pick_up_gmail_replies(Session, clock, settings=settings.extra["channels"]) == 1
    assert bot.sent()[-1]["text"] == "First answer"
    bot.fail_next("sendMessage", 403)
    with pytest.raises(DeliveryFailed, match="blocked by the user"):
        reply(Session, clock, number, "Second answer", desk.kristina.email, gmail=None, settings=settings.extra["channels"])
    with transaction(Session) as session:
        row = session.scalars(select(ChannelMessage).order_by(ChannelMessage.id.desc())).first()
        assert row.state == "failed" and "blocked" in row.last_error
        conversation = session.scalar(select(ChannelConversation))
        assert conversation.adapter == "telegram" and conversation.display_name == "Ivan Petrov"
        assert session.scalar(select(func.count()).select_from(TicketThread)) == 1


def test_messages_whose_gmail_copy_failed_are_mirrored_by_the_next_sync(app, Session, clock, gmail, bot, desk):
    from app.channels.service import reply

    client = app.test_client()
    number = post(client, update(1, "Hello?")).get_json()["ticket"]
    with app.app_context():
        from app.web import runtime

        channels = runtime().settings.extra["channels"]
    reply(Session, clock, number, "Answer while Gmail is away", desk.kristina.email, gmail=None, settings=channels)
    assert len(gmail_messages(gmail)) == 1  # only the customer's message
    runner = MailboxRunner(Session, GmailApi.connect(SUPPORT, gmail.url), SUPPORT, clock, SyncOptions())
    runner.sync_once()
    assert len(gmail_messages(gmail)) == 1  # too young: its own request may still be mirroring it
    clock.advance(minutes=2)
    runner.sync_once()
    copies = gmail_messages(gmail)
    assert len(copies) == 2 and len({m["threadId"] for m in copies}) == 1 and "SENT" in copies[0]["labelIds"]
    assert "Answer while Gmail is away" in text_of(copies[0]["mail"])
    runner.sync_once()
    assert len(gmail_messages(gmail)) == 2


def test_a_done_telegram_ticket_is_asked_for_feedback_with_buttons_and_the_press_is_recorded(app, Session, clock, bot,
                                                                                           desk):
    from app.feedback.links import FeedbackLinks
    from app.models import Feedback, Rating, Status
    from app.workflow import Workflow
    from gmail_sync.feedback_request import send_due

    client = app.test_client()
    number = post(client, update(1, "Cannot pay the invoice")).get_json()["ticket"]
    with transaction(Session) as session:
        wf = Workflow(session, clock, via="test")
        ticket = wf.ticket(number)
        wf.claim(ticket, session.merge(desk.kristina))
        wf.mark_done(ticket, session.merge(desk.kristina), "Cannot pay", "Payment page fixed")
    with app.app_context():
        asked = send_due(Session, clock, FeedbackLinks("t", clock, base_url="http://desk.test"), mailer=None)
    assert [(r.number, r.how) for r in asked] == [(number, "telegram")]
    question = bot.sent()[-1]
    assert question["chat_id"] == CHAT and f"#{number} is done" in question["text"]
    rows = question["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in rows[0]] == [f"fb:{number}:satisfied", f"fb:{number}:not_satisfied"]
    assert rows[1][0]["url"].startswith("http://desk.test/feedback/")

    stranger = {"update_id": 9300, "callback_query": {"id": "cb-x", "data": f"fb:{number}:not_satisfied",
                                                        "message": {"message_id": 1, "chat": {"id": 42}}}}
    post(client, stranger)
    assert bot.sent("answerCallbackQuery")[-1]["text"] == "That request is not yours."
    pressed = {"update_id": 9301, "callback_query": {"id": "cb-2", "data": f"fb:{number}:satisfied",
                                                       "message": {"message_id": 1, "chat": {"id": CHAT}}}}
    post(client, pressed)
    assert bot.sent("answerCallbackQuery")[-1]["text"] == "Thank you for your answer!"
    post(client, {**pressed, "update_id": 9302})
    assert "rated already" in bot.sent("answerCallbackQuery")[-1]["text"]
    with transaction(Session) as session:
        assert session.scalar(select(Feedback.rating)) is Rating.SATISFIED
        assert session.scalar(select(Ticket.status).where(Ticket.number == number)) is Status.COMPLETED


def test_a_failed_acknowledgement_does_not_make_telegram_send_the_update_again(app, Session, bot):
    client = app.test_client()
    bot.fail_next("sendMessage", 500)
    response = post(client, update(1, "Hello"))
    assert response.status_code == 200 and response.get_json()["outcome"] == "new"
    bot.fail_next("answerCallbackQuery", 500)
    number = response.get_json()["ticket"]
    pressed = {"update_id": 9400, "callback_query": {"id": "cb-9", "data": f"route:{number}:commercial",
                                                       "message": {"message_id": 1, "chat": {"id": CHAT}}}}
    assert post(client, pressed).status_code == 200
    assert ticket_of(Session, number)[1] == "commercial"


def test_the_mirrored_thread_is_labelled_as_the_ticket(app, Session, clock, gmail, bot):
    from labels.gmail_labels import push_ticket

    client = app.test_client()
    number = post(client, update(1, "Is the bot alive?")).get_json()["ticket"]
    api = GmailApi.connect(SUPPORT, gmail.url)
    assert push_ticket(api, Session, clock, number, read=True) == 1
    names = {label["id"]: label["name"] for label in gmail.service().users().labels().list(userId="me").execute()["labels"]}
    [mirrored] = gmail_messages(gmail)
    labelled = {names[i] for i in mirrored["labelIds"] if i.startswith("Label_")}
    assert any("1st line" in name for name in labelled), labelled


def test_a_name_with_line_breaks_cannot_inject_headers_into_the_gmail_copy(app, gmail, bot):
    hostile = update(1, "hello")
    hostile["message"]["from"]["first_name"] = "Eve\r\nBcc: victim@example.com\r\nX-Evil: 1"
    assert post(app.test_client(), hostile).status_code == 200
    [mirrored] = gmail_messages(gmail)
    assert mirrored["mail"]["Bcc"] is None and mirrored["mail"]["X-Evil"] is None
    assert "Eve Bcc: victim@example.com X-Evil: 1 Petrov via Telegram" in mirrored["mail"]["From"]

"""gmail_emulator.seed: the CoolXost demo mail — its content promises, its headers, and loading it via the API."""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gmail_emulator.mime import ParsedMessage, normalise_subject, parse_raw
from gmail_emulator.seed import SeedMail, seed_mailbox, seed_mails
from gmail_emulator.seed_data import AGENTS, THREADS, files

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUPPORT = "support@coolxost.com"


@pytest.fixture(scope="module")
def mails() -> list[SeedMail]:
    return seed_mails(NOW)


@pytest.fixture(scope="module")
def parsed(mails: list[SeedMail]) -> list[ParsedMessage]:
    return [parse_raw(mail.raw, attachment_id_seed=str(i)) for i, mail in enumerate(mails)]


def parts(payload: dict) -> Iterator[dict]:
    yield payload
    for child in payload.get("parts", []):
        yield from parts(child)


def header(p: ParsedMessage, name: str) -> str | None:
    return next((value for key, value in p.headers if key.lower() == name.lower()), None)


def test_seed_mails_is_deterministic_for_a_given_now(mails: list[SeedMail]) -> None:
    assert seed_mails(NOW) == mails
    later = seed_mails(NOW + timedelta(days=1))
    assert [m.raw for m in later] != [m.raw for m in mails]
    ids = [re.search(rb"Message-ID: (<[^>]+>)", m.raw).group(1) for m in mails]  # type: ignore[union-attr]
    assert [re.search(rb"Message-ID: (<[^>]+>)", m.raw).group(1) for m in later] == ids  # type: ignore[union-attr]
    assert len(set(ids)) == len(ids)


def test_naive_now_is_taken_as_utc(mails: list[SeedMail]) -> None:
    assert seed_mails(NOW.replace(tzinfo=None)) == mails


def test_mails_are_chronological_and_spread_over_the_last_20_days(parsed: list[ParsedMessage]) -> None:
    dates = [p.date_ms for p in parsed]
    assert all(d is not None for d in dates)
    assert dates == sorted(dates)  # type: ignore[type-var]
    now_ms = int(NOW.timestamp() * 1000)
    assert now_ms - 21 * 86_400_000 <= dates[0] and dates[-1] <= now_ms  # type: ignore[operator]
    assert now_ms - dates[0] > 15 * 86_400_000 and now_ms - dates[-1] < 86_400_000  # type: ignore[operator]


def test_there_are_at_least_30_threads_both_directions(mails: list[SeedMail]) -> None:
    assert len({m.thread_key for m in mails}) >= 30
    assert {m.direction for m in mails} == {"in", "out"}


def test_every_mail_parses_and_is_well_formed(mails: list[SeedMail], parsed: list[ParsedMessage]) -> None:
    for mail, p in zip(mails, parsed, strict=True):
        assert p.raw == mail.raw and p.subject and p.message_id and p.snippet
        lines = mail.raw.split(b"\r\n")
        assert all(b"\n" not in line and len(line) <= 998 for line in lines)
        if mail.direction == "out":
            assert SUPPORT in p.from_addr and p.message_id.endswith("@coolxost.com>")  # type: ignore[union-attr]
        else:
            assert p.to_addrs == [SUPPORT]


def test_languages(parsed: list[ParsedMessage]) -> None:
    texts = [p.text for p in parsed]
    assert sum(bool(re.search(r"[а-яё]{4}", t, re.IGNORECASE)) for t in texts) >= 8
    assert sum(bool(re.search(r"[\u3040-\u30ff]{3}", t)) for t in texts) >= 8
    assert sum(bool(re.search(r"\b(?:the|and|please)\b", t)) for t in texts) >= 30


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251", "iso-2022-jp"])
def test_legacy_charsets_in_bodies_and_encoded_subjects(
    charset: str, mails: list[SeedMail], parsed: list[ParsedMessage]
) -> None:
    found = [(m, p) for m, p in zip(mails, parsed, strict=True) if f"charset={charset}".encode() in m.raw]
    assert found
    for mail, p in found:
        assert f"=?{charset}?".encode() in mail.raw.split(b"\r\n\r\n")[0].lower()
        assert re.search(r"[а-яё\u3040-\u30ff]", p.subject, re.IGNORECASE)
        assert "\ufffd" not in p.text


def test_html_only_mail_with_css_a_tracking_pixel_and_a_script(parsed: list[ParsedMessage]) -> None:
    html_only = [p for p in parsed if p.payload["mimeType"] == "text/html"]
    assert len(html_only) >= 3
    bodies = [base64.urlsafe_b64decode(p.payload["body"]["data"]).decode("utf-8") for p in html_only]
    assert any(re.search(r'<img [^>]*width="1" height="1"', body) for body in bodies)
    assert any("<script>" in body for body in bodies)
    assert all("style=" in body for body in bodies)
    assert all("<" not in p.snippet and "fetch(" not in p.text for p in html_only)


@pytest.mark.parametrize(
    ("mime_type", "filename_suffix", "make", "magic"),
    [
        ("image/png", ".png", files.control_panel_screenshot, b"\x89PNG\r\n\x1a\n"),
        ("application/pdf", ".pdf", files.invoice_pdf, b"%PDF-1.4"),
        ("text/plain", ".log", files.boot_log, b"[    0.000000] Linux"),
    ],
)
def test_attachments_arrive_byte_for_byte(
    parsed: list[ParsedMessage], mime_type: str, filename_suffix: str, make: Callable[[], bytes], magic: bytes
) -> None:
    found = [
        (p, part) for p in parsed for part in parts(p.payload)
        if part["mimeType"] == mime_type and part["filename"].endswith(filename_suffix)
    ]
    assert len(found) == 1
    p, part = found[0]
    assert p.has_attachment
    data = p.attachments[part["body"]["attachmentId"]]
    assert data == make() and data.startswith(magic) and part["body"]["size"] == len(data)


def test_out_of_office_auto_reply(mails: list[SeedMail], parsed: list[ParsedMessage]) -> None:
    auto = [(m, p) for m, p in zip(mails, parsed, strict=True) if header(p, "Auto-Submitted") == "auto-replied"
            and "MAILER-DAEMON" not in p.from_addr]
    assert len(auto) == 1
    mail, p = auto[0]
    assert mail.direction == "in" and p.subject.startswith("Automatic reply:")
    assert p.in_reply_to and p.in_reply_to.endswith("@coolxost.com>")


def test_bounce_is_a_delivery_status_report_about_a_support_reply(parsed: list[ParsedMessage]) -> None:
    bounces = [p for p in parsed if p.payload["mimeType"] == "multipart/report"]
    assert len(bounces) == 1
    bounce = bounces[0]
    assert "MAILER-DAEMON@" in bounce.from_addr
    assert "report-type=delivery-status" in (header(bounce, "Content-Type") or "")
    types = [part["mimeType"] for part in bounce.payload["parts"]]
    assert types == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    returned = re.search(r"Message-ID: (<[^>]+>)", bounce.text)
    assert returned is not None
    original = next(p for p in parsed if p.message_id == returned.group(1))
    assert SUPPORT in original.from_addr and original.to_addrs == ["anna@greenleaf-tea.con"]
    assert original.date_ms < bounce.date_ms  # type: ignore[operator]


def test_reply_chains_are_consistent(mails: list[SeedMail], parsed: list[ParsedMessage]) -> None:
    by_id = {p.message_id: (m, p, i) for i, (m, p) in enumerate(zip(mails, parsed, strict=True))}
    longest: dict[str, int] = defaultdict(int)
    for index, (mail, p) in enumerate(zip(mails, parsed, strict=True)):
        if p.in_reply_to is None:
            continue
        parent_mail, parent, parent_index = by_id[p.in_reply_to]
        assert parent_mail.thread_key == mail.thread_key and parent_index < index
        assert p.references == parent.references + [parent.message_id]
        assert normalise_subject(p.subject).endswith(normalise_subject(parent.subject))
        longest[mail.thread_key] = max(longest[mail.thread_key], len(p.references) + 1)
    assert max(longest.values()) >= 5
    replies = [(m, p) for m, p in zip(mails, parsed, strict=True) if m.direction == "out"]
    assert all(p.in_reply_to for _, p in replies)


def test_a_customer_writes_again_with_a_new_subject_while_a_request_is_open(
    mails: list[SeedMail], parsed: list[ParsedMessage]
) -> None:
    threads: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, (mail, p) in enumerate(zip(mails, parsed, strict=True)):
        if mail.direction == "in" and p.from_addr:
            threads[p.from_addr][mail.thread_key].append(i)
    repeaters = {sender: keys for sender, keys in threads.items() if len(keys) >= 2}
    assert repeaters
    for keys in repeaters.values():
        (first, first_idx), (second, second_idx) = sorted(keys.items(), key=lambda kv: kv[1][0])[:2]
        assert normalise_subject(parsed[first_idx[0]].subject) != normalise_subject(parsed[second_idx[0]].subject)
        answered = [i for i, m in enumerate(mails) if m.thread_key == first]
        assert mails[answered[-1]].direction == "out"  # the first request is still with support, not closed


def test_support_address_is_a_parameter() -> None:
    mails = seed_mails(NOW, "help@example.org")
    out = [parse_raw(m.raw, attachment_id_seed="x") for m in mails if m.direction == "out"]
    assert out and all("help@example.org" in p.from_addr for p in out)
    assert all(p.message_id.endswith("@example.org>") for p in out)  # type: ignore[union-attr]


def test_every_support_reply_is_signed_by_the_agent_it_names() -> None:
    for thread in THREADS:
        for mail in thread.mails:
            if mail.direction == "out":
                name, line = AGENTS[mail.agent]
                assert f"\n{name}\n" in mail.body and line in mail.body, (thread.key, mail.agent)


# --- against the running emulator ------------------------------------------------------------------------------


def test_seed_mailbox_imports_everything_once(emulator: Any, gmail: Any) -> None:
    now = datetime.now(UTC)
    expected = seed_mails(now, emulator.address)
    added = seed_mailbox(gmail, emulator.address, now)
    assert added == len(expected)
    profile = gmail.users().getProfile(userId=emulator.address).execute()
    assert profile["messagesTotal"] == len(expected)
    assert len({m.thread_key for m in expected}) <= profile["threadsTotal"] < len(expected)

    assert seed_mailbox(gmail, emulator.address, now) == 0
    assert seed_mailbox(gmail, emulator.address, now + timedelta(days=1)) == 0
    assert gmail.users().getProfile(userId=emulator.address).execute()["messagesTotal"] == len(expected)


def test_seeded_mailbox_answers_searches(emulator: Any, gmail: Any) -> None:
    now = datetime.now(UTC)
    seed_mailbox(gmail, emulator.address, now)
    messages = gmail.users().messages()
    inbound = sum(m.direction == "in" for m in seed_mails(now, emulator.address))
    unread = messages.list(userId=emulator.address, q="in:inbox is:unread", maxResults=500).execute()
    assert unread["resultSizeEstimate"] == inbound
    sent = messages.list(userId=emulator.address, labelIds=["SENT"], maxResults=500).execute()
    assert sent["resultSizeEstimate"] == len(seed_mails(now, emulator.address)) - inbound
    with_files = messages.list(userId=emulator.address, q="has:attachment").execute()
    assert with_files["resultSizeEstimate"] == 3


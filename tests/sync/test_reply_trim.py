"""gmail_sync.reply_trim: the visible reply, measured against the discourse corpus (emails → trimmed) and our own
cases (tests/mail_cases/replies, same layout: mail.ru/Yandex attributions, Outlook header blocks in English and
Russian, "wrote:" glued to the address, "Sent from …" sentences that are not signatures; every one must match).

Two guards, and no test that fails by design:
- the share of exact matches over the whole corpus must stay at or above `THRESHOLD` (just below the share
  measured when this file was written; the share is printed with `-s`);
- every file that matched then is listed in `reply_trim_expected_matches.txt` and is a test case of its own, so a
  regression on any one of them fails by name. After improving the trimmer, regenerate the list with
  `python -m tests.sync.test_reply_trim` and raise `THRESHOLD`.
Comparison: both sides with trailing whitespace stripped (the corpus files end with or without a newline).
Hand-written cases below cover common formats the corpus does not, and a property test feeds it garbage.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmail_sync.reply_trim import visible_reply
from tests import corpora

CORPUS = corpora.CORPUS / "replies" / "discourse"
OURS = corpora.OUR_CASES / "replies"
EXPECTED_MATCHES = Path(__file__).with_name("reply_trim_expected_matches.txt")
THRESHOLD = 0.98  # measured: 64 of 64 (100 %) when written


def corpus_names() -> list[str]:
    emails = CORPUS / "emails"
    return sorted(path.name for path in emails.iterdir()) if emails.is_dir() else []


def matches(name: str) -> bool:
    email = (CORPUS / "emails" / name).read_text(encoding="utf-8")
    trimmed = (CORPUS / "trimmed" / name).read_text(encoding="utf-8")
    return visible_reply(email).rstrip() == trimmed.rstrip()


def expected_matches() -> list[str]:
    if not EXPECTED_MATCHES.exists():
        return []  # test_expectation_file_is_there fails instead
    lines = EXPECTED_MATCHES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_corpus_is_there() -> None:
    assert len(corpus_names()) >= 60, f"expected the discourse corpus at {CORPUS}"


def test_expectation_file_is_there() -> None:
    assert len(expected_matches()) >= THRESHOLD * len(corpus_names()), f"regenerate {EXPECTED_MATCHES.name}"


def test_exact_match_share_stays_above_threshold() -> None:
    names = corpus_names()
    matched = [name for name in names if matches(name)]
    share = len(matched) / len(names)
    print(f"\nvisible reply: {len(matched)}/{len(names)} exact matches ({share:.1%}) on the discourse corpus")
    assert share >= THRESHOLD, f"missed: {sorted(set(names) - set(matched))}"


@pytest.mark.parametrize("name", expected_matches())
def test_previously_matched_file_still_matches(name: str) -> None:
    email = (CORPUS / "emails" / name).read_text(encoding="utf-8")
    trimmed = (CORPUS / "trimmed" / name).read_text(encoding="utf-8")
    assert visible_reply(email).rstrip() == trimmed.rstrip()


# --- our own cases: formats the discourse corpus does not show (issue 17) -------------------------------------


def our_case_names() -> list[str]:
    return sorted(path.name for path in (OURS / "emails").iterdir()) if (OURS / "emails").is_dir() else []


def test_our_cases_are_there() -> None:
    assert len(our_case_names()) >= 15
    assert {path.name for path in (OURS / "trimmed").iterdir()} == set(our_case_names())


@pytest.mark.parametrize("name", our_case_names())
def test_our_case_matches_exactly(name: str) -> None:
    email = (OURS / "emails" / name).read_text(encoding="utf-8")
    trimmed = (OURS / "trimmed" / name).read_text(encoding="utf-8")
    assert visible_reply(email).rstrip() == trimmed.rstrip()


@pytest.mark.parametrize(
    ("attribution", "kept"),
    [
        ("Среда, 2 декабря 2026, 14:31 +03:00 от Иван Петров <ivan@mail.ru>:", False),
        ("Пятница, 4 декабря 2026, 9:05 от ivan@mail.ru:", False),
        ("2 декабря 2026 г., 14:31 +03:00 от Иван <ivan@mail.ru>:", False),
        ("Wednesday, December 2, 2026 2:31 PM +03:00 from Ivan <ivan@mail.ru>:", False),
        ("02.12.2026, 14:31, \"Иван\" <ivan@yandex.ru>:", False),
        ("On Wed, Dec 2, 2026 at 2:31 PM Ivan <ivan@example.org>wrote:", False),
        ("Ivan <ivan@example.org> schrieb am 02.12.2026 um 14:31:", False),
        ("Письмо от 02.12.2026 от бухгалтерии buh@example.ru:", True),  # no time: the customer's own words
        ("Среда, 2 декабря 2026, 14:31 от бухгалтерии:", True),  # no address
        ("Logs from Wednesday, 2 December 2026, 14:31 from admin@example.org:", True),  # not a date first
    ],
)
def test_mailru_style_attributions(attribution: str, kept: bool) -> None:
    email = f"Thanks.\n\n{attribution}\n> quoted\n"
    assert visible_reply(email) == (f"Thanks.\n\n{attribution}" if kept else "Thanks.")


@pytest.mark.parametrize(
    ("block", "cut"),
    [
        ("Date: Wed, 2 Dec 2026 14:31\nFrom: Support <s@coolxost.com>\nTo: Ann\nSubject: Re: x", True),
        ("Sent: Wed, 2 Dec 2026 14:31\nFrom: s@coolxost.com\nTo: Ann\nSubject: Re: x", True),
        ("Отправлено: 2 декабря 2026 г. 14:31\nОт: Поддержка [mailto:s@coolxost.com]\nКому: Анна\nТема: RE: x", True),
        ("Дата: 2 декабря 2026\nОт: Поддержка <s@coolxost.com>\nКому: Анна", True),
        ("From: Support\nSent: today\nTo: Ann", True),  # From first: as before, no address needed
        ("Date: tomorrow at ten\nFrom: our Moscow office\nTo: all staff\nSubject: the move", False),  # no address
        ("Date: tomorrow at ten\nTo: all staff", False),
    ],
)
def test_header_blocks_starting_with_any_header(block: str, cut: bool) -> None:
    email = f"Still broken.\n\n{block}\n\nOld text.\n"
    assert (visible_reply(email) == "Still broken.") is cut


@pytest.mark.parametrize(
    ("line", "signature"),
    [
        ("Sent from my iPhone", True),
        ("Sent from my iPad, please excuse typos", True),
        ("Sent from Outlook Mobile<https://foo.bar>", True),
        ("Отправлено из мобильной Почты Mail.ru", True),
        ("Von meinem iPhone gesendet", True),
        ("Sent from my desk, the backup job failed again at 3 am.", False),
        ("Sent from my phone, sorry: the site is down again since 14:00 and nobody answers.", False),
        ("Sent from my iPhone. The site is down again.", False),
    ],
)
def test_a_phone_signature_is_a_line_of_its_own(line: str, signature: bool) -> None:
    email = f"Hello,\n\n{line}\nThe panel does not open either.\n"
    kept = visible_reply(email)
    assert (kept == "Hello,") is signature, kept


def test_an_unknown_sent_from_line_ends_the_reply_only_at_the_end() -> None:
    assert visible_reply("The invoice is paid.\n\nSent from my desk\n") == "The invoice is paid."
    assert visible_reply("Hi,\nSent from my desk\nthe invoice is paid.\n") == "Hi,\nSent from my desk\nthe invoice is paid."


# --- formats the corpus does not show ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "visible"),
    [
        ("Works now, thanks!\n\nOn Mon, Nov 23, 2026 at 9:00 AM Linedesk Support <support@coolxost.com> wrote:\n"
         "> Please restart the server.\n", "Works now, thanks!"),
        ("Still broken.\r\n\r\nFrom: Support <support@coolxost.com>\r\nSent: Monday, November 23, 2026 9:00 AM\r\n"
         "To: Ann <ann@example.org>\r\nSubject: RE: [#42] Server down\r\n\r\nPlease restart it.\r\n", "Still broken."),
        ("Merci !\n\nLe lun. 23 nov. 2026 à 09:00, Support <support@coolxost.com> a écrit :\n> Bonjour\n", "Merci !"),
        ("Danke.\n\nAm Mo., 23. Nov. 2026 um 09:00 Uhr schrieb Support <support@coolxost.com>:\n> Hallo\n", "Danke."),
        ("See below.\n\nSent from my iPhone\n\n> On 23 Nov 2026, at 09:00, Support <s@x.org> wrote:\n> Hi\n",
         "See below."),
        ("Hi,\n\nthe invoice is attached.\n\n-- \nAnn Example\nACME Ltd.\n", "Hi,\n\nthe invoice is attached."),
        ("> Did the restart help?\n\nYes.\n\n> And the backup?\n\nNo, it still fails.\n",
         "> Did the restart help?\n\nYes.\n\n> And the backup?\n\nNo, it still fails."),
        ("Title\n=====\n\nBody text.\n", "Title\n=====\n\nBody text."),
        ("Order 12345:\n- two disks\n- one fan\n\nThanks\n", "Order 12345:\n- two disks\n- one fan\n\nThanks"),
        ("I wrote:\n\nthat the disk is full.\n", "I wrote:\n\nthat the disk is full."),
        ("It failed again:\n\n2026-11-23 14:00 backup failed:\nerror 5\n", "It failed again:\n\n"
         "2026-11-23 14:00 backup failed:\nerror 5"),
        ("Ok\n\n23.11.2026, 09:00, \"Support\" <s@x.org>:\n> hi\n", "Ok"),
    ],
    ids=["gmail", "outlook", "french", "german-gmail", "iphone", "usenet-sig", "interleaved", "setext",
         "colon-line", "wrote-without-date", "dated-log-line", "yandex"],
)
def test_common_formats(email: str, visible: str) -> None:
    assert visible_reply(email) == visible


def test_empty_and_whitespace_input() -> None:
    assert visible_reply("") == "" and visible_reply("\n \r\n\t\n") == ""


def test_deeply_nested_quote_only_mail_is_bounded() -> None:
    assert visible_reply("\n".join(">" * depth + " x" for depth in range(1, 400))).startswith("> x")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "", " ", "> quoted", ">", "-- ", "--", "On Mon, 1 Jan 2024, A <a@b.c> wrote:", "From: a@b.c", "Sent: today",
    "To: b@c.d", "Subject: x", "-----Original Message-----", "Sent from my iPhone", "```", "____", "text",
    "2016-03-03 17:21 GMT+01:00 Some One", "<", "> wrote:", "| piped", "ᐧ", "\r",
]), max_size=40))
def test_never_raises_and_never_invents_lines(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = visible_reply(text)
    source = {line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").splitlines()}
    assert {line.rstrip() for line in result.splitlines()} <= source | {""}


if __name__ == "__main__":  # regenerate the expectation file from the current trimmer
    names = [name for name in corpus_names() if matches(name)]
    EXPECTED_MATCHES.write_text(
        "# Discourse corpus files the visible-reply trimmer matches exactly (see test_reply_trim.py).\n"
        f"# {len(names)} of {len(corpus_names())}; regenerate with: python -m tests.sync.test_reply_trim\n"
        + "".join(f"{name}\n" for name in names),
        encoding="utf-8",
    )
    print(f"{len(names)}/{len(corpus_names())} written to {EXPECTED_MATCHES}")

"""gmail_sync.parse: every file of the parse corpus, pinned decoding cases, and garbled MIME (hypothesis).

The corpus (tests/corpus/parse) is mail other projects collected for their parser tests: broken boundaries,
unknown charsets, 8-bit headers, bounces, torture tests. It also holds the attachment files some messages were
built from (zbateson/files, flanker/attachments): not mail, but bytes the sync could be handed all the same, so
they go through the parser too. The promise tested everywhere: `parse_mail` never raises.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmail_sync.parse import Attachment, ParsedMail, parse_mail
from tests import corpora

CORPUS = corpora.CORPUS / "parse"


def _corpus() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return [
        path for path in sorted(CORPUS.rglob("*"))
        if path.is_file() and not path.name.upper().startswith(("README", "LICENSE"))
    ]


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def parse(relative: str) -> ParsedMail:
    return parse_mail((CORPUS / relative).read_bytes())


def assert_sane(mail: ParsedMail) -> None:
    """What every parse must give, whatever the input: typed fields, a body or a clear "no body", clean text."""
    assert isinstance(mail.subject, str)
    assert isinstance(mail.from_email, str) and mail.from_email == mail.from_email.lower()
    assert isinstance(mail.from_name, str)
    assert mail.text.strip() or mail.no_body
    assert mail.no_body == (not mail.text.strip())
    assert mail.date is None or mail.date.tzinfo == timezone.utc
    for text in (mail.subject, mail.text, mail.visible_text, mail.html or "", *mail.problems, *mail.headers.values()):
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: PostgreSQL and JSON reject them
    assert all(isinstance(a, Attachment) and a.size >= 0 for a in mail.attachments)


# --- the corpus ----------------------------------------------------------------------------------------------


def test_the_corpus_is_there() -> None:
    assert len(_corpus()) > 250, f"expected the corpus at {CORPUS}"


@pytest.mark.parametrize("path", _corpus(), ids=_id)
def test_every_corpus_file_parses(path: Path) -> None:
    assert_sane(parse_mail(path.read_bytes()))


def test_corpus_mail_has_senders_and_subjects() -> None:
    """Not only "no exception": the real messages (not the attachment files) mostly come out complete."""
    mails = [parse_mail(path.read_bytes()) for path in _corpus() if path.suffix in (".eml", ".txt")]
    with_sender = sum(1 for mail in mails if mail.from_email)
    with_subject = sum(1 for mail in mails if mail.subject)
    assert with_sender / len(mails) > 0.75 and with_subject / len(mails) > 0.7


# --- headers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "subject"),
    [
        ("zbateson/m0001.txt", "Die Hasen und die Frösche (Microsoft Outlook 00)"),  # =?iso-8859-1?Q?…?=
        ("zbateson/m2004.txt", "Die Hasen und die Frösche"),  # a raw 8-bit byte inside an encoded word
        ("mikel/multi_charset/japanese.eml", "まみむめも"),
        ("mikel/multi_charset/japanese_iso_2022.eml", "まみむめも"),
        ("mikel/rfc6532/utf8_headers.eml", "Säying Hello"),  # RFC 6532: raw UTF-8 headers
        ("mikel/error_emails/bad_encoded_subject.eml", "TEST"),  # =?NONE?B?VEVTVA=?=: unknown charset, bad pad
    ],
)
def test_encoded_subjects(relative: str, subject: str) -> None:
    assert parse(relative).subject == subject


def test_unknown_charset_in_an_encoded_word_is_a_problem_not_an_error() -> None:
    mail = parse("mikel/error_emails/bad_encoded_subject.eml")
    assert any("unknown charset none" in problem for problem in mail.problems)


def test_addresses_are_decoded_and_lower_cased() -> None:
    mail = parse("zbateson/m0001.txt")
    assert (mail.from_name, mail.from_email, mail.to) == ("Doug Sauder", "doug@example.com", ["schmuergen@example.com"])
    utf8 = parse("mikel/rfc6532/utf8_headers.eml")
    assert (utf8.from_name, utf8.from_email, utf8.to) == ("Jöhn Doe", "jdöe@mächine.example", ["märy@exämple.net"])


def test_an_encoded_display_name_with_a_comma_does_not_split_the_address() -> None:
    raw = b"From: =?utf-8?q?Schm=C3=BCrgen=2C_J=C3=BCrgen?= <J.S@Example.com>\r\nTo: a@x.org, B <b@x.org>\r\n" \
          b"Cc: c@x.org\r\nReply-To: Help <Help@X.org>\r\nSubject: hi\r\n\r\nbody\r\n"
    mail = parse_mail(raw)
    assert (mail.from_name, mail.from_email) == ("Schmürgen, Jürgen", "j.s@example.com")
    assert (mail.to, mail.cc, mail.reply_to) == (["a@x.org", "b@x.org"], ["c@x.org"], "help@x.org")


def test_thread_ids() -> None:
    mail = parse("zbateson/m0001.txt")
    assert mail.message_id == "<NDBBIAKOPKHFGPLCODIGIEKBCHAA.doug@example.com>"
    assert parse("mikel/error_emails/empty_in_reply_to.eml").in_reply_to is None
    assert parse("mikel/error_emails/multiple_references_with_one_invalid.eml").references == ["<foo@bar.net>"]
    raw = b"From: a@x.org\r\nIn-Reply-To: <p@x.org>\r\nReferences: <o@x.org>\r\n <p@x.org> junk <o@x.org>\r\n\r\nx"
    assert (parse_mail(raw).in_reply_to, parse_mail(raw).references) == ("<p@x.org>", ["<o@x.org>", "<p@x.org>"])


def test_headers_are_lower_case_decoded_first_occurrences() -> None:
    mail = parse_mail(b"Subject: =?utf-8?b?w6k=?=\r\nX-Tag: one\r\nX-TAG: two\r\n\r\nx")
    assert mail.headers == {"subject": "é", "x-tag": "one"}


# --- dates ---------------------------------------------------------------------------------------------------


def test_dates_are_utc() -> None:
    assert parse("zbateson/m0001.txt").date == datetime(2000, 5, 17, 23, 8, 29, tzinfo=timezone.utc)  # -0400
    unknown_zone = parse_mail(b"Date: Mon, 23 Nov 2026 09:00:00 -0000\r\n\r\nx").date
    assert unknown_zone == datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "relative", ["mikel/error_emails/bad_date_header.eml", "mikel/error_emails/bad_date_header2.eml"]
)
def test_broken_dates_are_none_with_a_problem(relative: str) -> None:
    mail = parse(relative)
    assert mail.date is None
    assert any("unreadable date" in problem for problem in mail.problems)


# --- charsets and bodies -------------------------------------------------------------------------------------


def test_unknown_charset_from_the_corpus_gives_text_and_a_problem() -> None:
    mail = parse("zbateson/invalid-charset.txt")
    assert "The Hare and the Tortoise" in mail.text
    assert any("unknown charset invalid-charset" in problem for problem in mail.problems)


def test_x_unknown_charset_reads_8bit_text() -> None:
    """The README's other hard case, mikel's plain_emails/raw_email10.eml (charset=X-UNKNOWN with 8-bit French),
    is not in our copy of the corpus (only error_emails and friends were copied): rebuilt here."""
    raw = (b"From: xxx@xxxx.xxx\nTo: support@example.com\nSubject: Test\n"
           b"Content-Type: text/plain; charset=X-UNKNOWN\n\nTest test. Hi. Waving. m\n\n"
           b"Envoy\xe9 par le service de messagerie texte de Bell Mobilit\xe9.\n")
    mail = parse_mail(raw)
    assert "Envoyé par le service de messagerie texte de Bell Mobilité." in mail.text
    assert "unknown charset x-unknown in the body, read as windows-1252" in mail.problems


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("mikel/multi_charset/japanese_shift_jis.eml", "このメールはテスト用のメールです。"),
        ("mikel/multi_charset/ks_c_5601-1987.eml", "스티해"),
        ("mikel/multi_charset/japanese_iso_2022.eml", "すみません。"),
    ],
)
def test_legacy_charsets(relative: str, expected: str) -> None:
    assert expected in parse(relative).text


def test_html_only_mail_gets_text_with_its_line_breaks() -> None:
    mail = parse("zbateson/m2003.txt")
    assert mail.html is not None
    assert mail.text.startswith("Die Hasen und die Frösche\n\nDie Hasen klagten einst über ihre mißliche Lage")
    spam = parse("mikel/error_emails/content_transfer_encoding_text-html.eml")
    assert spam.text.startswith("Hello,\n\nYou have qualified for the lowest rate in years.")


def test_html_is_kept_sanitised() -> None:
    raw = (b"From: a@x.org\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p onclick='steal()'>Hi<script>alert(1)</script><img src='http://t.example/p.gif'></p>")
    mail = parse_mail(raw)
    assert mail.text == "Hi"
    assert "script" not in (mail.html or "") and "onclick" not in (mail.html or "")
    assert "t.example" not in (mail.html or "")


def test_plain_text_is_preferred_and_visible_text_is_trimmed() -> None:
    msg = EmailMessage()
    msg["From"] = "Ann <ann@example.org>"
    msg.set_content("Thanks, that fixed it.\n\nOn Mon, 23 Nov 2026 at 09:00, Support <s@x.org> wrote:\n> Try this\n")
    msg.add_alternative("<p>Thanks, <b>that</b> fixed it.</p>", subtype="html")
    mail = parse_mail(msg.as_bytes())
    assert mail.text.startswith("Thanks, that fixed it.") and "wrote:" in mail.text
    assert mail.visible_text == "Thanks, that fixed it."
    assert (mail.html or "").strip() == "<p>Thanks, <b>that</b> fixed it.</p>"


@pytest.mark.parametrize(
    "relative", ["mikel/error_emails/missing_body.eml", "mikel/attachment_emails/attachment_only_email.eml"]
)
def test_no_body_is_said_clearly(relative: str) -> None:
    mail = parse(relative)
    assert mail.no_body and mail.text == ""


def test_nul_characters_never_come_out() -> None:
    mail = parse_mail(b"Subject: a\x00b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\x00world")
    assert (mail.subject, mail.text) == ("ab", "helloworld")


# --- attachments ---------------------------------------------------------------------------------------------


def test_attachments_metadata_names_sizes_types_part_ids() -> None:
    mail = parse("zbateson/m0011.txt")
    files = CORPUS / "zbateson" / "files"
    assert [(a.filename, a.content_type, a.size, a.part_id, a.inline) for a in mail.attachments] == [
        (name, "image/png", (files / name).stat().st_size, str(index), False)
        for index, name in enumerate(["blueball.png", "greenball.png", "redball.png"], start=1)
    ]


def test_inline_images_have_content_ids_and_nested_part_ids() -> None:
    inline = [a for a in parse("zbateson/m1005.txt").attachments if a.content_id]
    assert [(a.content_id, a.part_id, a.inline) for a in inline] == [
        ("part1.39235FC5.E71D8178@example.com", "0.1.1", True),
        ("part2.39235FC5.E71D8178@example.com", "0.1.2", True),
    ]


@pytest.mark.parametrize(
    ("relative", "filename"),
    [
        ("mikel/attachment_emails/attachment_nonascii_filename.eml", "ciële.txt"),
        ("mikel/attachment_emails/attachment_with_base64_encoded_name.eml", "This is a test.pdf"),
        ("mikel/multi_charset/japanese_attachment_long_name.eml", "かきくけこかきくけこかきくけこかきくけこかきくけこ.txt"),
        ("mikel/attachment_emails/attachment_with_quoted_filename.eml", "Eelanalüüsi päring.jpg"),
    ],
)
def test_attachment_filenames_are_decoded(relative: str, filename: str) -> None:
    assert filename in [a.filename for a in parse(relative).attachments]


def test_an_attached_message_is_one_attachment_and_not_walked_into() -> None:
    mail = parse("mikel/attachment_emails/attachment_message_rfc822.eml")
    assert [(a.filename, a.content_type, a.part_id) for a in mail.attachments] == [
        ("ForwardedMessage.eml", "message/rfc822", "1")
    ]


def test_part_ids_follow_gmail() -> None:
    """Gmail: "" for the root, "0", "1" below it, "0.1" below "0"; so the sync can find each attachmentId."""
    msg = EmailMessage()
    msg["From"] = "a@x.org"
    msg.set_content("see attached")
    msg.add_alternative("<p>see <img src='cid:logo'></p>", subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG...", "image", "png", cid="<logo>")
    msg.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="invoice.pdf")
    mail = parse_mail(msg.as_bytes())
    assert [(a.part_id, a.filename, a.content_id, a.inline) for a in mail.attachments] == [
        ("0.1.1", "", "logo", True),
        ("1", "invoice.pdf", None, False),
    ]
    assert mail.attachments[1].size == len(b"%PDF-1.4 ...")
    only = EmailMessage()
    only.set_content(b"PK\x03\x04", maintype="application", subtype="zip", filename="a.zip")
    assert [(a.part_id, a.filename) for a in parse_mail(only.as_bytes()).attachments] == [("", "a.zip")]


# --- garbled MIME never raises -------------------------------------------------------------------------------

_SAMPLES = [path.read_bytes() for path in _corpus() if path.suffix in (".eml", ".txt") and path.stat().st_size < 20_000]


def _mutate(raw: bytes, how: str, rng: random.Random) -> bytes:
    if how == "truncate":
        return raw[: rng.randrange(len(raw) + 1)]
    if how == "drop boundaries":
        return b"\n".join(line for line in raw.split(b"\n") if not line.startswith(b"--"))
    if how == "garble charsets":
        junk = bytes(rng.randrange(33, 127) for _ in range(rng.randrange(1, 12))).replace(b'"', b"x")
        return raw.replace(b"charset=", b"charset=" + junk).replace(b"=?utf-8?", b"=?" + junk + b"?")
    if how == "flip bytes":
        data = bytearray(raw or b"\n")
        for _ in range(rng.randrange(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    start = rng.randrange(len(raw) + 1)  # splice: a chunk of the message repeated somewhere else
    return raw[:start] + raw[rng.randrange(len(raw) + 1):][:500] + raw[start:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    assert_sane(parse_mail(raw))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(_SAMPLES))) if _SAMPLES else st.just(-1),
    st.sampled_from(["truncate", "drop boundaries", "garble charsets", "flip bytes", "splice"]),
    st.randoms(use_true_random=False),
)
def test_mutated_real_messages_never_raise(index: int, how: str, rng: random.Random) -> None:
    raw = _SAMPLES[index] if index >= 0 else b"From: a@x.org\r\n\r\nbody"
    assert_sane(parse_mail(_mutate(raw, how, rng)))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from([
            b"Content-Type: multipart/mixed; boundary=b\r\n", b"Content-Type: text/html; charset=x-nope\r\n",
            b"Content-Type: message/rfc822\r\n", b"Content-Transfer-Encoding: base64\r\n",
            b"Content-Transfer-Encoding: quoted-printable\r\n", b"Subject: =?utf-8?b?w6\r\n", b"\r\n", b"--b\r\n",
            b"--b--\r\n", b"=?x?q?=ZZ?=\r\n", b"<p>hi<br>there\r\n", b"\xff\xfe\x00\r\n", b"Date: 32 Foo 99999\r\n",
            b"From: <>\r\n", b"Content-Disposition: attachment; filename*=bogus''%ZZ\r\n",
        ]),
        max_size=40,
    )
)
def test_mime_shaped_garbage_never_raises(lines: list[bytes]) -> None:
    assert_sane(parse_mail(b"".join(lines)))


def test_deep_nesting_is_cut_off_not_a_crash() -> None:
    raw = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(200))
    mail = parse_mail(raw + b"Content-Type: text/plain\r\n\r\ndeep\r\n")
    assert_sane(mail)
    assert any("nesting deeper" in problem for problem in mail.problems)


def test_non_bytes_input_is_a_problem_not_an_error() -> None:
    mail = parse_mail("From: a@x.org\r\n\r\nhello")  # type: ignore[arg-type]
    assert mail.text == "hello" and mail.problems

"""gmail_emulator.mime: raw RFC 822 → Gmail's Message parts, over real-world mail and hand-made edge cases.

The corpus (tests/corpus/parse) is mail collected by other projects' parser tests — broken boundaries, bad
charsets, odd transfer encodings, bounces. Every message must parse without an exception into a payload tree of
Gmail's shape; the specific tests pin the shape itself (part ids, bodies, attachments, formats) and the decoding.
"""

from __future__ import annotations

import html
import base64
import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from gmail_emulator.mime import MimeError, ParsedMessage, normalise_subject, parse_raw, payload_for_format
from gmail_emulator.mime_decode import html_to_text
from tests import corpora

CORPUS = corpora.CORPUS / "parse"
NOT_MAIL = {"README", "README.md", "LICENSE"}
ATTACHMENT_FIXTURES = CORPUS / "zbateson" / "files"
"""Files the zbateson messages were built from (fables, images): not mail, though some end in .txt."""


def _corpus(*, messages: bool) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.name in NOT_MAIL:
            continue
        is_dkim_message = path.parent.name == "dkim" and path.name.startswith("email.")
        if path.suffix not in (".eml", ".txt", "") and not is_dkim_message:
            continue
        if (ATTACHMENT_FIXTURES in path.parents) != messages:
            found.append(path)
    return found


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def parts(payload: dict) -> Iterator[dict]:
    yield payload
    for child in payload.get("parts", []):
        yield from parts(child)


def decoded(body: dict) -> bytes:
    return base64.urlsafe_b64decode(body["data"])


def header(payload: dict, name: str) -> str:
    return next(h["value"] for h in payload["headers"] if h["name"].lower() == name.lower())


def parse(raw: bytes) -> ParsedMessage:
    return parse_raw(raw, attachment_id_seed="msg-1")


def assert_gmail_shape(parsed: ParsedMessage) -> None:
    """The invariants of Gmail's MessagePart tree, checked on every node."""
    root = parsed.payload
    assert root["partId"] == ""
    assert root["filename"] == "" or "attachmentId" in root["body"]  # a message that is one attachment names it
    for part in parts(root):
        assert set(part) >= {"partId", "mimeType", "filename", "headers", "body"}
        assert all(set(h) == {"name", "value"} for h in part["headers"])
        body = part["body"]
        if "parts" in part:
            expected_ids = [f"{part['partId']}.{i}".lstrip(".") for i in range(len(part["parts"]))]
            assert [child["partId"] for child in part["parts"]] == expected_ids
        if "attachmentId" in body:
            assert "data" not in body
            assert len(parsed.attachments[body["attachmentId"]]) == body["size"]
        elif "data" in body:
            assert "=" not in body["data"].rstrip("=") and len(body["data"]) % 4 == 0
            assert len(decoded(body)) == body["size"] > 0
        else:
            assert body["size"] == 0 or part["mimeType"].startswith("message/")
    json.dumps(root, ensure_ascii=False).encode("utf-8")  # no lone surrogates: the server must be able to send it


def has_text_or_is_empty(parsed: ParsedMessage) -> bool:
    """Some body text was found, or the message really shows none: every inline text part is blank once
    markup is removed (attachment-only mail, an HTML body that is just an <img>)."""
    if parsed.text[len(parsed.subject) :].strip():
        return True
    inline = [p for p in parts(parsed.payload) if "data" in p["body"] and p["mimeType"].startswith("text/")]
    return all(not html_to_text(decoded(p["body"]).decode("utf-8", "replace")).strip() for p in inline)


# --- the corpus ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _corpus(messages=True), ids=_id)
def test_corpus_message_parses_into_gmail_shape(path: Path) -> None:
    raw = path.read_bytes()
    if not raw.strip():  # flanker/dkim/email.01 is "a completely empty file"
        with pytest.raises(MimeError, match="empty"):
            parse(raw)
        return
    parsed = parse_raw(raw, attachment_id_seed=_id(path))
    assert parsed.raw is raw or parsed.raw == raw
    assert isinstance(parsed.subject, str) and isinstance(parsed.from_addr, str)
    assert has_text_or_is_empty(parsed)
    assert parsed.size_estimate == len(raw)
    assert len(html.unescape(parsed.snippet)) <= 200  # 200 characters of text, before escaping
    assert_gmail_shape(parsed)


@pytest.mark.parametrize("path", _corpus(messages=False), ids=_id)
def test_non_mail_files_parse_or_are_refused_with_mime_error(path: Path) -> None:
    try:
        parsed = parse(path.read_bytes())
    except MimeError as exc:
        assert "not an RFC 822 message" in str(exc)
    else:
        assert parsed.headers == [] and parsed.snippet


def test_the_corpus_is_there() -> None:
    assert len(_corpus(messages=True)) > 150, f"expected the corpus at {CORPUS}"


@pytest.mark.parametrize("name", ["zbateson/invalid-charset.txt"])
def test_unknown_charset_falls_back_to_a_readable_guess(name: str) -> None:
    parsed = parse((CORPUS / name).read_bytes())
    assert parsed.subject == "Test invalid charset"
    assert "The Hare and the Tortoise" in parsed.text
    assert "Jürgen Schmürgen" in header(parsed.payload, "To")  # raw 8-bit latin-1 header bytes


def test_unknown_charset_in_synthetic_mail_tries_utf8_then_windows_1252() -> None:
    template = b"Subject: x\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
    assert "Grüße" in parse(template + "Grüße".encode()).text
    assert "Grüße" in parse(template + "Grüße".encode("cp1252")).text


def test_text_that_is_not_a_text_codec_is_not_decoded_with_it() -> None:
    raw = b"Subject: x\r\nContent-Type: text/plain; charset=base64\r\n\r\naGVsbG8=\r\n"
    assert "aGVsbG8=" in parse(raw).text


# --- shape -----------------------------------------------------------------------------------------------------


def _mixed_message() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Tom Becker <Tom.Becker@Acme-Bikes.de>"
    msg["To"] = "support@coolxost.com, \"Lisa\" <LISA@coolxost.com>"
    msg["Subject"] = "Shop down"
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0100"
    msg["Message-ID"] = "<abc@mail.acme-bikes.de>"
    msg.set_content("The shop shows 503.\n")
    msg.add_alternative("<p>The shop shows <b>503</b>.</p>", subtype="html")
    msg.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="screen.png")
    return msg.as_bytes()


def test_multipart_tree_is_numbered_and_bodied_like_gmail() -> None:
    parsed = parse(_mixed_message())
    root = parsed.payload
    assert [(p["partId"], p["mimeType"]) for p in parts(root)] == [
        ("", "multipart/mixed"),
        ("0", "multipart/alternative"),
        ("0.0", "text/plain"),
        ("0.1", "text/html"),
        ("1", "image/png"),
    ]
    assert root["body"] == {"size": 0} and root["parts"][0]["body"] == {"size": 0}
    plain = root["parts"][0]["parts"][0]["body"]
    assert decoded(plain) == b"The shop shows 503.\n" and plain["size"] == 20
    image = root["parts"][1]
    assert image["filename"] == "screen.png"
    assert set(image["body"]) == {"attachmentId", "size"} and image["body"]["size"] == 9
    assert parsed.attachments[image["body"]["attachmentId"]] == b"\x89PNG fake"
    assert parsed.has_attachment
    assert header(root, "Subject") == "Shop down"
    assert_gmail_shape(parsed)


def test_single_part_message_has_its_body_on_the_root() -> None:
    parsed = parse(b"From: a@example.org\r\nSubject: Hi\r\n\r\nHello there\r\n")
    assert parsed.payload["mimeType"] == "text/plain"
    assert parsed.payload["body"] == {"size": 13, "data": "SGVsbG8gdGhlcmUNCg=="}  # URL-safe, padded
    assert "parts" not in parsed.payload and not parsed.has_attachment and parsed.attachments == {}


def test_body_data_is_url_safe_base64() -> None:
    parsed = parse(b"Subject: b\r\n\r\n\xfb\xff\xbf?>\r\n")  # standard base64 of these bytes has + and /
    data = parsed.payload["body"]["data"]
    assert "+" not in data and "/" not in data and "-" in data and "_" in data
    assert decoded(parsed.payload["body"]) == b"\xfb\xff\xbf?>\r\n"


def test_attachment_ids_are_stable_and_depend_on_the_seed() -> None:
    raw = _mixed_message()
    first, again = parse_raw(raw, attachment_id_seed="m1"), parse_raw(raw, attachment_id_seed="m1")
    other = parse_raw(raw, attachment_id_seed="m2")
    assert list(first.attachments) == list(again.attachments)
    assert list(first.attachments) != list(other.attachments)
    assert all(key.startswith("ANGjdJ") for key in first.attachments)


def test_enclosed_message_is_a_container_with_the_message_as_child() -> None:
    parsed = parse((CORPUS / "mikel/attachment_emails/attachment_message_rfc822.eml").read_bytes())
    enclosed = next(p for p in parts(parsed.payload) if p["mimeType"] == "message/rfc822")
    assert [child["partId"] for child in enclosed["parts"]] == [enclosed["partId"] + ".0"]
    assert_gmail_shape(parsed)


def test_unnamed_inline_image_gets_an_attachment_id_but_is_not_has_attachment() -> None:
    raw = (b"Subject: i\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo\">\r\n"
           b"--b\r\nContent-Type: image/gif\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"R0lGODlhAQABAAAAACw=\r\n--b--\r\n")
    parsed = parse(raw)
    gif = parsed.payload["parts"][1]
    assert "attachmentId" in gif["body"] and gif["filename"] == ""
    assert not parsed.has_attachment


# --- formats ---------------------------------------------------------------------------------------------------


def test_metadata_format_keeps_only_the_asked_headers_case_insensitively() -> None:
    parsed = parse(_mixed_message())
    payload = payload_for_format(parsed, "metadata", ["subject", "FROM", "X-Not-There"])
    assert payload is not None
    assert payload["mimeType"] == "multipart/mixed"
    assert [h["name"] for h in payload["headers"]] == ["From", "Subject"]
    assert "parts" not in payload and "body" not in payload


def test_metadata_format_without_a_filter_has_every_header() -> None:
    parsed = parse(_mixed_message())
    for wanted in (None, []):
        payload = payload_for_format(parsed, "metadata", wanted)
        assert payload is not None and payload["headers"] == parsed.payload["headers"]


def test_minimal_and_raw_formats_have_no_payload_and_full_is_a_copy() -> None:
    parsed = parse(_mixed_message())
    assert payload_for_format(parsed, "minimal", None) is None
    assert payload_for_format(parsed, "raw", None) is None
    full = payload_for_format(parsed, "full", None)
    assert full == parsed.payload
    assert full is not None
    full["parts"].clear()
    assert parsed.payload["parts"]
    with pytest.raises(ValueError, match="unknown format"):
        payload_for_format(parsed, "everything", None)


# --- headers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "text"),
    [
        ("=?UTF-8?B?0J3QtdGCINGB0LLRj9C30Lg=?=", "Нет связи"),
        ("=?iso-8859-1?q?caf=E9_cr=E8me?=", "café crème"),
        ("Re: =?utf-8?q?caf=C3=A9?= =?utf-8?q?_ouvert?=", "Re: café ouvert"),
        ("=?koi8-r?b?7sXUINPX0drJ?=", "Нет связи"),
        ("=?ISO-2022-JP?B?GyRCJTUlJCVIJCxJPTwoJDUkbCReJDskcxsoQg==?=", "サイトが表示されません"),
        ("=?utf-8?B?5pel5pys?= =?utf-8?B?6Kqe?=", "日本語"),
        ("=?utf-8?B?5pel5g==?= =?utf-8?B?nKzoqp4=?=", "日本語"),  # a character split across two words
        ("=?bogus-charset?Q?plain?=", "plain"),
        ("=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated"),
    ],
)
def test_rfc2047_subjects_are_decoded(encoded: str, text: str) -> None:
    parsed = parse(f"Subject: {encoded}\r\n\r\nbody\r\n".encode())
    assert parsed.subject == text
    assert header(parsed.payload, "Subject") == text


def test_folded_headers_are_unfolded_and_raw_utf8_headers_read() -> None:
    raw = "Subject: a very\r\n long subject\r\nFrom: Jöhn <john@example.org>\r\n\r\nx\r\n".encode()
    parsed = parse(raw)
    assert parsed.subject == "a very long subject"
    assert parsed.from_addr == "Jöhn <john@example.org>"


def test_addresses_are_bare_lowercase_and_not_split_by_encoded_commas() -> None:
    raw = (b"To: =?utf-8?q?Doe=2C_John?= <John@Example.org>, bob@x.org\r\nCc: c@Y.org\r\nBcc: d@z.org\r\n"
           b"Subject: s\r\n\r\nx\r\n")
    parsed = parse(raw)
    assert parsed.to_addrs == ["john@example.org", "bob@x.org"]
    assert (parsed.cc_addrs, parsed.bcc_addrs) == (["c@y.org"], ["d@z.org"])
    assert header(parsed.payload, "To").startswith("Doe, John <John@Example.org>")


def test_message_ids_and_references() -> None:
    raw = (b"Message-ID: <m3@x.org>\r\nIn-Reply-To: <m2@x.org> (Tom's message)\r\n"
           b"References: <m1@x.org> not-an-id\r\n <m0@x.org>\r\nSubject: s\r\n\r\nx\r\n")
    parsed = parse(raw)
    assert parsed.message_id == "<m3@x.org>" and parsed.in_reply_to == "<m2@x.org>"
    assert parsed.references == ["<m1@x.org>", "<m0@x.org>", "<m2@x.org>"]
    bare = parse(b"Subject: s\r\nIn-Reply-To: \r\n\r\nx\r\n")
    assert (bare.message_id, bare.in_reply_to, bare.references) == (None, None, [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 23 Nov 2026 10:00:00 +0100", 1795424400000),
        ("Mon, 23 Nov 2026 09:00:00 -0000", 1795424400000),
        ("23 Nov 2026 09:00:00 GMT", 1795424400000),
        ("yesterday-ish", None),
        ("Mon, 31 Feb 2026 09:00:00 +0000", None),
    ],
)
def test_date_header_becomes_epoch_ms(value: str, expected: int | None) -> None:
    assert parse(f"Date: {value}\r\nSubject: s\r\n\r\nx\r\n".encode()).date_ms == expected


def test_missing_date_is_none() -> None:
    assert parse(b"Subject: s\r\n\r\nx\r\n").date_ms is None


# --- text, snippet ---------------------------------------------------------------------------------------------


def test_html_only_mail_gives_visible_text_as_snippet() -> None:
    html = ("<html><head><title>T</title><style>p{color:red}</style></head><body><p>Hello&nbsp;&amp; "
            "welcome,</p>\n\n<script>alert('x')</script><p>your   site &quot;is&quot; up.</p>"
            '<img src="https://t.example/o.gif" width="1" height="1"></body></html>')
    raw = b"Subject: Status\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()
    parsed = parse(raw)
    # escaped as Gmail escapes snippets
    assert parsed.snippet == 'Hello &amp; welcome, your site &quot;is&quot; up.'
    assert "alert" not in parsed.text and "color:red" not in parsed.text
    assert parsed.text.startswith("Status\n")


def test_snippet_prefers_plain_text_and_is_at_most_200_characters() -> None:
    msg = EmailMessage()
    msg["Subject"] = "long"
    msg.set_content("word " * 100)
    msg.add_alternative("<p>html version</p>", subtype="html")
    parsed = parse(msg.as_bytes())
    assert parsed.snippet.startswith("word word") and len(parsed.snippet) <= 200
    assert "html version" in parsed.text


def test_html_that_looks_like_a_url_or_xml_parses_without_warnings() -> None:
    for body in ("https://example.com/page.html", '<?xml version="1.0"?><html><p>x</p></html>', "notes.txt"):
        raw = b"Subject: s\r\nContent-Type: text/html\r\n\r\n" + body.encode()
        assert parse(raw).snippet  # filterwarnings=error turns any bs4 warning into a failure


def test_broken_transfer_encodings_and_boundaries_never_raise() -> None:
    samples = [
        b"Subject: a\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64@@@\r\n",
        b"Subject: b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\nbroken=3\r\n",
        b"Subject: c\r\nContent-Type: multipart/mixed\r\n\r\nno boundary parameter at all\r\n",
        b"Subject: d\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi",
        b"Subject: e\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f\r\n!!!\r\nend\r\n",
    ]
    for raw in samples:
        parsed = parse(raw)
        assert parsed.raw == raw
        assert_gmail_shape(parsed)


# --- refusal and subjects --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"  \r\n\t\r\n", b"just some words, no headers, no blank line"])
def test_bytes_that_cannot_be_a_message_raise_mime_error(raw: bytes) -> None:
    with pytest.raises(MimeError):
        parse(raw)


@pytest.mark.parametrize("raw", [b"Subject: only a header", b"\r\nA body without headers\r\n"])
def test_minimal_messages_are_accepted(raw: bytes) -> None:
    assert parse(raw).raw == raw


@pytest.mark.parametrize(
    ("subject", "normalised"),
    [
        ("Re: RE: Fwd: Shop  down ", "shop down"),
        ("AW: WG: Rechnung", "rechnung"),
        ("Fw: Re[2]: Invoice", "invoice"),
        ("Ответ: Re: Нет связи", "нет связи"),
        ("Re：サイトが表示されません", "サイトが表示されません"),
        ("Reply needed", "reply needed"),
        ("", ""),
    ],
)
def test_normalise_subject(subject: str, normalised: str) -> None:
    assert normalise_subject(subject) == normalised

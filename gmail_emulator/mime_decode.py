"""Text out of mail whatever charset it claims: header values, RFC 2047 encoded words, bodies and HTML.

Why this module exists: real mail lies about its charset. Old mailers put raw 8-bit bytes in headers without
declaring anything, name charsets Python does not know ("invalid-charset"), split one multi-byte character
across two encoded words, or label Windows-1252 text as ISO-8859-1. Gmail shows such mail readably, so the
emulator must too — and it must never fail on it. Everything here returns a `str` and never raises.

How it works: `codec` maps a charset label to the Python codec that decodes what mailers really send (the
same substitutions the WHATWG Encoding Standard makes: ISO-8859-1 → Windows-1252, Shift_JIS → CP932, …).
`decode_text` decodes with it, replacing bad bytes, and falls back to UTF-8, then Windows-1252, for undeclared
or unknown charsets. `decode_header_value` unfolds a header, reads undeclared 8-bit bytes (kept by the stdlib
parser as surrogate escapes) as UTF-8 or the message's body charset, then decodes encoded words, joining
adjacent words of one charset at the byte level before decoding. `html_to_text` gives the visible text of an
HTML body with BeautifulSoup.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from email.message import Message

from bs4 import BeautifulSoup

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_PROCESSING_INSTRUCTION = re.compile(r"<\?[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_INVISIBLE = ["script", "style", "head", "title", "noscript", "template"]

# Charset labels as mail clients use them, mapped to the Python codec that decodes what they really send
# (the WHATWG Encoding Standard makes the same substitutions).
_CODEC_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_2",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "tis-620": "cp874",
}
_UNDECLARED = {"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default"}


def unfold(value: str) -> str:
    return _FOLD.sub("", value)


def decode_header_value(value: str, hint: str = "") -> str:
    """A raw header value as Gmail shows it: unfolded, 8-bit bytes and RFC 2047 encoded words decoded.
    `hint` is the charset to try for 8-bit bytes that are not UTF-8."""
    value = fix_8bit(unfold(value), hint).replace("\r", "").replace("\n", "")
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded words, merged per charset before decoding
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (pending and between.isspace()):
            out.append(_flush(pending) + between)
            pending = []
        word = _encoded_word_bytes(match)
        if word is None:
            out.append(_flush(pending) + match.group(0))
            pending = []
        else:
            pending.append(word)
        position = match.end()
    out.append(_flush(pending) + value[position:])
    return "".join(out).strip()


def _encoded_word_bytes(match: re.Match[str]) -> tuple[str, bytes] | None:
    charset, encoding, text = match.group(1).split("*")[0], match.group(2).upper(), match.group(3)
    try:
        if encoding == "Q":
            return charset, binascii.a2b_qp(_encode_like(text, charset), header=True)
        text = re.sub(r"[^A-Za-z0-9+/]", "", text)
        text = text[: len(text) - len(text) % 4] if len(text) % 4 == 1 else text
        return charset, base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _encode_like(text: str, charset: str) -> bytes:
    """Q-encoded text should be ASCII; raw 8-bit characters inside it go back to the word's own charset."""
    try:
        return text.encode(codec(charset) or "ascii")
    except (LookupError, ValueError):
        return text.encode("utf-8")


def _flush(pending: list[tuple[str, bytes]]) -> str:
    """Decode pending encoded words, merging runs of one charset so a character split across words survives."""
    result: list[str] = []
    run_charset, run = "", b""
    for charset, data in pending:
        if run_charset and charset.lower() != run_charset.lower():
            result.append(decode_text(run, run_charset))
            run = b""
        run_charset, run = charset, run + data
    if run_charset:
        result.append(decode_text(run, run_charset))
    return "".join(result)


def fix_8bit(value: str, hint: str) -> str:
    """compat32 keeps undeclared 8-bit header bytes as surrogates; read them as (mostly) UTF-8, else in the
    message's body charset, else Windows-1252."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    as_utf8 = data.decode("utf-8", errors="replace")
    non_ascii = sum(1 for ch in as_utf8 if ord(ch) > 127)
    if as_utf8.count("\ufffd") * 4 <= non_ascii:  # a stray bad byte in UTF-8 text
        return as_utf8
    fallback = hint if codec(hint) not in (None, "utf-8", "utf8") else "cp1252"
    return decode_text(data, fallback)


def charset_hint(msg: Message) -> str:
    """The first declared body charset: old mailers wrote raw 8-bit headers in the body's charset."""
    for part in msg.walk():
        charset = part_charset(part)
        if codec(charset) is not None:
            return charset
    return ""


def part_charset(part: Message) -> str:
    """The part's declared charset, "" when none (or when the parameter cannot be read)."""
    try:
        return part.get_content_charset() or ""
    except Exception:  # noqa: BLE001 - compat32 raises little, but a charset is never worth failing for
        return ""


def codec(charset: str) -> str | None:
    label = charset.strip().strip("\"'").lower()
    if label in _UNDECLARED:
        return None
    return _CODEC_ALIASES.get(label, label)


def decode_text(data: bytes, charset: str) -> str:
    """Bytes in `charset` → str, never raising: unknown or undeclared charsets try UTF-8, then Windows-1252."""
    name = codec(charset)
    if name is not None:
        try:
            return data.decode(name, errors="replace")
        except (LookupError, ValueError, TypeError):
            pass  # not a charset Python knows (or not a text codec at all): guess below
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML body (scripts, styles and the head dropped), entities unescaped."""
    if "<" not in markup:
        return html.unescape(markup)
    # bs4 warns on an <?xml?> prolog, and on markup without "<" (handled above); warnings are global state,
    # so avoid them rather than silence them in a threaded server.
    markup = _PROCESSING_INSTRUCTION.sub("", markup)
    try:
        soup = BeautifulSoup(markup, "html.parser")
        for tag in soup(_INVISIBLE):
            tag.decompose()
        return soup.get_text(" ")
    except Exception:  # noqa: BLE001 - markup the parser rejects: strip tags crudely
        return html.unescape(_TAG.sub(" ", markup))



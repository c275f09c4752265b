"""Header and charset decoding for `parse.py`: turning the bytes of any mail program into honest text.

Kept apart from the MIME walk because it is the part that meets the worst input: RFC 2047 encoded words split
mid-character, 8-bit bytes in headers, charsets nobody registered, codecs that are not charsets. Every function
here returns text and notes what it had to guess in a `Problems` list; none raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
from email.message import Message

MAX_PROBLEMS = 40

_ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([qQbB])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n[ \t]+")
_FOLD_BYTES = re.compile(rb"\r?\n[ \t]+")
_SURROGATE = re.compile("[\udc80-\udcff]")

# Charset labels mail uses that Python does not know, or knows under a narrower meaning.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "euc-kr": "cp949", "x-sjis": "cp932", "shift-jis": "cp932",
    "shift_jis": "cp932", "x-euc-jp": "euc_jp", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8", "windows-874": "cp874", "utf8": "utf-8", "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf-7", "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "ascii",
}
# Codecs that exist but are not charsets a mail can honestly declare.
_NOT_CHARSETS = {"idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined", "mbcs", "oem"}


class Problems:
    """What went wrong, bounded: a garbled message must not produce a megabyte of complaints."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, problem: str) -> None:
        if len(self.items) < MAX_PROBLEMS and problem not in self.items:
            self.items.append(_clean(problem))


# --- headers -------------------------------------------------------------------------------------------------


def _read_headers(msg: Message, problems: Problems, hint: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        key = _clean(str(name)).strip().lower()
        if key and key not in headers:
            headers[key] = decode_header_value(str(value), problems, f"{key} header", hint)
    return headers


def decode_header_value(value: str, problems: Problems | None = None, where: str = "a header",
                        hint: str | None = None) -> str:
    """A raw header value as text: folding undone, RFC 2047 encoded words decoded, and undeclared 8-bit bytes
    read as UTF-8, else as the message's own charset (`hint`), else windows-1252.

    Works on the original bytes (compat32 keeps them as surrogate escapes), so an 8-bit byte that an old
    mailer put inside an encoded word is read in that word's charset."""
    raw = _FOLD_BYTES.sub(b" ", value.encode("utf-8", "surrogateescape")).replace(b"\r", b"").replace(b"\n", b"")
    if b"=?" not in raw:
        return _text_8bit(raw, hint)
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded words, joined per charset before decoding
    position = 0
    for match in _ENCODED_WORD.finditer(raw):
        gap = raw[position:match.start()]
        if not (pending and gap.strip() == b""):  # whitespace between two encoded words is not text
            out.extend(_flush(pending, problems, where))
            out.append(_text_8bit(gap, hint))
        charset = match.group(1).split(b"*", 1)[0].decode("ascii", "replace").lower()  # RFC 2231 language
        data = _word_bytes(match.group(2).lower(), match.group(3))
        if pending and pending[-1][0] == charset:
            pending[-1] = (charset, pending[-1][1] + data)
        else:
            pending.append((charset, data))
        position = match.end()
    out.extend(_flush(pending, problems, where))
    out.append(_text_8bit(raw[position:], hint))
    return "".join(out)


def _word_bytes(encoding: bytes, text: bytes) -> bytes:
    if encoding == b"q":
        return binascii.a2b_qp(text, header=True)
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
    data = data[: len(data) - 1] if len(data) % 4 == 1 else data + b"=" * (-len(data) % 4)
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        return text


def _flush(pending: list[tuple[str, bytes]], problems: Problems | None, where: str) -> list[str]:
    decoded = []
    for charset, data in pending:
        text, problem = decode_bytes(data, charset, where)
        if problem and problems is not None:
            problems.add(problem)
        decoded.append(text)
    pending.clear()
    return decoded


def _text_8bit(data: bytes, hint: str | None) -> str:
    """Undeclared header bytes: UTF-8 (also when only a truncated last character is broken), else `hint`,
    else windows-1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and not data[: error.start].isascii():
            return data.decode("utf-8", "replace")
    if hint:
        try:
            return data.decode(hint)
        except (UnicodeDecodeError, LookupError):
            pass
    return _guess(data)[0]


def _fix_8bit(value: str, hint: str | None = None) -> str:
    """Header text with compat32's surrogate escapes (undeclared 8-bit bytes) decoded, encoded words kept."""
    if not _SURROGATE.search(value):
        return value
    return _text_8bit(value.encode("utf-8", "surrogateescape"), hint)


# --- charsets ------------------------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None, where: str) -> tuple[str, str | None]:
    """Bytes → text in the declared charset, with a fallback that never fails; returns (text, problem)."""
    label = (charset or "").strip().strip("\"'").strip().lower()
    codec = _codec(label) if label else None
    if codec is None:
        text, used = _guess(data)
        if label:
            return text, f"unknown charset {label} in {where}, read as {used}"
        return text, None if used in ("ascii", "utf-8") else f"no charset declared in {where}, read as {used}"
    if codec in ("ascii", "cp1252") and not data.isascii():
        return _western(data, label, where)
    try:
        return data.decode(codec), None
    except UnicodeDecodeError:
        return data.decode(codec, "replace"), f"invalid {label} bytes in {where} replaced"
    except Exception:  # noqa: BLE001 - a codec that fails in other ways is as good as unknown
        text, used = _guess(data)
        return text, f"charset {label} in {where} failed, read as {used}"


def _western(data: bytes, label: str, where: str) -> tuple[str, str | None]:
    """us-ascii and latin-1 labels are the ones mailers get wrong most: valid UTF-8 under them is UTF-8."""
    try:
        return data.decode("utf-8"), f"{where} is labelled {label} but is UTF-8, read as UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, None if label != "us-ascii" and label != "ascii" else f"8-bit text in {where} labelled {label}"


@functools.lru_cache(maxsize=256)
def _codec(label: str) -> str | None:
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
        b"".decode(name)  # raises LookupError for bytes-to-bytes codecs such as base64 or zlib
    except (LookupError, ValueError, TypeError):
        return None
    return None if name in _NOT_CHARSETS else name


def _guess(data: bytes) -> tuple[str, str]:
    for codec, name in (("ascii", "ascii"), ("utf-8", "utf-8"), ("cp1252", "windows-1252")):
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _clean(text: str) -> str:
    """No NUL characters and no lone surrogates: PostgreSQL and JSON reject both."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text

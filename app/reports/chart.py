"""The hour-by-weekday load as a PNG, drawn with zlib and struct alone, for mail (an `<img src="cid:…">`).

A heat map: 7 rows (Monday first) by 24 hour columns, white for no tickets to deep blue for the busiest hour,
with the weekday initials on the left and the hours 0, 6, 12 and 18 on top in a tiny built-in pixel font.
Deterministic: the same load always gives the same bytes, so a resent digest carries the same image.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

CELL = 16
GAP = 1
LEFT, TOP = 12, 10
BACKGROUND = (255, 255, 255)
INK = (90, 90, 90)
EMPTY = (240, 242, 245)
FULL = (26, 82, 160)

# 3x5 glyphs, rows top to bottom ("#" = ink).
_GLYPHS = {
    "0": ("###", "#.#", "#.#", "#.#", "###"), "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"), "6": ("###", "#..", "###", "#.#", "###"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "M": ("#.#", "###", "###", "#.#", "#.#"), "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "W": ("#.#", "#.#", "###", "###", "#.#"), "F": ("###", "#..", "##.", "#..", "#.."),
    "S": ("###", "#..", "###", "..#", "###"),
}
WEEKDAY_INITIALS = "MTWTFSS"


def heatmap_png(load: Sequence[Sequence[int]]) -> bytes:
    """The PNG of a 7 x 24 grid of counts."""
    if len(load) != 7 or any(len(row) != 24 for row in load):
        raise ValueError("the load is 7 weekdays by 24 hours")
    width, height = LEFT + 24 * (CELL + GAP), TOP + 7 * (CELL + GAP)
    pixels = [[BACKGROUND] * width for _ in range(height)]
    peak = max(max(row) for row in load)
    for day, row in enumerate(load):
        y0 = TOP + day * (CELL + GAP)
        _text(pixels, WEEKDAY_INITIALS[day], 4, y0 + (CELL - 5) // 2)
        for hour, count in enumerate(row):
            x0 = LEFT + hour * (CELL + GAP)
            colour = _shade(count / peak if peak else 0.0)
            for y in range(y0, y0 + CELL):
                pixels[y][x0:x0 + CELL] = [colour] * CELL
    for hour in (0, 6, 12, 18):
        _text(pixels, str(hour), LEFT + hour * (CELL + GAP), 2)
    return encode_png(pixels)


def _shade(share: float) -> tuple[int, int, int]:
    if share <= 0:
        return EMPTY
    share = 0.15 + 0.85 * share  # one ticket is visibly more than none
    return tuple(round(e + (f - e) * share) for e, f in zip(EMPTY, FULL))  # type: ignore[return-value]


def _text(pixels: list[list[tuple[int, int, int]]], text: str, x: int, y: int) -> None:
    for char in text:
        for dy, line in enumerate(_GLYPHS[char]):
            for dx, bit in enumerate(line):
                if bit == "#":
                    pixels[y + dy][x + dx] = INK
        x += 4


def encode_png(pixels: Sequence[Sequence[tuple[int, int, int]]]) -> bytes:
    """8-bit RGB, no interlace, filter 0 on every row."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

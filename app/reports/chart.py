"""The report charts as PNG, drawn with zlib and struct alone, for mail (an `<img src="cid:…">`): the
hour-by-weekday load (`heatmap_png`) and a bar chart (`bars_png`) — the same charts the report pages draw as
SVG (`svg.py`).

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
    "3": ("###", "..#", "###", "..#", "###"), "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"), "7": ("###", "..#", "..#", "..#", "..#"),
    "9": ("###", "#.#", "###", "..#", "###"), ".": ("...", "...", "...", "...", ".#."),
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


BAR_W, BAR_H = 240, 12


def bars_png(values: Sequence[float]) -> bytes:
    """Horizontal bars, one per value (in the order of the page's chart, whose labels the mail prints beside
    it), each with its value in digits at its end."""
    rows = max(len(values), 1)
    texts = [_number(v) for v in values]
    width, height = 4 + BAR_W + 4 * max(map(len, texts), default=1) + 8, 4 + rows * (BAR_H + 4)
    pixels = [[BACKGROUND] * width for _ in range(height)]
    peak = max(values, default=0) or 1
    for i, value in enumerate(values):
        y0 = 4 + i * (BAR_H + 4)
        length = round(BAR_W * max(value, 0) / peak)
        for y in range(y0, y0 + BAR_H):
            pixels[y][4:4 + length] = [FULL] * length
        _text(pixels, texts[i], 4 + length + 3, y0 + (BAR_H - 5) // 2)
    return encode_png(pixels)


def _number(value: float) -> str:
    value = max(float(value), 0.0)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


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

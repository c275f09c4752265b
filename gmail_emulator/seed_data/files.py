"""Attachment bytes for the demo mail, generated in code so the repository holds no binary blobs.

A PNG "screenshot" of a control-panel error, a one-page PDF invoice and a VPS boot log. Each is deterministic
(same bytes every run) and valid enough for a mail client or a PDF viewer to open.
"""

from __future__ import annotations

import struct
import zlib

_GREY, _WHITE, _RED, _DARK, _BLUE = (236, 238, 241), (255, 255, 255), (214, 48, 49), (60, 64, 72), (37, 99, 235)


def control_panel_screenshot() -> bytes:
    """A 240×150 PNG: a panel header bar, a white dialog with a red error stripe and a blue button."""
    width, height = 240, 150
    rows = []
    for y in range(height):
        row = bytearray([0])  # PNG filter type 0 (none) for every scanline
        for x in range(width):
            row.extend(_screenshot_pixel(x, y))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)),
            _png_chunk(b"IEND", b""),
        ]
    )


def _screenshot_pixel(x: int, y: int) -> tuple[int, int, int]:
    if y < 18:
        return _DARK
    in_dialog = 30 <= x < 210 and 35 <= y < 125
    if not in_dialog:
        return _GREY
    if y < 50:
        return _RED
    if 140 <= x < 195 and 100 <= y < 115:
        return _BLUE
    if 45 <= x < 170 and y in (62, 63, 72, 73, 82, 83):  # lines of "text"
        return _DARK
    return _WHITE


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def invoice_pdf(number: str = "INV-2025-0413", amount: str = "49.90 EUR") -> bytes:
    """A one-page PDF 1.4 invoice with a correct cross-reference table."""
    lines = [
        "CoolXost B.V. - Invoice " + number,
        "Customer: Northwind Analytics Ltd.",
        "Business Hosting (annual)          " + amount,
        "VAT 0% (reverse charge)            0.00 EUR",
        "Total                              " + amount,
        "Paid by card ending 4417",
    ]
    text = "BT /F1 12 Tf 56 780 Td 16 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number_, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number_, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def boot_log() -> bytes:
    """The tail of a VPS console log that hangs on a missing disk after a kernel update."""
    return "\n".join(
        [
            "[    0.000000] Linux version 6.8.0-49-generic (buildd@lcy02-amd64-104) #49-Ubuntu SMP",
            "[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-6.8.0-49-generic root=UUID=3f1c0a57-8d2e ro quiet",
            "[    1.204311] virtio_blk virtio2: [vda] 83886080 512-byte logical blocks (42.9 GB/40.0 GiB)",
            "[    1.209876]  vda: vda1 vda14 vda15",
            "[    2.918402] EXT4-fs (vda1): mounted filesystem 3f1c0a57-8d2e ro with ordered data mode",
            "[    4.331290] systemd[1]: systemd 255.4-1ubuntu8 running in system mode",
            "[    5.002118] systemd[1]: Mounting /srv/data...",
            "[   95.114503] systemd[1]: dev-disk-by\\x2duuid-b71e22c4.device: Job timed out.",
            "[   95.114690] systemd[1]: Timed out waiting for device /dev/disk/by-uuid/b71e22c4.",
            "[   95.115021] systemd[1]: Dependency failed for /srv/data.",
            "[   95.115187] systemd[1]: Dependency failed for Local File Systems.",
            "[   95.120034] systemd[1]: Starting emergency.service - Emergency Shell...",
            "You are in emergency mode. After logging in, type \"journalctl -xb\" to view system logs.",
            "Cannot open access to console, the root account is locked.",
            "",
        ]
    ).encode("ascii")

"""The CoolXost demo conversations, as data: see `model` for their shape and `gmail_emulator.seed` for the mail.

CoolXost is the hosting provider of Linedesk's example set-up: support@coolxost.com is the shared support
mailbox, Kristina and Lisa answer on the 1st line, technicians on the 2nd line, plus a development and a
commercial line. The threads cover what such a mailbox really receives — outages, DNS, SSL, invoices, VPS
trouble, mail deliverability and feature wishes — in English, Russian and Japanese.
"""

from __future__ import annotations

from gmail_emulator.seed_data import english_accounts, english_technical, japanese, russian
from gmail_emulator.seed_data.model import AGENTS, Attachment, Mail, Thread

THREADS: tuple[Thread, ...] = (
    english_technical.THREADS + english_accounts.THREADS + russian.THREADS + japanese.THREADS
)

__all__ = ["AGENTS", "THREADS", "Attachment", "Mail", "Thread"]

"""An article's Markdown as HTML safe to put in our pages, and as plain text for mail and snippets.

Two fences: raw HTML in the Markdown is escaped before Markdown sees it (an agent's `<script>` shows as text),
and the HTML Markdown makes is then rebuilt from the allow-list of gmail_sync.sanitize (nh3: no handlers, no
`javascript:` links, no remote images — a tracking pixel in an article would tell someone who read it).
"""

from __future__ import annotations

import html
import re

import markdown

from gmail_sync.sanitize import html_to_text, sanitize_html

_EXTENSIONS = ["sane_lists", "fenced_code", "tables"]


def to_html(body: str) -> str:
    escaped = html.escape(body or "", quote=False)  # Markdown's own syntax uses none of & < >, except '>' quotes
    escaped = re.sub(r"(?m)^((?:&gt;\s?)+)", lambda m: m.group(1).replace("&gt;", ">"), escaped)
    made = markdown.markdown(escaped, extensions=_EXTENSIONS, output_format="html")
    return sanitize_html(made)


def to_text(body: str) -> str:
    return html_to_text(to_html(body)).strip()


def snippet(body: str, length: int = 200) -> str:
    flat = " ".join(to_text(body).split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"

"""The sanitiser's output in a real browser (Playwright, Debian's Chromium): no payload of tests/sync/xss_payloads.py
runs a script once sanitised.

Each payload is put straight into a page's body — without the sandboxed frame and the CSP that stand behind the
sanitiser in the panel, so this is the sanitiser alone — and then a click event is sent to everything that can be
clicked (links, buttons, inputs, svg and math). A script that ran would have opened a dialog (`alert`, caught by
the context's dialog handler) or set `window.__xss` (read with page.evaluate in the page and any window it
opened).
Every request is answered "failed" by a route, so `src=x` fires `onerror` as on any page and nothing leaves the
machine. To prove the harness sees a script run, each payload that Chromium runs unsanitised (`live`) is run
raw first and must be caught.
"""

from __future__ import annotations

import time

import pytest

from gmail_sync.sanitize import sanitize_html
from tests.browser.test_panel_in_chromium import browser  # noqa: F401  (the fixture: Chromium via Playwright)
from tests.sync.xss_payloads import PAYLOADS

pytestmark = pytest.mark.slow

CLICKABLE = "a, button, input, svg a, svg text, math, details, summary"
SETTLE_S = 0.3  # after the load event and the clicks: long enough for a javascript: navigation to run


class Harness:
    """One browser context whose pages show HTML and tell what ran: dialogs and `window.__xss` flags."""

    def __init__(self, browser) -> None:  # noqa: F811
        self.context = browser.new_context()
        self.context.route("**/*", lambda route: route.abort())
        self.seen: list[str] = []
        self.context.on("dialog", lambda dialog: (self.seen.append(f"dialog {dialog.message}"), dialog.dismiss()))
        self.page = self.context.new_page()

    def ran(self, html: str, *, wait_s: float = SETTLE_S) -> list[str]:
        """What ran when `html` was the page's body and everything in it was clicked."""
        self.seen.clear()
        for page in self.context.pages:
            _evaluate(page, "delete window.__xss")
        self.page.set_content(f"<!doctype html><meta charset=utf-8><title>t</title><body>{html}</body>")
        # A click event on each (what a person's click does to a link or a submit button, hidden ones too)
        self.page.evaluate("""selector => { for (const element of document.querySelectorAll(selector))
            element.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true})); }""", CLICKABLE)
        deadline = time.monotonic() + wait_s
        while True:
            flagged = [f"__xss in {p.url}" for p in self.context.pages if _evaluate(p, "window.__xss === 1")]
            if self.seen or flagged or time.monotonic() >= deadline:
                return self.seen + flagged
            self.page.wait_for_timeout(50)


def _evaluate(page, expression: str) -> bool:
    try:
        return not page.is_closed() and bool(page.evaluate(expression))
    except Exception:  # noqa: BLE001 - a window navigating away as we ask: ask the next time round
        return False


def test_no_payload_runs_once_sanitised(browser):  # noqa: F811
    raw, clean = Harness(browser), Harness(browser)  # apart: nothing late from a raw payload can land in `clean`
    caught_raw, ran_clean = [], {}
    for payload in PAYLOADS:
        if payload.live:
            assert raw.ran(payload.html, wait_s=5.0), f"the harness did not see {payload.name} run: {payload.html}"
            caught_raw.append(payload.name)
        cleaned = clean.ran(sanitize_html(payload.html))
        if cleaned:
            ran_clean[payload.name] = cleaned
    assert ran_clean == {}
    assert len(caught_raw) >= 30  # the live payloads above all ran raw, and none ran cleaned

"""Mutation-XSS and obfuscation payloads for the sanitiser, shared by its unit tests (tests/sync/test_sanitize.py)
and the test that shows its output in Chromium (tests/browser/test_sanitize_in_chromium.py).

Each payload, if anything of it ran, would set `window.__xss` or call `alert` — so a page can tell. `live` says that
Chromium runs the payload as it is (unsanitised): for those the browser test proves first that its harness sees
the script run, then that the sanitised output runs nothing. The others are blocked by Chromium itself today
(javascript: in CSS, object data, a refresh to javascript:, …) and must come out harmless all the same.

Kinds:
- **reparse**: markup whose tree differs between a non-HTML5 parser and the browser — raw-text and RCDATA
  elements (<noscript>, <noembed>, <noframes>, <iframe>, <xmp>, <style>, <title>, <textarea>) whose "attribute"
  ends the element in the browser; comments a browser closes early (`<!-->`); unterminated tags;
- **namespace**: <svg>/<math> content that breaks out into HTML or carries its own script (<svg><style> is markup,
  not CSS; <foreignObject>, <mglyph>, <mtext>, <animate onbegin>, xlink:href);
- **scheme**: `javascript:` behind entities, tabs, newlines, control characters, mixed case; data: URLs;
- **attribute**: srcset, formaction, form action, on* handlers, CSS url()/expression().
"""

from __future__ import annotations

from typing import NamedTuple


class Payload(NamedTuple):
    name: str
    html: str
    live: bool  # Chromium runs it unsanitised


PAYLOADS = (
    # reparse: raw text and RCDATA elements, comments, unterminated tags
    Payload("noscript-title", '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>', True),
    Payload("noembed-title", '<noembed><img title="</noembed><img src onerror=alert(1)>"></noembed>', True),
    Payload("noframes-title", '<noframes><img title="</noframes><img src onerror=alert(1)>"></noframes>', True),
    Payload("iframe-title", '<iframe><img title="</iframe><img src onerror=alert(1)>"></iframe>', True),
    Payload("xmp-title", '<xmp><img title="</xmp><img src onerror=alert(1)>"></xmp>', True),
    Payload("style-title", '<style><img title="</style><img src onerror=alert(1)>"></style>', True),
    Payload("title-title", '<title><img title="</title><img src onerror=alert(1)>"></title>', True),
    Payload("textarea-title", '<textarea><img title="</textarea><img src onerror=alert(1)>"></textarea>', True),
    Payload("select-style", '<select><style></select><img src=x onerror=alert(1)></style>', False),
    Payload("empty-comment", '<p>a<!--><img src=x onerror=alert(1)>-->', True),
    Payload("comment-in-attribute", '<!--<img src="--><img src=x onerror=alert(1)//">', True),
    Payload("double-open", '<<img src=x onerror=alert(1)//>', True),
    Payload("quotes-soup", '<img """><script>window.__xss=1</script>">', True),
    Payload("unterminated", '<div><img src=x onerror=alert(1)//', True),
    Payload("table-foster", '<table><td><img src=x onerror=alert(1)></table>', True),
    Payload("template", '<template><img src=x onerror=alert(1)></template>', False),
    Payload("body-onload", '<body onload="window.__xss=1">', True),
    # namespace confusion
    Payload("svg-p-style", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">', True),
    Payload("svg-style", '<svg><style><img src=x onerror=alert(1)></style></svg>', True),
    Payload("math-style", '<math><style><img src=x onerror=alert(1)></style></math>', True),
    Payload("math-mglyph-style", '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', False),
    Payload("form-math-mglyph", '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
            False),
    Payload("math-svg-textarea",
            '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">', True),
    Payload("svg-foreignobject", '<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>', True),
    Payload("svg-script", '<svg><script>window.__xss=1</script></svg>', True),
    Payload("svg-animate", '<svg><animate onbegin="window.__xss=1" attributeName=x dur=1s>', True),
    Payload("svg-xlink", '<svg><a xlink:href="javascript:window.__xss=1"><text x=20 y=20>XSS</text></a></svg>', True),
    Payload("math-href", '<math href="javascript:window.__xss=1">math href</math>', False),
    # schemes
    Payload("tab-entity", '<a href="jav&#x09;ascript:window.__xss=1">tab</a>', True),
    Payload("newline-entity", '<a href="jav&#x0A;ascript:window.__xss=1">newline</a>', True),
    Payload("padded-entity", '<a href="java&#0000009script:window.__xss=1">padded entity</a>', True),
    Payload("decimal-entity", '<a href="&#106;avascript:window.__xss=1">decimal</a>', True),
    Payload("hex-and-named", '<a href="&#x6A;&#x61;vascript&colon;window.__xss=1">hex and named</a>', True),
    Payload("named-tab", '<a href="javas&Tab;cript:window.__xss=1">named tab</a>', True),
    Payload("control-char", '<a href=" &#x01;javascript:window.__xss=1">control</a>', True),
    Payload("mixed-case", '<a href="JaVaScRiPt:window.__xss=1">case</a>', True),
    Payload("data-link", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>', False),
    Payload("entity-handler", '<img src=x onerror="&#97;lert(1)">', True),
    Payload("base-href", '<base href="javascript:/a/-alert(1)///////"><a href=../lol/x.html>base</a>', False),
    Payload("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">', False),
    Payload("object-data", '<object data="javascript:window.__xss=1"></object>', False),
    Payload("embed-src", '<embed src="javascript:window.__xss=1">', False),
    Payload("iframe-srcdoc", '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>', True),
    # attributes
    Payload("srcset-onerror", '<img src=x srcset="x 1x" onerror=alert(1)>', True),
    Payload("srcset-javascript", '<img srcset="javascript:alert(1) 1x" src=x>', False),
    Payload("formaction", '<form><button formaction="javascript:window.__xss=1">formaction</button></form>', True),
    Payload("form-action", '<form action="javascript:window.__xss=1"><input type=submit value=go></form>', True),
    Payload("input-formaction", '<input type=image formaction="javascript:window.__xss=1" src=x>', False),
    Payload("details-ontoggle", '<details open ontoggle="window.__xss=1">d</details>', True),
    Payload("css-url-javascript", '<div style="background:url(javascript:window.__xss=1)">css url</div>', False),
    Payload("css-expression", '<div style="width: expression(alert(1))">css expression</div>', False),
    Payload("css-allowed-property-url", '<div style="border: 1px solid; width: url(javascript:alert(1))">b</div>',
            False),
)

"""HTML from customers' mail made safe to show to agents, and HTML turned into plain text.

Why this module exists: mail HTML is written by strangers. Shown as it came, it could run script in an agent's
session, restyle or cover our page, submit forms, or tell the sender when (and that) an agent read the mail
through remote images — tracking pixels. So the HTML kept for display is rebuilt from an allow-list, and the
original stays in Gmail.

How `sanitize_html` works (beautifulsoup4 with the stdlib `html.parser`):
- Allow-list of tags: formatting (p, br, div, span, b, i, u, strong, em, lists, tables, blockquote, pre, code,
  h1-h6, a, img, hr, font, …). Dangerous containers (script, style, iframe, object, embed, svg, math, form
  controls, head, …) go with their content; meta/link/base go; any other tag (html, body, center, o:p, …) is
  unwrapped, keeping its text. Comments, doctypes and processing instructions go.
- Allow-list of attributes per tag, so every `on*` handler, `id`/`class` (which could hook our own CSS or
  scripts) and `background` (a remote image in disguise) disappear. `style` is kept only as the allowed CSS
  properties, and only with values free of `url(`, `expression(`, `javascript:` and CSS escapes.
- URLs: a link keeps http, https, mailto and tel (checked after removing the whitespace and control characters
  browsers ignore, so "java\\tscript:" is caught) and gets rel="noopener noreferrer nofollow" target="_blank".
  An image keeps `cid:` (inline attachments) and `data:image/{png,gif,jpeg,webp,bmp}`; an http(s) image is
  replaced by a placeholder unless `allow_remote_images`. Tracking pixels (0 or 1 px, or hidden) are removed in
  both cases: they show nothing, they only report the read.

`html_to_text` is how HTML-only mail gets its text: scripts and styles dropped, whitespace collapsed as a browser
would, line breaks kept for <br>, block elements and list items (one blank line after a paragraph).
"""

from __future__ import annotations

import html as html_lib
import re
import warnings

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, MarkupResemblesLocatorWarning, NavigableString
from bs4 import ProcessingInstruction, Tag, XMLParsedAsHTMLWarning

_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "head",
    "title", "template", "noscript", "noembed", "noframes", "textarea", "select", "button", "audio", "video",
    "canvas", "xml", "meta", "link", "base", "input", "param", "source", "track", "area", "map",
})
_GLOBAL_ATTRS = frozenset({"title", "dir", "lang", "align", "valign", "style", "width", "height"})
_ALLOWED = {
    **{tag: frozenset() for tag in (
        "p", "br", "div", "span", "b", "i", "u", "s", "strike", "strong", "em", "small", "big", "sub", "sup",
        "ul", "li", "dl", "dt", "dd", "blockquote", "pre", "code", "tt", "hr", "h1", "h2", "h3", "h4", "h5",
        "h6", "table", "thead", "tbody", "tfoot", "tr", "caption", "colgroup", "col", "center", "abbr", "cite",
        "q", "del", "ins", "mark", "kbd", "samp", "var", "address",
    )},
    "ol": frozenset({"start", "type"}),
    "td": frozenset({"colspan", "rowspan", "bgcolor", "nowrap"}),
    "th": frozenset({"colspan", "rowspan", "bgcolor", "nowrap", "scope"}),
    "font": frozenset({"color", "face", "size"}),
    "a": frozenset({"href", "name"}),
    "img": frozenset({"src", "alt", "border"}),
}
for _tag in ("table", "tr", "tbody", "thead", "tfoot"):
    _ALLOWED[_tag] = _ALLOWED[_tag] | {"border", "cellpadding", "cellspacing", "bgcolor"}

_CSS_PROPERTIES = frozenset({
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "text-indent", "text-transform", "line-height", "letter-spacing",
    "vertical-align", "white-space", "word-break", "margin", "margin-top", "margin-bottom", "margin-left",
    "margin-right", "padding", "padding-top", "padding-bottom", "padding-left", "padding-right", "border",
    "border-top", "border-bottom", "border-left", "border-right", "border-color", "border-style",
    "border-width", "border-collapse", "border-spacing", "border-radius", "width", "height", "max-width",
    "min-width", "list-style-type", "direction", "display",
})
_BAD_CSS_VALUE = re.compile(r"url\s*\(|expression|javascript|vbscript|behavior|binding|@import|\\|[<>]", re.I)
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpe?g|webp|bmp)[;,]", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)", re.I)
_PIXEL = re.compile(r"^\s*[01](?:px)?\s*$")
_CSS_PIXEL = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*[01]px", re.I)

_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)

PLACEHOLDER_CLASS = "ld-remote-image"


def sanitize_html(html: str, *, allow_remote_images: bool = False) -> str:
    """HTML safe to show inside our pages: allow-listed tags, attributes, CSS and URLs only."""
    soup = _soup(html)
    if soup is None:  # the parser gave up: show the markup as text, which is always safe
        return "<pre>" + html_lib.escape(html) + "</pre>"
    stack = list(reversed(soup.contents))  # pre-order walk that never enters a dropped subtree
    while stack:
        node = stack.pop()
        if isinstance(node, _NOT_TEXT):
            node.extract()
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if name in _DROP_WITH_CONTENT:
            node.decompose()
            continue
        children = list(node.contents)
        if name in _ALLOWED:
            _clean_tag(soup, node, name, allow_remote_images)
        else:
            node.unwrap()
        stack.extend(reversed(children))
    return str(soup)


def _clean_tag(soup: BeautifulSoup, tag: Tag, name: str, allow_remote_images: bool) -> None:
    allowed = _ALLOWED[name] | _GLOBAL_ATTRS
    for attribute in list(tag.attrs):
        if attribute.lower() not in allowed:
            del tag.attrs[attribute]
    if "style" in tag.attrs:
        style = _clean_style(_attr(tag, "style"))
        if style:
            tag.attrs["style"] = style
        else:
            del tag.attrs["style"]
    if name == "a":
        _clean_link(tag)
    elif name == "img":
        _clean_image(soup, tag, allow_remote_images)


def _clean_style(style: str) -> str:
    kept = []
    for declaration in style.split(";"):
        prop, _, value = declaration.partition(":")
        prop, value = prop.strip().lower(), value.strip()
        if prop in _CSS_PROPERTIES and value and not _BAD_CSS_VALUE.search(value):
            kept.append(f"{prop}: {value}")
    return "; ".join(kept)


def _clean_link(tag: Tag) -> None:
    href = _attr(tag, "href")
    if href and not _safe_link(href):
        del tag.attrs["href"]
    tag.attrs["rel"] = "noopener noreferrer nofollow"
    tag.attrs["target"] = "_blank"


def _safe_link(url: str) -> bool:
    compact = _IGNORED_IN_URL.sub("", url).lower()
    if re.match(r"^[a-z][a-z0-9+.\-]*:", compact) is None:
        return True  # relative, fragment or protocol-relative: no script can hide there
    return compact.startswith(_LINK_SCHEMES)


def _clean_image(soup: BeautifulSoup, tag: Tag, allow_remote_images: bool) -> None:
    src = _IGNORED_IN_URL.sub("", _attr(tag, "src"))
    lowered = src.lower()
    if _is_tracking_pixel(tag):
        tag.decompose()
    elif lowered.startswith("cid:") or _DATA_IMAGE.match(src):
        return
    elif lowered.startswith(("http:", "https:", "//")) and allow_remote_images:
        tag.attrs["src"] = src
    else:
        _replace_with_placeholder(soup, tag)


def _is_tracking_pixel(tag: Tag) -> bool:
    style = _attr(tag, "style")
    if _HIDDEN.search(style) or _CSS_PIXEL.search(style):
        return True
    return any(_PIXEL.match(_attr(tag, side)) for side in ("width", "height"))


def _replace_with_placeholder(soup: BeautifulSoup, tag: Tag) -> None:
    """A visible stand-in for a remote image: its alt text, so the agent knows something is there."""
    alt = _attr(tag, "alt").strip()
    placeholder = soup.new_tag("span", attrs={"class": PLACEHOLDER_CLASS, "title": "Remote image not loaded"})
    placeholder.string = f"[image: {alt}]" if alt else "[image]"
    tag.replace_with(placeholder)


def _attr(tag: Tag, name: str) -> str:
    value = tag.attrs.get(name, "")
    return " ".join(value) if isinstance(value, list) else str(value)


def _soup(html: str) -> BeautifulSoup | None:
    """Parse with html.parser; bs4's guesses that the markup is a URL or XML are not our business."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        try:
            return BeautifulSoup(html, "html.parser")
        except Exception:  # noqa: BLE001 - bs4 raises ParserRejectedMarkup and friends on hostile input
            return None


# --- HTML → text ---------------------------------------------------------------------------------------------

_INVISIBLE = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "math", "xml", "object"})
_LINE_BLOCKS = frozenset({
    "div", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "address", "center", "section", "article", "header", "footer", "form", "fieldset", "caption",
})
_PARA_BLOCKS = frozenset({"p"})
# Private-use characters mark the breaks while the text is flattened; any already in the input are removed.
_LINE, _PARA, _BR, _PRE_NL = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKERS = re.compile("[\ue000-\ue003]")
_BREAK_RUN = re.compile("[ \ue000-\ue002]*[\ue000-\ue002][ \ue000-\ue002]*")


def html_to_text(html: str) -> str:
    """Readable plain text from mail HTML, keeping the line structure of paragraphs, breaks and lists."""
    soup = _soup(_MARKERS.sub("", html))
    if soup is None:
        return _collapse_breaks(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).replace("\xa0", " "))
    stack: list[tuple[object, bool]] = [(child, False) for child in reversed(soup.contents)]
    while stack:
        node, in_pre = stack.pop()
        if isinstance(node, _NOT_TEXT):
            node.extract()
        elif isinstance(node, Tag):
            if node.name in _INVISIBLE:
                node.decompose()
                continue
            children = list(node.contents)
            _mark_breaks(node)
            stack.extend((child, in_pre or node.name == "pre") for child in reversed(children))
        elif in_pre and isinstance(node, NavigableString):
            node.replace_with(node.replace("\n", _PRE_NL).replace(" ", "\xa0"))
    text = re.sub(r"[ \t\r\n\f\v]+", " ", soup.get_text())
    return _collapse_breaks(_BREAK_RUN.sub(_breaks, text).replace(_PRE_NL, "\n").replace("\xa0", " "))


def _mark_breaks(tag: Tag) -> None:
    if tag.name == "br":
        tag.replace_with(_BR)
    elif tag.name in _LINE_BLOCKS or tag.name in _PARA_BLOCKS:
        marker = _PARA if tag.name in _PARA_BLOCKS else _LINE
        tag.insert_before(marker)
        tag.append(marker)
        if tag.name == "li":
            tag.insert(0, "- ")


def _breaks(match: re.Match[str]) -> str:
    """How many newlines a run of break markers makes: a <p> edge two, another block edge one, each <br> one —
    except a <br> that only ends a line of text right before a block edge, which browsers do not show either."""
    run = match.group(0).replace(" ", "")
    block = 2 if _PARA in run else (1 if _LINE in run else 0)
    ends_text_line = match.start() > 0 and run.startswith(_BR) and len(run) > 1 and run[1] != _BR
    return "\n" * (run.count(_BR) - ends_text_line + block)


def _collapse_breaks(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n ")

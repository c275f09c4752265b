"""HTML from customers' mail made safe to show to agents, and HTML turned into plain text.

Why this module exists: mail HTML is written by strangers. Shown as it came, it could run script in an agent's
session, restyle or cover our page, submit forms, or tell the sender when (and that) an agent read the mail
through remote images — tracking pixels. So the HTML kept for display is rebuilt from an allow-list, and the
original stays in Gmail.

How `sanitize_html` works: the allow-list step is nh3 (Ammonia on html5ever), which parses the markup with the
HTML5 algorithm a browser uses — the same tree a browser would build, namespaces (svg, math), `<noscript>`,
`<template>`, foster-parented table content and misnested tags included — and serialises only what is allowed,
escaped. A sanitiser whose parser disagrees with the browser's is the root of mutation XSS (markup that is
harmless in the sanitiser's tree and a script in the browser's); here the two trees are one.
- Allow-list of tags: formatting (p, br, div, span, b, i, u, strong, em, lists, tables, blockquote, pre, code,
  h1-h6, a, img, hr, font, …). Dangerous containers (script, style, iframe, object, embed, svg, math, form
  controls, head, template, noscript, …) go with their content; meta/link/base go; any other tag (html, body,
  center, o:p, …) is unwrapped, keeping its text. Comments, doctypes and processing instructions go.
- Allow-list of attributes per tag, so every `on*` handler, `id`/`class` (which could hook our own CSS or
  scripts), `srcset`, `formaction` and `background` (a remote image in disguise) disappear. `style` keeps only
  the allowed CSS properties (nh3's `filter_style_properties`), and only declarations whose values are free of
  `url(`, `expression(`, `javascript:` and CSS escapes (`_clean_style`, nh3's `attribute_filter`).
- URLs: nh3 reads each URL as the URL standard does (so "java\\tscript:" and entity-encoded schemes are seen for
  what they are) and keeps only http, https, mailto, tel, cid and data; per tag, a link keeps http, https,
  mailto and tel (and relative links) and gets rel="noopener noreferrer nofollow" target="_blank". An image
  keeps `cid:` (inline attachments) and `data:image/{png,gif,jpeg,webp,bmp}`; an http(s) image keeps its source
  only with `allow_remote_images`, otherwise (and for any other source) it becomes a placeholder with its alt
  text. Tracking pixels (0 or 1 px, or hidden) are removed in both cases: they show nothing, they only report
  the read. The image step needs to see a whole tag (its size and style together), which an attribute filter
  cannot: it runs on nh3's canonical output (beautifulsoup4), and nh3 then cleans the result once more, so nh3
  always has the last word on what leaves this module.

`html_to_text` is how HTML-only mail gets its text (beautifulsoup4 with the stdlib `html.parser`: extracting
text needs no agreement with a browser about what is safe): scripts and styles dropped, whitespace collapsed as a
browser would, line breaks kept for <br>, block elements and list items (one blank line after a paragraph).
"""

from __future__ import annotations

import html as html_lib
import re
import warnings

import nh3
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
_REMOTE = ("http:", "https:", "//")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpe?g|webp|bmp)[;,]", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)", re.I)
_PIXEL = re.compile(r"^\s*[01](?:px)?\s*$")
_CSS_PIXEL = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*[01]px", re.I)
_PIXEL_MARK = "display:none"  # what `_filter` turns a tracking pixel's style into, for `_rework_images`

_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)

PLACEHOLDER_CLASS = "ld-remote-image"


def sanitize_html(html: str, *, allow_remote_images: bool = False) -> str:
    """HTML safe to show inside our pages: allow-listed tags, attributes, CSS and URLs only."""
    cleaner = _CLEANERS[allow_remote_images]
    cleaned = cleaner.clean(html)
    if "<img" not in cleaned:  # nh3 escapes every "<" in text and attribute values: this is a real tag
        return cleaned
    return cleaner.clean(_rework_images(cleaned))


def _filter(allow_remote_images: bool):
    """nh3's attribute_filter: what a tag-and-attribute allow-list cannot say (called with each kept attribute's
    value as the HTML parser decoded it; None drops the attribute)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":
            if tag == "img" and (_HIDDEN.search(value) or _CSS_PIXEL.search(value)):
                return _PIXEL_MARK
            return _clean_style(value)
        if tag == "a" and attribute == "href":
            return value if _safe_link(value) else None
        if tag == "img" and attribute == "src":
            return _image_source(value, allow_remote_images)
        return value

    return keep


def _clean_style(style: str) -> str | None:
    kept = []
    for declaration in style.split(";"):
        prop, _, value = declaration.partition(":")
        prop, value = prop.strip().lower(), value.strip()
        if prop in _CSS_PROPERTIES and value and not _BAD_CSS_VALUE.search(value):
            kept.append(f"{prop}: {value}")
    return "; ".join(kept) or None


def _safe_link(url: str) -> bool:
    compact = _IGNORED_IN_URL.sub("", url).lower()
    if re.match(r"^[a-z][a-z0-9+.\-]*:", compact) is None:
        return True  # relative, fragment or protocol-relative: no script can hide there
    return compact.startswith(_LINK_SCHEMES)


def _image_source(src: str, allow_remote_images: bool) -> str | None:
    """The source an image may keep; None makes it a placeholder (`_rework_images`)."""
    compact = _IGNORED_IN_URL.sub("", src)
    lowered = compact.lower()
    if lowered.startswith("cid:") or _DATA_IMAGE.match(compact):
        return src
    if lowered.startswith(_REMOTE) and allow_remote_images:
        return compact
    return None


def _cleaner(allow_remote_images: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_ALLOWED), clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"*": set(_GLOBAL_ATTRS), **{tag: set(names) for tag, names in _ALLOWED.items() if names}},
        attribute_filter=_filter(allow_remote_images), strip_comments=True,
        link_rel="noopener noreferrer nofollow", set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"}, url_relative="pass_through",
        allowed_classes={"span": {PLACEHOLDER_CLASS}}, filter_style_properties=set(_CSS_PROPERTIES),
    )


_CLEANERS = {False: _cleaner(False), True: _cleaner(True)}


def _rework_images(cleaned: str) -> str:
    """On nh3's canonical output: tracking pixels go; an image left without a source becomes a placeholder."""
    soup = BeautifulSoup(cleaned, "html.parser")
    for image in soup.find_all("img"):
        if _is_tracking_pixel(image):
            image.decompose()
        elif not _attr(image, "src"):
            _replace_with_placeholder(soup, image)
    return str(soup)


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

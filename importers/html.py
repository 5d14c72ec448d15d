"""The HTML of exported posts and comments: what a reader needs of it, safe to
show, and its plain text for search, quotations and feeds. Pure Python.

Sanitising is nh3's (the Rust ammonia library): only the tags and attributes
below survive, links get rel="nofollow ugc noopener", and only http, https
and mailto addresses are kept. Two steps come before it:
- WordPress stores most text without paragraph tags and adds them when it
  shows a page (wpautop): a blank line is a paragraph, a line break a <br>;
- an image becomes a link to its source, named by its alt text.
"""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser

import nh3

TAGS = {"p", "br", "a", "em", "i", "strong", "b", "ul", "ol", "li", "blockquote", "code", "pre"}
_BLOCKS = {"p", "ul", "ol", "li", "blockquote", "pre", "div", "figure", "table", "tr",
           "h1", "h2", "h3", "h4", "h5", "h6", "hr", "dl", "dd", "dt", "section"}  # fmt: skip
_BLOCK_TAG = re.compile(r"<(?:/?(?:" + "|".join(sorted(_BLOCKS)) + r")\b|!--)", re.I)
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
# A link whose address nh3 dropped (javascript:, data:…) is its text alone.
# nh3 writes it exactly so, and never nests links.
_NO_ADDRESS = re.compile(r'<a rel="nofollow ugc noopener">(.*?)</a>', re.S)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SPACE = re.compile(r"\s+")


def _cleaner(base_url: str) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags={"script", "style", "template", "iframe", "object", "noscript"},
        attributes={"a": {"href"}, "*": set()},  # not even ammonia's default title and lang
        link_rel="nofollow ugc noopener",
        url_schemes={"http", "https", "mailto"},
        url_relative=("rewrite_with_base", base_url) if base_url else "deny",
    )


class Sanitiser:
    """clean() for one export: relative links are read against its site."""

    def __init__(self, base_url: str = "") -> None:
        base = base_url.rstrip("/") + "/" if base_url.startswith(("http://", "https://")) else ""
        self._cleaner = _cleaner(base)

    def clean(self, html: str) -> str:
        """Safe HTML with what a reader needs of `html`, and nothing else."""
        clean = self._cleaner.clean(_images_as_links(autop(html)))
        return _EMPTY_PARAGRAPH.sub("", _NO_ADDRESS.sub(r"\1", clean)).strip()


def autop(text: str) -> str:
    """WordPress's paragraphs: text between blank lines with no block of its
    own (no <p>, list, quotation, <pre>…) becomes a <p>, its line breaks <br>s."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    chunks = _PARAGRAPH_BREAK.split(text)
    out = []
    for chunk in chunks:
        if _BLOCK_TAG.search(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


class _Images(HTMLParser):
    """The markup as it came, but each <img> a link to its source."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self._image(dict(attrs))
        else:
            self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag, attrs):
        if tag == "img":
            self._image(dict(attrs))
        else:
            self.out.append(self.get_starttag_text() or "")

    def _image(self, attrs: dict[str, str | None]) -> None:
        src = (attrs.get("src") or "").strip()
        alt = _SPACE.sub(" ", attrs.get("alt") or "").strip()
        if src:
            label = f"[image: {alt}]" if alt else "[image]"
            self.out.append(f'<a href="{escape(src)}">{escape(label)}</a>')

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        """Left out: WordPress's block markers, like any comment, are never shown."""

    def unknown_decl(self, data):
        """Left out: a CDATA section or declaration inside a body shows nothing."""


def _images_as_links(html: str) -> str:
    if "<img" not in html.lower():
        return html
    parser = _Images()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.pre = 0

    def _break(self) -> None:
        text = "".join(self.current)
        lines = [line.strip() if self.pre else _SPACE.sub(" ", line).strip()
                 for line in text.split("\n")]  # fmt: skip
        joined = "\n".join(line for line in lines if line)
        if joined:
            self.paragraphs.append(joined)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.current.append("\n")
        elif tag in _BLOCKS:
            self._break()
            self.pre += tag == "pre"

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self._break()
            self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data):
        self.current.append(data if self.pre else data.replace("\n", " "))


# nh3's output: every "<" starts one of TAGS (text's own are &lt;), so a tag
# is found by its name alone.
_OUR_BLOCKS = re.compile(r"</?(?:p|ul|ol|li|blockquote)>")
_BREAK = re.compile(r"<br>\n?")
_ANY_TAG = re.compile(r"<[^>]*>")


def paragraphs(clean_html: str) -> list[str]:
    """The text of sanitised HTML as the site's paragraphs: blocks apart,
    line breaks kept inside them, other white space as one space."""
    if "<pre" not in clean_html:  # the common case, without a parser
        found = []
        for block in _OUR_BLOCKS.split(clean_html):
            text = unescape(_ANY_TAG.sub("", _BREAK.sub("\n", block)))
            lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
            if joined := "\n".join(line for line in lines if line):
                found.append(joined)
        return found
    parser = _Text()
    parser.feed(clean_html)
    parser.close()
    parser._break()
    return parser.paragraphs

"""Markdown (CommonMark via markdown-it-py) for section bodies.

Both editions render a section's body through the same function, so their
text cannot differ. Three house rules sit on top of CommonMark:
- `{{disclaimer:ID}}` prints a disclaimer from the data, through the shared partial;
- raw HTML is refused (a content error), so no script or stray markup can reach an edition;
- an image must be a file inside the publication folder and have alt text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.footnote import footnote_plugin

from .errors import Location, Problem

DISCLAIMER_RE = re.compile(r"\{\{\s*disclaimer:([a-z0-9-]+)\s*\}\}")
REMOTE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _disclaimer_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("{{", state.pos):
        return False
    match = DISCLAIMER_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("octavo_disclaimer", "", 0)
        token.meta = {"id": match.group(1)}
    state.pos = match.end()
    return True


def _parser(html: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html, "xhtmlOut": True, "typographer": False})
    md.enable("table")
    md.use(footnote_plugin)
    md.inline.ruler.before("text", "octavo_disclaimer", _disclaimer_rule)
    return md


@dataclass(frozen=True)
class Image:
    src: str
    path: Path
    alt: str


def check_body(body: str, path: Path, first_line: int, folder: Path) -> list[Problem]:
    """Every problem in a section body: raw HTML, bad images."""
    problems = []
    tokens = _parser(html=True).parse(body, {})
    for token in tokens:
        line = first_line + token.map[0] if token.map else first_line
        where = Location(path, line)
        if token.type == "html_block":
            problems.append(Problem(where, "raw HTML is not allowed in a section",
                                    "write it in Markdown; for emphasis use *text*, for a link [text](url)"))
        for child in token.children or []:
            if child.type == "html_inline":
                problems.append(Problem(where, f"raw HTML '{child.content}' is not allowed in a section",
                                        "write it in Markdown instead"))
            if child.type == "image":
                problems.extend(_check_image(child, where, folder))
            if child.type == "link_open":
                problems.extend(_check_link(child.attrGet("href") or "", where))
            if child.type == "text":
                # CommonMark leaves a link to a forbidden scheme (file:, javascript:) as
                # literal text; say so rather than print "[x](file:///etc/passwd)".
                for match in REFUSED_LINK_RE.finditer(child.content):
                    problems.extend(_check_link(match.group(1), where))
    return problems


REFUSED_LINK_RE = re.compile(r"\]\(\s*<?((?:file|javascript|vbscript|data):[^)\s>]*)", re.IGNORECASE)


def _check_link(href: str, where: Location) -> list[Problem]:
    """Links may lead to the web, to an e-mail address, or within the paper; nowhere on the reader's disk."""
    scheme = href.split(":", 1)[0].lower() if REMOTE_RE.match(href) else ""
    if scheme in ("http", "https", "mailto") or href.startswith("#"):
        return []
    return [Problem(where, f"the address '{href[:80]}' is refused",
                    "a link may lead to a web page (https://…), an e-mail address (mailto:…) or a part of the "
                    "paper (#id); an image must be a file in the publication folder")]


def _check_image(token, where: Location, folder: Path) -> list[Problem]:
    src = token.attrGet("src") or ""
    alt = "".join(c.content for c in token.children or []).strip()
    problems = []
    if not alt:
        problems.append(Problem(where, f"image '{src}' has no alt text",
                                "describe the image for readers who cannot see it: ![description](file.png)"))
    if REMOTE_RE.match(src) or src.startswith("/"):
        problems.append(Problem(where, f"image '{src}' is not a file in the publication folder",
                                "editions never fetch from the network or outside the publication: copy the image into the folder"))
    elif not (folder / src).resolve().is_relative_to(folder.resolve()):
        problems.append(Problem(where, f"image '{src}' lies outside the publication folder",
                                "copy the image into the publication folder, e.g. images/"))
    elif not (folder / src).is_file():
        problems.append(Problem(where, f"image '{src}' does not exist", "check the file name and path"))
    return problems


def images_in(body: str, folder: Path) -> list[Image]:
    result = []
    for token in _parser().parse(body, {}):
        for child in token.children or []:
            if child.type == "image":
                src = child.attrGet("src")
                alt = "".join(c.content for c in child.children or [])
                result.append(Image(src, folder / src, alt))
    return result


def render_body(body: str, doc_id: str, disclaimer_html: Callable[[str], str]) -> str:
    """A section body as XHTML-compatible HTML; footnote ids are prefixed with doc_id."""
    md = _parser()
    md.add_render_rule("octavo_disclaimer", lambda self, tokens, idx, options, env:
                       disclaimer_html(tokens[idx].meta["id"]))
    md.add_render_rule("footnote_ref", _footnote_ref)
    md.add_render_rule("footnote_block_open", _footnote_block_open)
    md.add_render_rule("footnote_block_close", lambda *a: "</ol>\n</section>\n")
    md.add_render_rule("footnote_open", _footnote_open)
    md.add_render_rule("footnote_anchor", _footnote_anchor)
    md.core.ruler.push("octavo_block_ids", _block_ids)
    return md.render(body, {"docId": doc_id})


# Block elements that get a stable id, the same in every edition: the EPUB's
# page-break markers (pagemap.py) name the print edition's page starts by them.
ID_BLOCKS = ("paragraph_open", "heading_open", "blockquote_open", "table_open", "bullet_list_open",
             "ordered_list_open", "list_item_open", "code_block", "fence")


def _block_ids(state) -> None:
    count = 0
    for token in state.tokens:
        if token.type in ID_BLOCKS and not token.hidden:
            count += 1
            token.attrSet("id", f"{state.env['docId']}-b{count}")


# Footnotes carry the EPUB 3 structural semantics (epub:type noteref/footnote)
# and DPUB-ARIA roles, so reading systems can show them as pop-up notes.
def _footnote_ref(self, tokens, idx, options, env):
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    caption = str(tokens[idx].meta["id"] + 1)
    sub = tokens[idx].meta.get("subId", -1)
    refid = f"{ident}-{sub}" if sub > 0 else ident
    return (f'<sup class="footnote-ref"><a href="#fn{ident}" id="fnref{refid}" '
            f'epub:type="noteref" role="doc-noteref">{caption}</a></sup>')


def _footnote_anchor(self, tokens, idx, options, env):
    # The link back to the reference, one per reference: ids use "-" where the
    # plugin's default uses ":" (so each back-link reaches its own reference,
    # matching _footnote_ref), and the arrow gets words for screen readers.
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    sub = tokens[idx].meta.get("subId", -1)
    refid = f"{ident}-{sub}" if sub > 0 else ident
    number = tokens[idx].meta["id"] + 1
    label = f"Back to reference {number}" + (f" ({sub + 1})" if sub > 0 else "")
    return (f' <a href="#fnref{refid}" class="footnote-backref" role="doc-backlink" '
            f'aria-label="{label}">\u21a9\ufe0e</a>')


def _footnote_block_open(self, tokens, idx, options, env):
    return '<section class="footnotes" epub:type="footnotes" role="doc-endnotes">\n<ol class="footnotes-list">\n'


def _footnote_open(self, tokens, idx, options, env):
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    # No role: DPUB-ARIA 1.1 deprecates doc-endnote; the EPUB makes each note an
    # <aside role="doc-footnote"> (epub._popup_footnotes).
    return f'<li id="fn{ident}" class="footnote-item" epub:type="footnote">'


def plain_text(body: str, disclaimer_text: Callable[[str], str]) -> str:
    """The words a reader sees in a section body, without markup: what verify looks for."""
    words = []
    for token in _parser().parse(body, {}):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type == "octavo_disclaimer":
                words.append(disclaimer_text(child.meta["id"]))
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
        if token.type.endswith("_close"):
            words.append("\n")
    return "".join(words)

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
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.footnote import footnote_plugin

from . import xref
from .errors import Location, Problem

# The one grammar of a disclaimer placeholder, `{{disclaimer:ID}}`; the model
# checks the id (placed_disclaimers), the renderer prints it.
DISCLAIMER_RE = re.compile(r"\{\{\s*disclaimer:([^}\s]*)\s*\}\}")
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


def _parser(html: bool = False, quotes: str | list[str] | None = None) -> MarkdownIt:
    """markdown-it as Octavo reads Markdown. With `quotes`, the straight quotation marks an
    author typed are printed as the language's (languages.quotes): markdown-it's smartquotes
    only, never its other replacements ("--", "(c)"), which would change what was written."""
    options = {"html": html, "xhtmlOut": True, "typographer": quotes is not None, "linkify": True}
    if quotes is not None:
        options["quotes"] = quotes
    md = MarkdownIt("commonmark", options)
    if quotes is not None:
        md.enable("smartquotes")
    md.enable("table")
    _bare_urls(md)
    md.use(footnote_plugin)
    md.inline.ruler.before("text", "octavo_disclaimer", _disclaimer_rule)
    xref.use(md)  # labels and references to them: @fig:map, {#fig:map} (xref.py)
    from .citations import citation_rule  # here: citations.py reads this module's refused_url

    md.inline.ruler.before("link", "octavo_citation", citation_rule)
    return md


def parse(body: str) -> list:
    """A section body's tokens, as every reader of its structure sees them (xref.survey)."""
    return _parser().parse(body, {})


def _bare_urls(md: MarkdownIt) -> None:
    """A bare address in the text becomes a link in every edition (markdown-it's linkify, with
    linkify-it-py): a web address written with its scheme (https://…, http://…) and an e-mail
    address. Not a bare domain ("example.org"), which may be a name as well as an address, nor
    ftp: or a scheme-less //host, which the allow-list (refused_url) would refuse; what is made
    a link is then checked like any other link (check_body). The link shows the address as it
    was written, not markdown-it's decoded form (percent-escapes, punycode), so that every
    edition prints the author's text."""
    md.enable("linkify")
    md.linkify.set({"fuzzy_link": False})
    for scheme in ("ftp:", "//"):
        md.linkify.add(scheme, None)
    md.normalizeLinkText = lambda url: url
    md.linkify.pretest = _quick_pretest(md.linkify.pretest)
    md.linkify.match = _not_too_long(md.linkify.match)
    md.linkify.match_at_start = _not_too_long_at_start(md.linkify.match_at_start)


# A bare address longer than this stays text (and is proven as text): no browser opens it,
# and as a link a PDF repeats it in the annotation of every line it fills (a 20,000-character
# address: 220 annotations, 4.4 MB, and twice the time to write the seed's screen PDF).
LONGEST_BARE_LINK = 2048


def _not_too_long(match):
    """linkify-it's `match` (markdown-it's core rule), without the addresses over LONGEST_BARE_LINK."""
    def bounded(text: str):
        found = [m for m in (match(text) or []) if len(m.raw) <= LONGEST_BARE_LINK]
        return found or None
    return bounded


def _not_too_long_at_start(match_at_start):
    """linkify-it's `match_at_start` (markdown-it's inline rule), likewise."""
    def bounded(text: str):
        found = match_at_start(text)
        return found if found is None or len(found.raw) <= LONGEST_BARE_LINK else None
    return bounded


# What a link linkify may find (fuzzy_link off, ftp: and // refused) starts with: a scheme
# it keeps, or the @ of an e-mail address.
_LINK_MARKS = ("http:", "https:", "mailto:")


def _quick_pretest(pretest):
    """linkify-it's pretest, skipped where no link can be: its regular expression took 2 s of
    the 300-page paper's 4 s load (make bench), on every paragraph; `in` takes microseconds.
    Still its "maybe" where one could be, so nothing it would link is missed."""
    def quick(text: str) -> bool:
        if "@" not in text:
            lowered = text.casefold()  # as the regular expression ignores case
            if not any(mark in lowered for mark in _LINK_MARKS):
                return False
        return pretest(text)
    return quick


@dataclass(frozen=True)
class Image:
    src: str
    path: Path
    alt: str


def check_body(body: str, path: Path, first_line: int, folder: Path) -> list[Problem]:
    """Every problem in a section body: raw HTML, bad images and links, and what the
    renderer would silently lose: text nested deeper than it reads, a footnote call
    with no note, a note that nothing calls."""
    problems = []
    env: dict = {}
    parser = _parser(html=True)
    tokens = parser.parse(body, env)
    problems.extend(_check_nesting(tokens, parser.options["maxNesting"], path, first_line))
    problems.extend(_check_footnotes(body, env, path, first_line))
    lines = body.split("\n")
    inside = []  # the containers a disclaimer cannot stand in that are open here
    rows, table_at = 0, None
    for token in tokens:
        line = first_line + token.map[0] if token.map else first_line
        where = Location(path, line)
        if token.type == "table_open":
            rows, table_at = 0, where
        elif token.type == "tr_open":
            rows += 1
            if rows == MAX_TABLE_ROWS + 1:
                problems.append(Problem(table_at, f"the table holds more than {MAX_TABLE_ROWS:,} rows, the limit of a "
                                        "table", "split it, or publish the data as a file beside the paper and "
                                        "show a summary here"))
        if token.type in _NO_DISCLAIMER:
            inside.append(_NO_DISCLAIMER[token.type])
        elif token.type.replace("_close", "_open") in _NO_DISCLAIMER and token.type.endswith("_close"):
            inside.pop()
        if inside and token.type == "inline":
            for child in token.children or []:
                if child.type == "octavo_disclaimer":
                    at = Location(path, line_of(f"disclaimer:{child.meta['id']}", token, lines, first_line))
                    problems.append(Problem(at, f"the disclaimer '{child.meta['id']}' is placed in {inside[-1]}",
                                            "a disclaimer must be read in place in every edition: put "
                                            f"{{{{disclaimer:{child.meta['id']}}}}} in a paragraph of the text"))
        if token.type == "html_block":
            problems.append(_raw_html(token.content, where))
        for child in token.children or []:
            if child.type == "html_inline":
                problems.append(_raw_html(child.content, Location(path, line_of(child.content, token, lines,
                                                                                first_line))))
            if child.type == "image":
                at = Location(path, line_of(child.attrGet("src") or "", token, lines, first_line))
                problems.extend(_check_image(child, at, folder))
            if child.type == "link_open":
                at = Location(path, line_of(child.attrGet("href") or "", token, lines, first_line))
                problems.extend(_check_link(child.attrGet("href") or "", at))
            if child.type == "text" and len(child.content) > MAX_WORD_CHARS:
                longest = max(child.content.split() or [""], key=len)
                if len(longest) > MAX_WORD_CHARS:
                    at = Location(path, line_of(longest[:40], token, lines, first_line))
                    problems.append(Problem(at, f"a word of {len(longest):,} characters ('{longest[:30]}…'), over the "
                                            f"limit of {MAX_WORD_CHARS:,}", "break it with spaces; a long address "
                                            "reads better as a link with words"))
            if child.type == "text":
                # CommonMark leaves a link to a forbidden scheme (file:, javascript:) as
                # literal text; say so rather than print "[x](file:///etc/passwd)".
                for match in REFUSED_LINK_RE.finditer(child.content):
                    at = Location(path, line_of(match.group(0), token, lines, first_line))
                    problems.extend(_check_link(match.group(1), at))
                # A call of a note that is not defined stays literal text: "[^nope]"; written
                # escaped ("\[^1\]", as the import writes Word's text), it is meant as text.
                for match in FOOTNOTE_CALL_RE.finditer(child.content):
                    if not re.search(r"(?<!\\)\[\^" + re.escape(match.group(1)) + r"(?<!\\)\]", body):
                        continue
                    at = Location(path, line_of(match.group(0), token, lines, first_line))
                    problems.append(Problem(at, f"the footnote call [^{match.group(1)}] has no note",
                                            f"define it on a line of its own: [^{match.group(1)}]: the note's text"))
    return problems


# The most a table or a word may hold (issue 22): a 20,000-row table ran past 300 s without a
# verdict and a 1,000,000-letter word took 148 s and 1.07 GB; a 20,021-character address lays out
# in 1.35 times the time of the same paper without it (`make bench`, row "longword").
MAX_TABLE_ROWS = 2_000
MAX_WORD_CHARS = 25_000

# Where a disclaimer placeholder may not stand, and why: an EPUB shows a note only as a pop-up,
# a table cell and a heading are not where a reader reads a disclaimer whole (and a heading
# is a running head and a table of contents entry too).
_NO_DISCLAIMER = {"footnote_open": "a footnote (an EPUB shows a note only when it is opened)",
                  "th_open": "a table cell", "td_open": "a table cell", "heading_open": "a heading"}
FOOTNOTE_CALL_RE = re.compile(r"\[\^([^\]\s]+)\]")
# What a raw HTML block opens with, to quote it: a comment, else its first tag.
OPENING_HTML_RE = re.compile(r"<!--.*?(?:-->|$)|<[^>]*>?")
QUOTED_HTML_CHARS = 60


def line_of(text: str, token, lines: list[str], first_line: int) -> int:
    """The line of the body that holds `text`, found in the lines of the block `token` (markdown-it
    maps blocks to lines, not what is inside them): a paragraph's third line, not its first.
    The block's first line where the text is not found on one line."""
    start, end = token.map or (0, 1)
    first = text.split("\n", 1)[0]
    for index in range(start, min(end, len(lines))):
        if first and first in lines[index]:
            return first_line + index
    return first_line + start


def _raw_html(content: str, where: Location) -> Problem:
    """The error for raw HTML, quoting how it opens: the officer finds the tag (or the
    comment) at the line given, which may start a block of many lines."""
    first = content.strip().split("\n", 1)[0]
    match = OPENING_HTML_RE.match(first)
    opening = match.group(0) if match else first
    if len(opening) > QUOTED_HTML_CHARS:
        opening = opening[:QUOTED_HTML_CHARS - 1] + "…"
    if opening.startswith("<!--"):
        return Problem(where, f"an HTML comment ('{opening}') is not allowed in a section: no edition would show "
                       "it, and raw HTML is refused", "delete it; keep notes to the editors outside content/")
    return Problem(where, f"raw HTML '{opening}' is not allowed in a section",
                   "write it in Markdown; for emphasis use *text*, for a link [text](url)")


def _check_nesting(tokens, limit: int, path: Path, first_line: int) -> list[Problem]:
    """markdown-it stops reading a block nested `limit` levels deep and drops the rest of it
    (and what follows in the same container) without a word: refuse that text instead."""
    for token in tokens:
        deepest = max([token.level] + [child.level for child in token.children or []])
        if deepest >= limit - 1:
            line = first_line + token.map[0] if token.map else first_line
            return [Problem(Location(path, line), f"the text nests {limit} levels deep here (lists in lists, "
                            "quotes in quotes, emphasis in emphasis); the renderer reads no deeper and would drop it",
                            "flatten the structure: Octavo's renderer reads at most about 9 lists or quotes "
                            "inside each other")]
    return []


def _check_footnotes(body: str, env: dict, path: Path, first_line: int) -> list[Problem]:
    """A footnote that nothing calls is never printed: say where it is defined."""
    problems = []
    lines = body.splitlines()
    for label, used in env.get("footnotes", {}).get("refs", {}).items():
        if used != -1:
            continue
        label = label.removeprefix(":")
        offset = next((i for i, text in enumerate(lines) if text.lstrip().startswith(f"[^{label}]:")), 0)
        problems.append(Problem(Location(path, first_line + offset), f"the footnote [^{label}] is never called",
                                f"call it in the text with [^{label}], or delete the note"))
    return problems


REFUSED_LINK_RE = re.compile(r"\]\(\s*<?((?:file|javascript|vbscript|data):[^)\s>]*)", re.IGNORECASE)


# The one allow-list of addresses, for every URL in every field, content and house file alike:
# the web, and (where a link is allowed) an e-mail address. Nothing else reaches an edition.
WEB_SCHEMES = ("https", "http")
LINK_SCHEMES = WEB_SCHEMES + ("mailto",)


def refused_url(href: str, link: bool = True) -> str | None:
    """Why an address may not reach an edition, or None when it may. `link`: a link in the text,
    which may also be an e-mail address (mailto:) or a part of the paper (#id); otherwise (a
    website, an identifier) it must be a web address with a host."""
    if any(ord(ch) < 0x21 or ord(ch) == 0x7f for ch in href):
        return "holds a space or a control character"
    scheme = href.split(":", 1)[0].lower() if REMOTE_RE.match(href) else ""
    if link and (scheme in LINK_SCHEMES or href.startswith("#")):
        return None
    if not link and scheme in WEB_SCHEMES:
        try:
            host = urlsplit(href).hostname
        except ValueError:
            host = None
        return None if host else "has no host name"
    return "is not a web, e-mail or in-paper address" if link else "is not a web address (https://…)"


def _check_link(href: str, where: Location) -> list[Problem]:
    """Links may lead to the web, to an e-mail address, or within the paper; nowhere on the reader's disk."""
    if refused_url(href) is None:
        return []
    return [Problem(where, f"the address '{href[:80]}' is refused",
                    "a link may lead to a web page (https://…), an e-mail address (mailto:…) or a part of the "
                    "paper (#id); an image must be a file in the publication folder")]


# What an image may be: a file inside the publication folder, named so that every edition can
# carry it (an EPUB zip entry, a URL), within these limits, and decodable to the end.
IMAGE_NAME_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
_RENAME_HINT = ("rename the file (and the reference) with ASCII letters, digits, '-', '_' and '.' only, "
                "no spaces or accents, e.g. 'images/map-1.png'")


def _check_image(token, where: Location, folder: Path) -> list[Problem]:
    src = token.attrGet("src") or ""
    alt = "".join(c.content for c in token.children or []).strip()
    problems = []
    if not alt:
        problems.append(Problem(where, f"image '{src}' has no alt text",
                                "describe the image for readers who cannot see it: ![description](file.png)"))
    if REMOTE_RE.match(src) or src.startswith(("/", "\\")):
        problems.append(Problem(where, f"image '{src}' is not a file in the publication folder",
                                "editions never fetch from the network or outside the publication: copy the image into the folder"))
        return problems
    name = unquote(src)  # markdown-it percent-encodes spaces and accents: name the file as the author wrote it
    path = folder / name
    try:
        inside = path.resolve(strict=False).is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        problems.append(Problem(where, f"image '{name}' cannot be opened: its path is a loop of links or unreadable",
                                "replace the link with the image file itself"))
        return problems
    parts = name.split("/")
    if inside and (".." in parts or "." in parts or "" in parts):
        problems.append(Problem(where, f"image '{name}' is refused: its path has '..', '.' or an empty part",
                                "write the path from the publication folder down, e.g. 'images/map.png'; "
                                "an image must be a file inside the publication folder"))
        return problems
    bad = next((part for part in parts if not IMAGE_NAME_RE.fullmatch(part)), None)
    if inside and bad is not None:
        problems.append(Problem(where, f"image '{name}' has a name that an edition cannot carry ('{bad}')",
                                _RENAME_HINT))
        return problems
    if not inside:
        problems.append(Problem(where, f"image '{name}' lies outside the publication folder",
                                _from_the_folder(name, where, folder) or
                                "copy the image into the publication folder, e.g. images/"))
    elif not path.is_file():
        problems.append(Problem(where, f"image '{name}' does not exist",
                                _from_the_folder(name, where, folder) or "check the file name and path"))
    else:
        problems.extend(Problem(where, f"image '{name}' {why}", hint) for why, hint in _image_content(path))
    return problems


def _from_the_folder(name: str, where: Location, folder: Path) -> str | None:
    """The hint for a path written from the section's file, as a Markdown editor resolves it,
    where the publication folder is the root: the path that works, if that file is there."""
    try:
        meant = (Path(where.path).parent / name).resolve(strict=True)
        relative = meant.relative_to(folder.resolve()).as_posix()
    except (OSError, RuntimeError, ValueError):
        return None
    return (f"image paths are written from the publication folder ({folder.name}/), not from the section's "
            f"file: write '{relative}'") if meant.is_file() else None


def _image_content(path: Path) -> list[tuple[str, str]]:
    """What is wrong with an image file's bytes, decoded to the end: (why, hint) pairs."""
    suffix = path.suffix.lower()
    if suffix != ".svg" and suffix not in IMAGE_FORMATS:
        return [("is not a PNG, JPEG, GIF, WebP or SVG file",
                 "save it as .png (diagrams, charts), .jpg (photographs) or .svg, and refer to that file")]
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return [(f"is {size / (1024 * 1024):.1f} MB, over the {MAX_IMAGE_BYTES // (1024 * 1024)} MB limit for an image",
                     "export it smaller: 300 dpi at the printed size is enough")]
        data = path.read_bytes()
    except OSError as exc:
        return [(f"cannot be read ({exc.strerror or exc})", "check the file's permissions")]
    if suffix == ".svg":
        return _svg_content(data)
    return _raster_content(data, IMAGE_FORMATS[suffix])


def _raster_content(data: bytes, expected: str) -> list[tuple[str, str]]:
    import io
    import warnings

    from PIL import Image as PILImage

    damaged = "open it in an image editor and save it again, or export it afresh"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as image:
                found = image.format
                width, height = image.size
                image.verify()
            if found != expected:
                return [(f"is not a {expected} image (the file holds {found or 'something else'})",
                         f"save it as a real {expected} file, or give it the ending that matches what it is")]
            if width * height > MAX_IMAGE_PIXELS:
                return [(f"is {width} × {height} pixels, over the limit of {MAX_IMAGE_PIXELS // 1_000_000} million",
                         "scale it down: 300 dpi at the printed size is enough")]
            with PILImage.open(io.BytesIO(data)) as image:
                image.load()
    except PILImage.DecompressionBombError:
        return [(f"has more pixels than the limit of {MAX_IMAGE_PIXELS // 1_000_000} million",
                 "scale it down: 300 dpi at the printed size is enough")]
    except Exception as exc:  # Pillow raises many kinds for a damaged file (OSError, SyntaxError, ValueError...)
        if isinstance(exc, PILImage.UnidentifiedImageError):
            return [("is not an image Octavo can read (the file holds something else)", damaged)]
        return [(f"is damaged or cut short ({str(exc)[:80] or type(exc).__name__})", damaged)]
    return []


CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
SMIL_ELEMENTS = ("set", "animate", "animateTransform", "animateMotion", "animateColor")
_SVG_HINT = "an SVG must be a plain drawing: remove scripts, event handlers, embedded HTML and links to other files"


def _svg_content(data: bytes) -> list[tuple[str, str]]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [(f"is not a well-formed SVG file ({str(exc)[:80]})", "open it in a drawing program and save it again as SVG")]
    if root is None or etree.QName(root).localname != "svg":
        return [("is not an SVG drawing (its top element is not <svg>)", "save it again as SVG")]
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            if isinstance(element, etree._Entity):
                problems.append(("uses an XML entity", _SVG_HINT))
            continue
        local = etree.QName(element).localname
        if local == "script":
            problems.append(("holds a <script>", _SVG_HINT))
        elif local == "foreignObject":
            problems.append(("holds a <foreignObject> (embedded HTML)", _SVG_HINT))
        if local in SMIL_ELEMENTS:
            # An animation can set any attribute (SVG 1.1, 19.2): an event handler or a link to a script.
            target = element.get("attributeName", "")
            if target.lower().startswith("on") or target.lower() in ("href", "xlink:href"):
                problems.append((f"has an animation <{local}> that sets '{target}'", _SVG_HINT))
            for name in ("to", "from", "by", "values"):
                if re.search(r"^\s*(javascript|vbscript|data)\s*:|;\s*(javascript|vbscript)\s*:",
                             element.get(name, ""), re.IGNORECASE):
                    problems.append((f"has an animation <{local}> whose '{name}' is a script", _SVG_HINT))
        for attr, value in element.attrib.items():
            attr_local = etree.QName(attr).localname
            if attr_local.lower().startswith("on"):
                problems.append((f"has an event handler '{attr_local}' on <{local}>", _SVG_HINT))
            elif attr_local == "href" and not value.strip().startswith(("#", "data:")):
                problems.append((f"refers to another file or address ('{value[:60]}') from <{local}>", _SVG_HINT))
        css = (element.text or "") if local == "style" else element.get("style", "")
        for url in CSS_URL_RE.findall(css):
            if not url.strip().startswith(("#", "data:")):
                problems.append((f"refers to another file or address ('{url[:60]}') in its styles", _SVG_HINT))
        if local == "style" and "@import" in css:
            problems.append(("imports a style sheet (@import)", _SVG_HINT))
    if root.getroottree().docinfo.internalDTD is not None or b"<!ENTITY" in data:
        problems.append(("declares a DTD or entities", _SVG_HINT))
    return list(dict.fromkeys(problems))


def placed_disclaimers(body: str, first_line: int) -> list[tuple[str, int]]:
    """(disclaimer id, line) for each placeholder the renderer will print, in order."""
    found, lines = [], body.split("\n")
    for token in _parser().parse(body, {}):
        for child in token.children or []:
            if child.type == "octavo_disclaimer":
                found.append((child.meta["id"], line_of(f"disclaimer:{child.meta['id']}", token, lines, first_line)))
    return found


def images_in(body: str, folder: Path) -> list[Image]:
    result = []
    for token in _parser().parse(body, {}):
        for child in token.children or []:
            if child.type == "image":
                src = child.attrGet("src")
                alt = "".join(c.content for c in child.children or [])
                result.append(Image(src, folder / src, alt))
    return result


@dataclass(frozen=True)
class Block:
    """One unit of text a reader must see: a paragraph, heading, list item, table cell,
    block quote, figure or table caption, code block or footnote, with its stable id (the same
    in every edition) and the line of the source file it comes from."""

    id: str
    kind: str
    text: str  # the words, as in the source (inline disclaimers placed)
    line: int
    shown: str = ""  # as a reader sees it: the text with its footnote call numbers
    label: str = ""  # a footnote's number, on its first paragraph
    calls: tuple[tuple[str, str], ...] = ()  # each footnote call: (its number, the words just before it, as printed)
    printed: str = ""  # where it differs from `shown`, as the paged editions print it: xref.PAGE for a page number


@dataclass(frozen=True)
class RenderedBody:
    html: str
    blocks: tuple[Block, ...]
    notes: int  # how many footnotes it prints (the next section's numbers follow on)


def render_body(body: str, doc_id: str, disclaimer_html: Callable[[str], str],
                disclaimer_text: Callable[[str], str], first_line: int, back_label: str,
                notes_before: int = 0, citations: tuple = (), note_citations: bool = False,
                xrefs: xref.CrossReferences | None = None, quotes: str | list[str] | None = None) -> RenderedBody:
    """A section body, parsed once: its XHTML-compatible HTML (footnote ids prefixed
    with doc_id) and the blocks of text it holds, each with its id and source line.

    Footnotes are numbered through the publication, as the PDF editions count
    them: this body's first note is number notes_before + 1 in every edition.
    `citations` are the body's citations as the style formats them (citations.Cited, in
    the order of the source); with `note_citations` each becomes a footnote of its own.
    `xrefs`: the publication's labels, which its references and captions print (xref.py).
    `quotes`: the language's quotation marks, for the straight ones typed (languages.quotes)."""
    from .citations import note_lines

    md = _parser(quotes=quotes)
    md.add_render_rule("octavo_disclaimer", lambda self, tokens, idx, options, env:
                       disclaimer_html(tokens[idx].meta["id"]))
    md.add_render_rule("footnote_ref", _footnote_ref)
    md.add_render_rule("footnote_block_open", _footnote_block_open)
    md.add_render_rule("footnote_block_close", lambda *a: "</ol>\n</section>\n")
    md.add_render_rule("footnote_open", _footnote_open)
    md.add_render_rule("footnote_anchor", _footnote_anchor)
    md.add_render_rule("image", _image)
    md.core.ruler.push("octavo_figures", _figures)
    md.core.ruler.push("octavo_block_ids", _block_ids)
    md.core.ruler.push("octavo_note_lines", note_lines)
    md.core.ruler.push("octavo_xrefs", xref.resolve)
    md.core.ruler.push("octavo_addresses_on_paper", _addresses_on_paper)
    md.add_render_rule("octavo_xref", xref.render_reference)
    env = {"docId": doc_id, "backLabel": back_label, "notesBefore": notes_before,
           "octavoCitations": list(citations), "octavoNoteStyle": note_citations, "xrefs": xrefs}
    tokens = md.parse(body, env)
    blocks = tuple(_blocks(tokens, first_line, disclaimer_text, notes_before))  # before rendering, which moves a figure's title
    notes = sum(1 for t in tokens if t.type == "footnote_open")
    return RenderedBody(md.renderer.render(tokens, md.options, env), blocks, notes)


# Block elements that get a stable id, the same in every edition: the EPUB's
# page-break markers (pagemap.py) name the print edition's page starts by them,
# and the proof names a missing block by it.
ID_BLOCKS = ("paragraph_open", "heading_open", "blockquote_open", "table_open", "bullet_list_open",
             "ordered_list_open", "list_item_open", "code_block", "fence", "th_open", "td_open")


def _block_ids(state) -> None:
    count = 0
    for token in state.tokens:
        if token.type in ID_BLOCKS and not token.hidden:
            count += 1
            token.attrSet("id", f"{state.env['docId']}-b{count}")


def _figures(state) -> None:
    """An image alone in its paragraph is a figure, its title the caption: in every edition."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i:i + 3]
        if opening.type != "paragraph_open" or opening.hidden or inline.type != "inline":
            continue
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
        if len(children) == 1 and children[0].type == "image":
            opening.tag = closing.tag = "figure"
            children[0].meta["figure"] = True


def _image(self, tokens, idx, options, env):
    token = tokens[idx]
    caption = token.attrGet("title") if token.meta.get("figure") else None
    if caption:
        token.attrs.pop("title")
    html = self.image(tokens, idx, options, env)
    return html + (f"<figcaption>{escapeHtml(caption)}</figcaption>" if caption else "")


# Link words that say nothing on paper (issue 22): a reader of a printed page cannot follow
# "here". Such a link to the web is marked (class address-on-paper), and the paged editions
# print its address after its words (print.css), where the proof reads it (Block.printed).
# In every language Octavo has labels for: a German paper's "hier" says no more than "here".
PAPER_EMPTY_WORDS = frozenset({
    "here", "click here", "this link", "link", "this page", "read more", "more", "click", "this", "online",
    "website", "this website", "go", "see here",
    "hier", "hier klicken", "diesen link", "mehr", "weiterlesen", "diese seite",  # de
    "ici", "cliquez ici", "ce lien", "lien", "en savoir plus", "cette page",  # fr
    "aquí", "haga clic aquí", "haz clic aquí", "este enlace", "enlace", "más", "leer más",  # es
    "здесь", "тут", "по ссылке", "ссылка", "подробнее", "нажмите здесь",  # ru
    "여기", "여기를 클릭", "링크", "더 보기", "자세히",  # ko
    "こちら", "ここ", "リンク", "詳細", "ここをクリック",  # ja
    "这里", "點擊這裡", "点击这里", "這裡", "链接", "連結", "更多",  # zh
    "هنا", "اضغط هنا", "انقر هنا", "الرابط", "رابط", "المزيد",  # ar
    "כאן", "לחצו כאן", "לחץ כאן", "קישור",  # he
    "اینجا", "اینجا کلیک کنید", "پیوند", "لینک",  # fa
    "یہاں", "یہاں کلک کریں", "لنک",  # ur
})
ADDRESS_ON_PAPER = "address_on_paper"  # a link_open token's meta: the address the paged editions print


def _addresses_on_paper(state) -> None:
    for token in state.tokens:
        children = (token.children or []) if token.type == "inline" else []
        for index, child in enumerate(children):
            href = (child.attrGet("href") or "") if child.type == "link_open" else ""
            if not re.match(r"(?i)https?://", href):
                continue
            words = []
            for inner in children[index + 1:]:
                if inner.type == "link_close":
                    break
                if inner.type in ("text", "code_inline"):
                    words.append(inner.content)
            if " ".join("".join(words).lower().strip(" .,;:!?()[]").split()) in PAPER_EMPTY_WORDS:
                child.attrJoin("class", "address-on-paper")
                child.meta[ADDRESS_ON_PAPER] = href


# What a block is called in a report, by the innermost container of its text.
_CONTAINERS = {"list_item_open": "list item", "blockquote_open": "block quote", "footnote_open": "footnote"}


def _blocks(tokens, first_line: int, disclaimer_text: Callable[[str], str], notes_before: int) -> list[Block]:
    blocks, stack = [], []  # stack: (kind, id) of the open containers
    label = ""  # the number of the footnote whose first paragraph comes next
    for index, token in enumerate(tokens):
        if token.type == "footnote_open":
            label = str(notes_before + token.meta["id"] + 1)
        if token.type in _CONTAINERS:
            stack.append((_CONTAINERS[token.type], token.attrGet("id")))
        elif token.type in ("list_item_close", "blockquote_close", "footnote_close"):
            stack.pop()
        elif token.type in ("code_block", "fence"):
            blocks.append(Block(token.attrGet("id"), "code", token.content, first_line + token.map[0], token.content))
        elif token.type == "inline" and index > 0:
            opening = tokens[index - 1]
            text = _inline_text(token, disclaimer_text)
            if not any(ch.isalnum() for ch in text):
                continue
            calls: list[tuple[str, str]] = []  # for the paged editions: as they print the words (with pages)
            paged = any(child.type == "octavo_xref" or child.meta.get(ADDRESS_ON_PAPER) for child in token.children)
            shown = _inline_text(token, disclaimer_text, notes_before, None if paged else calls)
            printed = _inline_text(token, disclaimer_text, notes_before, calls, paged=True) if paged else ""
            kind = {"heading_open": "heading", "th_open": "table cell", "td_open": "table cell"}.get(opening.type)
            if kind is None:
                kind = {"figure": "figure caption", "caption": "table caption"}.get(opening.tag) or (
                    stack[-1][0] if stack else "paragraph")
            block_id = opening.attrGet("id") or next((i for _, i in reversed(stack) if i), None)
            line = first_line + (token.map or opening.map or [0])[0]
            note_label = label if kind == "footnote" else ""
            label = "" if kind == "footnote" else label
            blocks.append(Block(block_id, kind, text, line, shown, note_label, tuple(calls), printed))
    return blocks


def _inline_text(token, disclaimer_text: Callable[[str], str], notes_before: int | None = None,
                 calls: list | None = None, paged: bool = False) -> str:
    """The words an inline token shows a reader, image alt text left out; with `notes_before`,
    each footnote call's number where the editions print it (and, into `calls`, each call's
    number with the 40 characters before it); with `paged`, a cross-reference as the PDFs
    print it, with its page."""
    words, address = [], None
    for child in token.children or []:
        if child.type == "link_open":
            address = child.meta.get(ADDRESS_ON_PAPER)
        elif child.type == "link_close" and address and paged:
            words.append(f" ({address})")  # print.css: what a link whose words say nothing prints after them
        if child.type == "footnote_ref" and notes_before is not None:
            number = str(notes_before + child.meta["id"] + 1)
            if calls is not None:
                calls.append((number, "".join(words)[-40:]))
            words.append(number)
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type == "octavo_disclaimer":
            words.append(disclaimer_text(child.meta["id"]))
        elif child.type == "octavo_xref":
            words.append(xref.printed(child.meta) if paged else child.meta["text"])
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
        elif child.type == "image" and child.meta.get("figure"):
            words.append(child.attrGet("title") or "")
    return "".join(words)


# Footnotes carry the EPUB 3 structural semantics (epub:type noteref/footnote)
# and DPUB-ARIA roles, so reading systems can show them as pop-up notes.
def _footnote_ref(self, tokens, idx, options, env):
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    caption = str(env["notesBefore"] + tokens[idx].meta["id"] + 1)
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
    number = env["notesBefore"] + tokens[idx].meta["id"] + 1
    label = f"{env['backLabel']} {number}" + (f" ({sub + 1})" if sub > 0 else "")
    return (f' <a href="#fnref{refid}" class="footnote-backref" role="doc-backlink" '
            f'aria-label="{label}">\u21a9\ufe0e</a>')


def _footnote_block_open(self, tokens, idx, options, env):
    return '<section class="footnotes" epub:type="footnotes" role="doc-endnotes">\n<ol class="footnotes-list">\n'


def _footnote_open(self, tokens, idx, options, env):
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    # No role: DPUB-ARIA 1.1 deprecates doc-endnote; the EPUB makes each note an
    # <aside role="doc-footnote"> (epub._popup_footnotes).
    number = env["notesBefore"] + tokens[idx].meta["id"] + 1
    return f'<li id="fn{ident}" class="footnote-item" value="{number}" epub:type="footnote">'

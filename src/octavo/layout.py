"""Stage 4, layout: the paged HTML laid out by WeasyPrint, once per page geometry.

The PDF editions and the EPUB's page map all read a WeasyPrint layout of the
same paged HTML (templates/print/document.html). What differs between them is
the page setup: the print shop's sheet has bleed, crop marks and a CMYK
palette; the screen and archive editions and the EPUB's page map share the
trimmed page. Each setup is laid out at most once per build, kept in the
build's Rendering (rendering.shared), never in a module variable, and each
edition writes its own copy of it.

WeasyPrint reads through a URL fetcher that can only reach the publication,
the template folders and the colour profile; any refused fetch and any
WeasyPrint warning fails the build (for our own templates a warning is a bug).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .errors import RenderError
from . import patches
from .render import Rendering
from .trees import drop_keeping_tail

MAX_DATA_URL_BYTES = 2 * 1024 * 1024
# Relative URLs (a section's images) resolve against this, not against the folder's absolute
# path, and the fetcher reads them from the folder: WeasyPrint names each image in the PDF
# after the MD5 of its URL, so the folder's path would change the bytes from one folder (a
# clone, a Dask worker's temporary folder) to another.
PUBLICATION_URL = "file:///octavo-publication/"
# The print shop's colour space: Ghostscript's CMYK profile (SWOP-like), from
# Debian's libgs-common, which `make` installs. PDF/X-4 needs an output intent
# carrying a CMYK (or other print) ICC profile (ISO 15930-7, 6.2.2).
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
# The print sheet reaches this far beyond the trim: the 3 mm bleed, then room
# for the crop marks, which WeasyPrint draws in the outer half of the CSS
# bleed area, so they stand outside the BleedBox and are never printed on the
# finished page.
MEDIA_MARGIN_MM = 10


@dataclass(frozen=True)
class PageSetup:
    """One page geometry: the trimmed page alone, or the print shop's sheet around it."""

    name: str
    sheet: bool  # bleed, crop marks and the CMYK palette
    # WeasyPrint's pdf_variant at layout time, where it matters: it sets the output
    # intent the rendered document carries (the sheet's, from its @color-profile).
    variant: str | None = None


TRIMMED = PageSetup("trimmed page", sheet=False)
PRINT_SHEET = PageSetup("print sheet", sheet=True, variant="pdf/x-4")
# By name, as the editions' registry rows name the setup each reads (editions.Edition.setup).
SETUPS = {setup.name: setup for setup in (TRIMMED, PRINT_SHEET)}


@dataclass(frozen=True)
class LaidOut:
    """WeasyPrint's layout of one HTML document: the parsed HTML (its etree_element
    is the tree the boxes point to) and the rendered Document with its pages."""

    html: object
    document: object

    def pages_copy(self):
        """A copy of the rendered document for one edition to write: WeasyPrint's writer
        adds colour profiles to the document it writes, which must not reach a sibling."""
        copy = self.document.copy()
        copy.color_profiles = dict(self.document.color_profiles)
        return copy


def paged_html(rendering: Rendering, setup: PageSetup = TRIMMED) -> str:
    """The HTML WeasyPrint lays out: every PDF edition has the same markup; only the
    page's bleed, marks and colour profile differ (the setup block in <style>)."""
    stylesheet = rendering.source("print/print.css") + "\n" + rendering.source("print/house.css")
    return rendering.render(
        "print/document.html", sections=_paper_sections(rendering),
        stylesheet=Markup(stylesheet), setup=setup, page_size=rendering.publication.trim_size, page=rendering.page,
        media_margin_mm=MEDIA_MARGIN_MM, cmyk_profile=Markup(CMYK_PROFILE.as_uri()) if setup.sheet else None)


def lay_out(rendering: Rendering, setup: PageSetup = TRIMMED) -> LaidOut:
    """This build's layout of `setup`, made on first use."""
    key = ("layout", setup)
    if key not in rendering.shared:
        import_weasyprint()
        patches.install(*patches.LAYOUT)
        if setup.sheet and not CMYK_PROFILE.is_file():
            raise RenderError(f"the print edition needs the CMYK profile {CMYK_PROFILE}: "
                              "install Debian's libgs-common (`make` does)")
        html = paged_html(rendering, setup)
        extra = [CMYK_PROFILE] if setup.sheet else []
        with weasyprint_guard(f"the {setup.name} layout", rendering.roots + extra,
                              rendering.document.resolved_files(), rendering.publication.folder) as fetcher:
            from weasyprint import HTML  # imported here: the CLI must start fast when nothing renders

            parsed = HTML(string=html, base_url=PUBLICATION_URL, url_fetcher=fetcher)
            rendering.shared[key] = LaidOut(parsed, parsed.render(pdf_variant=setup.variant))
            rendering.shared[("page count", setup)] = len(rendering.shared[key].document.pages)
    return rendering.shared[key]


def page_count(rendering: Rendering, setup: PageSetup) -> int:
    """How many pages `setup` has in this build's layout: kept when the layout is freed, so
    that what needs only the count (the cover's spine) does not lay the pages out again."""
    key = ("page count", setup)
    if key not in rendering.shared:
        lay_out(rendering, setup)
    return rendering.shared[key]


def release(rendering: Rendering, setup: PageSetup) -> None:
    """Forget this build's layout of `setup` once no edition still to be written reads it, and
    give its memory back: a 300-page layout holds some 200 MB, and a build that keeps the print
    sheet's while it lays out the trimmed page holds two (`make bench` measures the peak)."""
    rendering.shared.pop(("painted", setup), None)  # its painting (editions/pdfpaint.py) reads the layout
    if rendering.shared.pop(("layout", setup), None) is None:
        return
    import gc

    gc.collect()  # the boxes and their parents refer to each other: cycles
    _trim_the_heap()


def _trim_the_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim): Pango's and
    WeasyPrint's freed memory otherwise stays in the process, counted in its size."""
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the next layout all the same
        pass


@dataclass(frozen=True)
class PaperSection:
    section: object
    html: Markup


def _paper_sections(rendering: Rendering) -> list[PaperSection]:
    """The section bodies, with what paper needs changed: each footnote moved to its
    call, where `float: footnote` (CSS GCPM 3, 2.2) sets it at the foot of the page."""
    key = ("paper sections",)
    if key not in rendering.shared:
        rendering.shared[key] = [PaperSection(s.section, Markup(_notes_at_calls(str(s.html))))
                                 for s in rendering.document.sections]
    return rendering.shared[key]


def _notes_at_calls(html: str) -> str:
    import lxml.html

    root = lxml.html.fragment_fromstring(html, create_parent="div")
    notes = {li.get("id"): li for li in root.iterfind(".//li[@class='footnote-item']")}
    placed = set()
    for sup in list(root.iterfind(".//sup[@class='footnote-ref']")):
        link = sup.find("a")
        note_id = (link.get("href") or "#")[1:] if link is not None else ""
        if note_id not in notes or note_id in placed:
            continue  # a second call of the same note keeps its number, linking to the first
        placed.add(note_id)
        note = lxml.html.Element("span", {"class": "footnote", "id": note_id})
        for back in notes[note_id].iterfind(".//a[@class='footnote-backref']"):
            drop_keeping_tail(back)
        paragraphs = notes[note_id].findall("p") or [notes[note_id]]
        for index, paragraph in enumerate(paragraphs):
            _append_text(note, (" " if index else "") + (paragraph.text or ""))
            for child in list(paragraph):
                note.append(child)
        _trim_trailing_space(note)
        _join_lines(note)
        note.tail = sup.tail
        sup.getparent().replace(sup, note)
    for block in root.iterfind(".//section[@class='footnotes']"):
        if all(li.get("id") in placed for li in block.iter("li")):
            drop_keeping_tail(block)
    _break_opportunities(root)
    return (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


# A word longer than this gets a break opportunity (<wbr>) every WBR_EVERY characters. Left to
# overflow-wrap alone, WeasyPrint re-shapes the rest of the word for every line it breaks: a
# 20,000-character URL took 17 s to lay out, and takes 1.4 s so (`make bench`).
LONG_WORD = 60
WBR_EVERY = 40
LONG_WORD_RE = re.compile(r"\S{%d,}" % LONG_WORD)


def _break_opportunities(root) -> None:
    import lxml.html

    def pieces(text: str) -> list[str]:
        """The text cut after every WBR_EVERY characters of each long word: wbr between pieces."""
        out, start = [], 0
        for match in LONG_WORD_RE.finditer(text):
            cuts = list(range(match.start() + WBR_EVERY, match.end(), WBR_EVERY))
            for cut in cuts:
                out.append(text[start:cut])
                start = cut
        return out + [text[start:]]

    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.text and LONG_WORD_RE.search(element.text):
            first, *rest = pieces(element.text)
            element.text = first
            for index, piece in enumerate(rest):
                wbr = lxml.html.Element("wbr")
                wbr.tail = piece
                element.insert(index, wbr)
        if element.tail and element is not root and LONG_WORD_RE.search(element.tail):
            first, *rest = pieces(element.tail)
            element.tail = first
            anchor = element
            for piece in rest:
                wbr = lxml.html.Element("wbr")
                wbr.tail = piece
                anchor.addnext(wbr)
                anchor = wbr


SOURCE_LINE_BREAK = re.compile(r"[ \t]*\n\s*")


def _join_lines(note) -> None:
    """A note written over several source lines: its line ends become spaces. WeasyPrint 70
    breaks a floated footnote's lines where its text holds a newline, leaving a ragged column."""
    for element in note.iter():
        if element.text:
            element.text = SOURCE_LINE_BREAK.sub(" ", element.text)
        if element is not note and element.tail:
            element.tail = SOURCE_LINE_BREAK.sub(" ", element.tail)


def _append_text(element, text: str) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _trim_trailing_space(element) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "").rstrip() or None
    else:
        element.text = (element.text or "").rstrip()


# ------------------------------------------------------------ the guard

@contextlib.contextmanager
def weasyprint_guard(subject: str, roots: list[Path], files: dict | None = None, folder: Path | None = None):
    """Yield a safe URL fetcher; afterwards, fail on any refused fetch or any WeasyPrint warning.

    A warning about our own templates is a bug (STYLE.md: assert_no_logs), and
    a refused fetch means content tried to reach what it may not.
    """
    import_weasyprint()
    patches.install("deflate level")  # every PDF Octavo writes goes through a guarded layout
    fetcher = safe_fetcher(roots, files, folder)
    warnings = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(warnings)
    try:
        yield fetcher
    finally:
        logger.removeHandler(warnings)
    if fetcher.refused:
        raise RenderError(f"{subject} tried to read what content may not reach: " + "; ".join(fetcher.refused))
    if warnings.messages:
        raise RenderError(f"WeasyPrint warned while laying out {subject} (a template bug):\n  "
                          + "\n  ".join(warnings.messages))


def import_weasyprint():
    """WeasyPrint, imported without asking ctypes where its libraries are.

    WeasyPrint's ffi opens each library under the names of every platform in turn
    ('libpango-1.0-0', 'pango-1.0-0', 'pango-1.0', then Linux's 'libpango-1.0.so.0'), and cffi
    hands each name the loader cannot open to ctypes.util.find_library, which on Linux runs
    ldconfig, then gcc, then ld: 54 programs here, 0.25 s of the 0.65 s WeasyPrint takes to
    import, in every Octavo command that lays anything out. On Linux the loader opens the
    '.so' names itself (its cache, LD_LIBRARY_PATH), so the import first runs with no
    lookup; should a library be found only by find_library, the import is run again with it."""
    import sys

    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        return weasyprint
    import ctypes.util

    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # WeasyPrint's "could not import" advice, premature here
            import weasyprint
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = find_library
        import weasyprint
    finally:
        ctypes.util.find_library = find_library
    return weasyprint


class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def safe_fetcher(roots: list[Path], files: dict | None = None, folder: Path | None = None):
    """A WeasyPrint URL fetcher that reads only files under `roots`: no network, no /etc/passwd.
    A source the document has already read (`files`: resolved path -> bytes) is served from
    those bytes, so every edition lays out the same image the others embed. With `folder`,
    a URL under PUBLICATION_URL names a file of that folder."""
    import mimetypes
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = [Path(r).resolve() for r in roots]
    known = files or {}

    class SafeFetcher(URLFetcher):
        refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data" and len(url) <= MAX_DATA_URL_BYTES:
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path))
                if folder is not None and path.is_relative_to(urlsplit(PUBLICATION_URL).path):
                    path = Path(folder) / path.relative_to(urlsplit(PUBLICATION_URL).path)
                path = path.resolve()
                if any(path == root or path.is_relative_to(root) for root in allowed):
                    if path in known:
                        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, known[path], {"Content-Type": media_type})
                    return super().fetch(path.as_uri(), headers)
            self.refused.append(url if len(url) < 200 else url[:200] + "…")
            raise ValueError(f"Octavo refuses to fetch {url[:200]}")

    fetcher = SafeFetcher()
    fetcher.refused = []
    return fetcher

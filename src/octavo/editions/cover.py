"""The print cover spread, <slug>.cover.pdf: back, spine and front on one sheet, for the print shop.

A print-on-demand service (Amazon KDP, IngramSpark, a local digital printer)
takes the interior (<slug>.print.pdf) and this cover as two files. The sheet
is the trimmed cover, back + spine + front, with 3 mm of bleed on every side;
PDF/X-4 like the interior, with its TrimBox and BleedBox and a CMYK output
intent (editions/pdf.py finishes both files the same way).

- Front: the same design as the EPUB's cover (cover.py, templates/cover/),
  at the trim size of the interior.
- Spine: as wide as the interior's pages are thick: the page count of the
  print layout this build has already made (layout.lay_out, PRINT_SHEET) times
  the thickness of a page of the paper print/page.yaml names
  (render.PAPER_MM_PER_PAGE). The spine carries the authors' surnames, the
  title and the publisher's short name only when it is wide enough for them:
  type of at least SPINE_FONT_PT[0] on a line of SPINE_LINE times its size,
  with SPINE_CLEARANCE_MM clear on either side (see spine_text_pt). On white
  paper that is 116 pages, on cream 104. Amazon KDP allows spine text from 79
  pages, but its 4.5 mm spine leaves room only for type too small to read
  once its 1.6 mm clearances are kept. An interior under PERFECT_BOUND_MIN_PAGES
  pages cannot be perfect-bound at all: the build warns, naming the minimum.
- Back: the series, the title, the description (cut at a sentence when it is
  longer than the back can hold, with a warning), the publisher, and the print
  ISBN as an EAN-13 barcode with its digits (python-barcode's SVG), in the box
  where a print-on-demand service would put its own. No print ISBN: the box
  stays white and empty, and the build warns.

Why a row of the edition registry (EDITIONS["cover"], following "print"), not
a by-product of the print edition: it is a file of its own, so it is written
to a temporary and published whole, proven (by prove_cover: title, names,
ISBN, boxes; not the text, which a cover does not carry), fingerprinted,
bagged and `octavo check`ed like every edition, and a build that makes the
print edition makes it too.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from ..cover import MM_PER_IN, PT_PER_MM, css_mm, front_cover, lay_out_cover, overflowing, stylesheet
from ..errors import RenderError
from ..identifiers import isbn_compact
from ..languages import joined
from ..layout import CMYK_PROFILE, PRINT_SHEET, PageSetup, page_count
from ..render import PAPER_MM_PER_PAGE, Rendering
from .pdf import BLEED_MM, PdfEdition, finish_pdf

# The spread's finishing is the print edition's: BleedBox 3 mm beyond the TrimBox, CMYK, the XMP.
COVER = PdfEdition("cover", PageSetup("cover spread", sheet=True, variant="pdf/x-4"), "pdf/x-4", "PDF/X-4",
                   tagged=False, annotations=False)

COVER_SUFFIX = ".cover.pdf"  # as the registry names it
SPINE_CLEARANCE_MM = 1.6  # clear of each fold (KDP: 0.0625 in)
SPINE_FONT_PT = (8.0, 12.0)  # the spine's type: no smaller (else no spine text), no larger
SPINE_LINE = 1.2  # the line's height, in font sizes: the text's height across the spine
SPINE_END_MM = 15  # clear of the head and the foot along the spine
# The fewest pages a perfect-bound paperback may have: Amazon KDP's (whose paper table,
# render.PAPER_MM_PER_PAGE, sets the spine); IngramSpark's is 18, Lulu's 32. Fewer, and the
# build warns: a print shop staples such a paper (saddle stitch) and has no spine to print.
PERFECT_BOUND_MIN_PAGES = 24

# EAN-13 at its nominal module (0.33 mm, 100 %), bars 18 mm tall (truncated from 22.85 mm, as
# book covers print them), quiet zones of 11 and 7 modules (GS1 General Specifications, 5.2.3).
BARCODE_OPTIONS = {"module_width": 0.33, "module_height": 18.0, "quiet_zone": 3.63, "font_size": 9,
                   "text_distance": 3.0, "background": None, "foreground": "device-cmyk(0 0 0 1)"}


@dataclass(frozen=True)
class Sheet:
    """The spread's geometry in millimetres: the trimmed sheet is back + spine + front."""

    trim_width: float  # of the front (and of the back): the interior's trim
    height: float
    spine: float
    pages: int
    paper: str
    bleed: float = BLEED_MM

    @property
    def width(self) -> float:
        return 2 * self.trim_width + self.spine

    @property
    def rem(self) -> str:
        """The front's 1rem (cover.css): a hundredth of its width."""
        return css_mm(self.trim_width / 100)


@dataclass(frozen=True)
class Spine:
    text: bool
    names: str = ""  # the authors' surnames
    line_style: str = ""


@dataclass(frozen=True)
class Back:
    description: str
    isbn: str | None  # as printed above the bars: hyphenated
    barcode: str = ""  # a data: URL of the SVG
    barcode_width_mm: str = ""
    barcode_height_mm: str = ""


# ----------------------------------------------------------------- writing

def write_cover(rendering: Rendering, target: Path) -> None:
    """Write the spread to `target` (a temporary path; write.py renames it). The page count is
    that of the print layout this build has made already (or makes now, once, for both)."""
    pages = page_count(rendering, PRINT_SHEET)
    target.write_bytes(spread_pdf(rendering, pages))


def spread_pdf(rendering: Rendering, pages: int) -> bytes:
    """The spread for an interior of `pages` pages, as PDF/X-4 bytes."""
    record = rendering.record
    if pages < PERFECT_BOUND_MIN_PAGES:
        _notice(rendering, f"the print edition has {pages} pages, under the {PERFECT_BOUND_MIN_PAGES} a "
                           "perfect-bound book with a spine needs (Amazon KDP's minimum for a paperback): "
                           "have it saddle-stitched, without this spread's spine, or add pages")
    isbn = print_isbn(record.identifiers)
    if isbn is None:
        _notice(rendering, "no barcode: publication.yaml gives no print ISBN (identifiers: print_isbn:); "
                           "the back's barcode box is left empty for the print shop's own")
    document = _fitted(rendering, sheet_for(rendering, pages), isbn)
    return document.write_pdf(pdf_variant=COVER.variant, pdf_identifier=record.pdf_id(COVER.name),
                              finisher=lambda _, pdf: finish_pdf(pdf, record, COVER))


def _fitted(rendering: Rendering, sheet: Sheet, isbn):
    """The spread laid out so that everything fits: a spine too short for its line is left blank,
    a description too long for the back is cut after its last whole sentence that fits (each
    said in a notice); a front that cannot hold its title and names is an error."""
    sentences = _sentences(rendering.record.description)
    spine = spine_for(rendering, sheet)
    document = _lay_out(rendering, sheet, spine, back_for(isbn, _cut(sentences, len(sentences))))
    problems = overflowing(document)
    if "spine" in problems:
        _notice(rendering, "the title is too long for the spine; the spine is left blank")
        spine = Spine(False)
        document = _lay_out(rendering, sheet, spine, back_for(isbn, _cut(sentences, len(sentences))))
        problems = overflowing(document)
    if "back" in problems:
        kept = _most_sentences(rendering, sheet, spine, isbn, sentences)
        _notice(rendering, f"the description is cut to its first {kept} of {len(sentences)} sentences to fit the back")
        document = _lay_out(rendering, sheet, spine, back_for(isbn, _cut(sentences, kept)))
        problems = overflowing(document)
    if problems:
        raise RenderError(f"the cover spread cannot hold its text ({', '.join(problems)} overflows); shorten the "
                          f"title or the subtitle in {rendering.publication.folder / 'publication.yaml'}")
    return document


def _notice(rendering: Rendering, message: str) -> None:
    rendering.notices.append(f"{rendering.publication.slug}{COVER_SUFFIX}: {message}")


def _lay_out(rendering: Rendering, sheet: Sheet, spine: Spine, back: Back):
    if not CMYK_PROFILE.is_file():
        raise RenderError(f"the cover spread needs the CMYK profile {CMYK_PROFILE}: "
                          "install Debian's libgs-common (`make` does)")
    from markupsafe import Markup

    html = rendering.render("cover/spread.html", sheet=sheet, front=front_cover(rendering.record), spine=spine,
                            back=back, stylesheet=stylesheet(rendering), cmyk_profile=Markup(CMYK_PROFILE.as_uri()))
    return lay_out_cover(rendering, html, "the cover spread", COVER.variant, extra_roots=[CMYK_PROFILE])


def _most_sentences(rendering, sheet, spine, isbn, sentences: list[str]) -> int:
    """The most sentences of the description, from the first, that the back holds (at least one)."""
    low, high = 1, len(sentences) - 1  # all of them did not fit
    while low < high:
        middle = (low + high + 1) // 2
        if "back" in overflowing(_lay_out(rendering, sheet, spine, back_for(isbn, _cut(sentences, middle)))):
            high = middle - 1
        else:
            low = middle
    return low


SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(" ".join(text.split())) if s]


def _cut(sentences: list[str], kept: int) -> str:
    return " ".join(sentences[:kept]) + (" …" if kept < len(sentences) else "")


# ---------------------------------------------------------------- geometry

def sheet_for(rendering: Rendering, pages: int) -> Sheet:
    width, height = trim_mm(rendering.publication.trim_size)
    paper = rendering.page.paper
    return Sheet(width, height, round(pages * PAPER_MM_PER_PAGE[paper], 3), pages, paper)


def trim_mm(trim_size: str) -> tuple[float, float]:
    """The trimmed page in millimetres from publication.yaml's trim_size: a CSS page-size
    keyword (css-page-3, as WeasyPrint knows them) or "<width>mm <height>mm"."""
    from weasyprint.css.computed_values import PAGE_SIZES

    per_unit = {"mm": 1.0, "cm": 10.0, "in": MM_PER_IN, "pt": 1 / PT_PER_MM, "px": MM_PER_IN / 96}
    if trim_size.lower() in PAGE_SIZES:
        return tuple(round(d.value * per_unit[d.unit], 3) for d in PAGE_SIZES[trim_size.lower()])
    width, height = (float(part.removesuffix("mm")) for part in trim_size.split())
    return width, height


def spine_text_pt(spine_mm: float) -> float | None:
    """The spine's type size, or None when the spine is too narrow for text: the line
    (SPINE_LINE times the type size) must fit across the spine with SPINE_CLEARANCE_MM clear of
    either fold, at SPINE_FONT_PT[0] at least; a wider spine takes larger type, up to SPINE_FONT_PT[1]."""
    room_pt = (spine_mm - 2 * SPINE_CLEARANCE_MM) * PT_PER_MM
    size = min(SPINE_FONT_PT[1], room_pt / SPINE_LINE)
    return round(size, 2) if size >= SPINE_FONT_PT[0] else None


def spine_for(rendering: Rendering, sheet: Sheet) -> Spine:
    size = spine_text_pt(sheet.spine)
    if size is None:
        return Spine(False)
    # Laid out as wide as the spine is tall, then turned a quarter clockwise about its top left
    # corner and moved across the spine (cover.css); its line as tall as the spine is wide.
    style = (f"width: {css_mm(sheet.height)}mm; height: {css_mm(sheet.spine)}mm; box-sizing: border-box; "
             f"padding: 0 {SPINE_END_MM}mm; font-size: {size}pt; line-height: {css_mm(sheet.spine)}mm; "
             f"transform: translate({css_mm(sheet.spine)}mm, 0) rotate(90deg)")
    return Spine(True, surnames(rendering.record.creators, rendering.labels, rendering.record.language), style)


def surnames(creators, words: dict[str, str], language: str = "en") -> str:
    """The authors as a spine names them: by family name (the part of the name an author is filed
    under, before its comma), two joined as the language joins them ("and", "und", "、"), more as
    the first "et al."."""
    names = [c.sort_name.split(",")[0].strip() for c in creators]
    if len(names) > 2:
        return f"{names[0]} {words['et_al']}"
    return joined(names, language)


# ------------------------------------------------------------------- back

def back_for(isbn: tuple[str, str] | None, description: str) -> Back:
    if isbn is None:
        return Back(description, None)
    compact, shown = isbn
    svg = barcode_svg(compact)
    width, height = (re.search(rf'{side}="([0-9.]+)mm"', svg).group(1) for side in ("width", "height"))
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Back(description, shown, url, width, height)


def barcode_svg(isbn13: str) -> str:
    """The ISBN as an EAN-13 barcode (an ISBN-13 is an EAN-13: GS1 prefix 978 or 979), with its
    digits under the bars and the guard bars long, in CMYK black: an SVG, as python-barcode writes it."""
    from barcode.ean import EuropeanArticleNumber13WithGuard
    from barcode.writer import SVGWriter

    writer = SVGWriter()
    writer.with_doctype = False  # no external DTD for anything to fetch
    code = EuropeanArticleNumber13WithGuard(isbn13, writer=writer)
    if code.ean != isbn13:  # python-barcode computes the check digit itself
        raise RenderError(f"the print ISBN {isbn13} has a wrong check digit (an EAN-13 of its first 12 digits "
                          f"ends in {code.ean[-1]}); correct identifiers: print_isbn: in publication.yaml")
    svg = code.render(dict(BARCODE_OPTIONS)).decode("utf-8")
    # The digits in the house's monospaced face rather than whatever the machine calls sans-serif;
    # python-barcode's comment names its version, which a cover need not carry.
    svg = svg.replace("text-anchor:middle;", "text-anchor:middle;font-family:'Noto Sans Mono',monospace;")
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S)


def print_isbn(identifiers: dict[str, str]) -> tuple[str, str] | None:
    """(13 digits, as printed) of the print ISBN, or None. The model has checked it (identifiers.py)."""
    shown = identifiers.get("print_isbn")
    return (isbn_compact(shown), shown) if shown else None


# ------------------------------------------------------------ reading back

def read_cover(path: Path, page=None, anchors: tuple[str, ...] = ()):
    """The spread as a reader (and a print shop's preflight) gets it: the visible text of the whole
    trimmed sheet, the metadata (verify.read_pdf, with no page furniture to leave out), and its
    TrimBox and BleedBox. A cover holds no section: `anchors` are not looked for."""
    import dataclasses

    import pypdfium2

    from ..render import PageGeometry
    from ..verify import MARGIN_SLACK_MM, read_pdf

    # read_pdf leaves out each page's top and bottom margins less MARGIN_SLACK_MM: margins of
    # exactly that much leave out nothing.
    reading = read_pdf(path, PageGeometry(MARGIN_SLACK_MM, MARGIN_SLACK_MM, 0, 0))
    document = pypdfium2.PdfDocument(str(path))
    try:
        boxes = tuple((tuple(p.get_trimbox()), tuple(p.get_bleedbox())) for p in document)
    finally:
        document.close()
    return dataclasses.replace(reading, boxes=boxes)


def prove_cover(document, reading) -> list:
    """What the proof asks of a cover: the title and each author's name in its metadata and in
    its visible text, the print ISBN's digits (under the barcode) when there is one, nothing
    outside the trim, and one sheet whose BleedBox is 3 mm beyond its TrimBox, as tall as the
    interior's trim and as wide as two of them and a spine."""
    from ..verify import Finding, check_metadata, check_off_the_page, skeleton

    publication = document.publication
    text = skeleton(reading.text)
    findings = check_metadata(document, reading) + check_off_the_page(reading)
    findings.append(Finding(reading, "cover", "title", skeleton(publication.title) in text, publication.title))
    for c in publication.authors:
        findings.append(Finding(reading, "cover", f"name {c.id}", skeleton(c.name) in text, c.name))
    isbn = print_isbn(publication.identifiers)
    if isbn:
        findings.append(Finding(reading, "cover", "ISBN", isbn[0] in text, f"ISBN {isbn[1]} in digits"))
    findings.append(_check_sheet(reading, trim_mm(publication.trim_size)))
    return findings


SHEET_TOLERANCE_PT = 0.5


def _check_sheet(reading, trim: tuple[float, float]):
    from ..verify import Finding

    width, height = (side * PT_PER_MM for side in trim)
    bleed = BLEED_MM * PT_PER_MM
    expected = (f"one sheet, TrimBox {trim[1]:g} mm tall and at least {2 * trim[0]:g} mm wide, "
                f"BleedBox {BLEED_MM} mm beyond it")
    if len(reading.boxes) != 1:
        return Finding(reading, "cover", "sheet", False, expected, problem=f"{len(reading.boxes)} pages")
    (t_left, t_bottom, t_right, t_top), bleed_box = reading.boxes[0]
    wanted = (t_left - bleed, t_bottom - bleed, t_right + bleed, t_top + bleed)
    ok = (abs((t_top - t_bottom) - height) <= SHEET_TOLERANCE_PT
          and (t_right - t_left) >= 2 * width - SHEET_TOLERANCE_PT
          and all(abs(a - b) <= SHEET_TOLERANCE_PT for a, b in zip(bleed_box, wanted)))
    return Finding(reading, "cover", "sheet", ok, expected, problem="wrong boxes")

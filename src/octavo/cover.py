"""The cover: one design (templates/cover/), laid out by WeasyPrint, for the EPUB and for print.

The front shows the series, the title, the subtitle, the authors' names and
the publisher, sized for a thumbnail: a shop lists a book with a cover about
150 px wide, and at that width the title's capitals stay at least 6 px tall
and the names' at least 4 px (cover.css says how; tests/test_cover.py
measures it). The same front is the EPUB's cover image (a PNG of
EBOOK_COVER_PX, what Amazon KDP recommends) and the front of the print cover
spread (editions/cover.py). House styles override cover/cover.css or
cover/house.css through the same ChoiceLoader as every other template.

Many authors: up to MAX_NAMED names are all shown, each on its line; a
longer list shows its first MAX_NAMED - 1 and "and N others" (labels:
and_others). Four or more names are set smaller (cover.css: .names.many),
never below the thumbnail's 4 px. A title too long to fit the front even at
its smallest size is an error that says so.

The PNG is rasterised with PDFium (pypdfium2) from WeasyPrint's PDF of the
front: same content, same bytes (a PNG written by Pillow carries no time).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup

from .errors import RenderError
from .languages import joined
from .metadata import Record
from .model import Contributor

# The EPUB's cover: 5 x 8 in at 320 dpi, 1600 x 2560 px (KDP's recommendation; Apple
# Books and Kobo ask for at least 1400 px on the short side).
EBOOK_COVER_IN = (5, 8)
EBOOK_COVER_DPI = 320
EBOOK_COVER_PX = (EBOOK_COVER_IN[0] * EBOOK_COVER_DPI, EBOOK_COVER_IN[1] * EBOOK_COVER_DPI)
MM_PER_IN = 25.4
PT_PER_MM = 72 / MM_PER_IN

MAX_NAMED = 6  # names shown on the front; more: the first MAX_NAMED - 1 and "and N others"
MANY_NAMES = 4  # from this many names on, the smaller size (cover.css: .names.many)
# The title's size by its length in characters: up to 30 the largest, then the classes of
# cover.css (.title.long, .longer, .longest), each smaller, the last still legible in a thumbnail.
TITLE_SIZES = ((30, ""), (60, "long"), (100, "longer"))
TITLE_SMALLEST = "longest"
# And by its longest word, which a cover never breaks: the most letters a line holds at each
# size (Noto Serif Bold's letters average 0.6 em across the front's 82 rem). German titles
# have words of 14 letters ("Zusammenarbeit", "Sicherheitspolitik") that the largest size cannot hold.
WORD_SIZES = ((12, ""), (15, "long"), (18, "longer"))
# A box may stand out of its panel by this much (rounding) before the panel counts as overflowing.
OVERFLOW_TOLERANCE_PX = 0.5


@dataclass(frozen=True)
class FrontCover:
    """What the front shows beyond the record's fields: which names, how many left unnamed, what sizes."""

    names: tuple[Contributor, ...]
    others: int  # authors not named: "and N others"
    title_size: str  # "", "long", "longer" or "longest": a class of cover.css
    names_size: str  # "" or "many"


def front_cover(record: Record) -> FrontCover:
    authors = record.creators
    named = authors if len(authors) <= MAX_NAMED else authors[:MAX_NAMED - 1]
    by_length = next((size for most, size in TITLE_SIZES if len(record.title) <= most), TITLE_SMALLEST)
    by_word = next((size for most, size in WORD_SIZES if _longest_word(record.title) <= most), TITLE_SMALLEST)
    title_size = max(by_length, by_word, key=[*(size for _, size in TITLE_SIZES), TITLE_SMALLEST].index)
    return FrontCover(tuple(named), len(authors) - len(named), title_size,
                      "many" if len(named) + (1 if len(named) < len(authors) else 0) >= MANY_NAMES else "")


def _longest_word(text: str) -> int:
    """The letters of the title's longest word that breaks only at spaces: Chinese and Japanese
    break between any two characters, so a word of theirs is never too long."""
    words = [w for w in text.split() if not any(unicodedata.east_asian_width(c) in "WF" for c in w)]
    return max(map(len, words), default=0)


def stylesheet(rendering) -> Markup:
    """cover.css, then the house's cover/house.css, as the style resolves them."""
    return Markup(rendering.source("cover/cover.css") + "\n" + rendering.source("cover/house.css"))


def lay_out_cover(rendering, html: str, subject: str, variant: str | None = None, extra_roots=()):
    """WeasyPrint's layout of a cover document, with the guard every layout has (no fetch
    outside the publication and the templates, no WeasyPrint warning)."""
    from . import patches
    from .layout import PUBLICATION_URL, import_weasyprint, weasyprint_guard

    import_weasyprint()
    patches.install("word-break: keep-all")  # a Korean title breaks between words (cover.css)
    with weasyprint_guard(subject, rendering.roots + list(extra_roots), folder=rendering.publication.folder) as fetcher:
        from weasyprint import HTML

        parsed = HTML(string=html, base_url=PUBLICATION_URL, url_fetcher=fetcher)
        return parsed.render(pdf_variant=variant)


def overflowing(document) -> list[str]:
    """What the cover could not hold: each element marked data-fit (the front, the back's
    text, the spine's line) any of whose boxes stands out of its content box, and a second
    page if the document has one. Nothing is cut silently: the caller decides."""
    found = ["a second page"] if len(document.pages) > 1 else []

    def walk(box, holder):
        element = box.element if box.element_tag and "::" not in box.element_tag else None
        sized = getattr(box, "width", None) is not None
        if (element is not None and element.get("data-fit") and sized
                and (holder is None or holder[0] is not element)):  # its anonymous boxes are inside it
            holder = (element, box.content_box_x() + box.width, box.content_box_y() + box.height)
        elif holder and sized:
            element, right, bottom = holder
            name = element.get("data-fit")
            if (box.position_x + box.margin_width() > right + OVERFLOW_TOLERANCE_PX
                    or box.position_y + box.margin_height() > bottom + OVERFLOW_TOLERANCE_PX) and name not in found:
                found.append(name)
        for child in getattr(box, "children", ()):
            walk(child, holder)

    for page in document.pages:
        walk(page._page_box, None)
    return found


def ebook_cover_pdf(rendering) -> bytes:
    """The front alone, laid out on a page of the EPUB cover's proportions: a one-page PDF."""
    width_mm, height_mm = (side * MM_PER_IN for side in EBOOK_COVER_IN)
    html = rendering.render("cover/ebook.html", front=front_cover(rendering.record), stylesheet=stylesheet(rendering),
                            width_mm=css_mm(width_mm), height_mm=css_mm(height_mm), rem_mm=css_mm(width_mm / 100))
    document = lay_out_cover(rendering, html, "the EPUB's cover")
    too_full = overflowing(document)
    if too_full:
        raise RenderError(
            f"the cover's front cannot hold the title, subtitle and names at a size legible in a shop's "
            f"thumbnail (it overflows: {', '.join(too_full)}); shorten the title or the subtitle in "
            f"{rendering.publication.folder / 'publication.yaml'}, or make the house's cover/house.css smaller "
            f"only where the legibility test still passes")
    return document.write_pdf()


def cover_png(rendering) -> bytes:
    """The EPUB's cover image: the front, EBOOK_COVER_PX, as a PNG without any timestamp."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(ebook_cover_pdf(rendering))
    try:
        page = pdf[0]
        image = page.render(scale=EBOOK_COVER_DPI / 72, may_draw_forms=False).to_pil().convert("RGB")
    finally:
        pdf.close()
    if image.size != EBOOK_COVER_PX:  # PDFium rounds the bitmap's size: make it exact
        image = image.resize(EBOOK_COVER_PX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def cover_alt(record: Record, words: dict[str, str]) -> str:
    """The cover's alt text: what the cover shows, in words (WCAG 1.1.1), in the labels' language."""
    parts = [f"{words['cover_of']} {record.full_title}"]
    if record.series:
        parts.append(record.series)
    if record.creators:
        names = [c.name for c in record.creators]
        parts.append(f"{words['by']} {joined(names, record.language)}")
    parts.append(record.publisher)
    return ". ".join(parts[:1] + [", ".join(parts[1:])]) + "."


def css_mm(value: float) -> str:
    """A length for the CSS, rounded to a thousandth of a millimetre: the same digits every build."""
    return f"{value:.3f}".rstrip("0").rstrip(".")

"""Stage 4b, part: the EPUB's cover image, the print edition's first page rendered.

The print title page already shows what a cover must (series, title,
subtitle, authors, date, publisher), set in the print edition's fonts, any
script included. pagemap.py lays the print edition out anyway; its first page
is written as a one-page PDF and rasterised with PDFium (pypdfium2) into a
PNG. Same content, same PDFium, same bytes: the PNG carries no timestamp.
"""

from __future__ import annotations

import io

from .metadata import Record

# Reading systems show covers at 1400-1600 px high; the print page is ~842 pt.
COVER_HEIGHT_PX = 1600


def cover_png(first_page_pdf: bytes) -> bytes:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(first_page_pdf)
    try:
        page = pdf[0]
        scale = COVER_HEIGHT_PX / page.get_height()
        image = page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")
    finally:
        pdf.close()
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
        joined = ", ".join(names[:-1]) + f" {words['and']} " + names[-1] if len(names) > 1 else names[0]
        parts.append(f"{words['by']} {joined}")
    parts.append(record.publisher)
    return ". ".join(parts[:1] + [", ".join(parts[1:])]) + "."

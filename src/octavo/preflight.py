"""What a print shop's preflight checks in a PDF for print, checked before it gets there
(issue 22): each image's effective resolution, its pixels over the size it is printed at.

A print shop asks for 300 pixels an inch at the printed size; under 150 the dots of a photograph
or the stairs of a chart's lines show, and the file is sent back. So an image placed below
WARN_DPI is a warning of the build (its notices), and below MIN_DPI a problem of the print
edition's proof, with the page and the image's size, for `build` and `octavo check` alike.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

WARN_DPI = 300
MIN_DPI = 150


@dataclass(frozen=True)
class Placed:
    """An image as the page prints it."""

    page: int  # 1-based
    pixels: tuple[int, int]
    inches: tuple[float, float]

    @property
    def dpi(self) -> float:
        """The effective resolution: the lower of its two directions."""
        return min(self.pixels[0] / self.inches[0], self.pixels[1] / self.inches[1])

    def __str__(self) -> str:
        return (f"page {self.page}: an image of {self.pixels[0]} × {self.pixels[1]} pixels printed "
                f"{self.inches[0] * 25.4:.0f} × {self.inches[1] * 25.4:.0f} mm, at {self.dpi:.0f} dpi")


def placed_images(path: Path) -> list[Placed]:
    """Every image drawn on the pages of the PDF at `path`, with its pixels and printed size
    (its bounds on the page, forms' matrices included, as PDFium places it)."""
    import pypdfium2
    import pypdfium2.raw as pdfium

    document = pypdfium2.PdfDocument(str(path))
    found = []
    try:
        for number, page in enumerate(document, start=1):
            for obj in page.get_objects(filter=(pdfium.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
                image = placed(number, obj)
                if image is not None:
                    found.append(image)
    finally:
        document.close()
    return found


def placed(number: int, obj) -> Placed | None:
    """An image object of page `number` with its pixels and printed size, or None where it has
    no pixels or no extent (the proof's reading of a PDF finds them too: verify.read_pdf)."""
    import pypdfium2.raw as pdfium

    width, height = ctypes.c_uint(), ctypes.c_uint()
    if not pdfium.FPDFImageObj_GetImagePixelSize(obj.raw, width, height):
        return None
    left, bottom, right, top = obj.get_bounds()
    inches = ((right - left) / 72, (top - bottom) / 72)
    if min(inches) <= 0 or not width.value or not height.value:
        return None
    return Placed(number, (width.value, height.value), inches)


def low_resolution(path: Path, below: float, images: list[Placed] | None = None) -> list[Placed]:
    """The images printed under `below` dpi: of the PDF at `path`, or of `images` already read from it."""
    return [image for image in (placed_images(path) if images is None else images) if image.dpi < below - 0.5]

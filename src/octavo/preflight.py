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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import Location

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


# ---------------------------------------------------------------- before the layout
# The print edition sets an image at CSS's pixel, 96 to the inch, and never wider than the text
# (print.css: img { max-width: 100% }). So its printed width, and its resolution, follow from its
# pixels and the text's width alone: `validate` and `build` refuse a picture too coarse to print
# before any page is laid out, naming the file and the line that shows it. A house style with its
# own print CSS may size images otherwise: then the prediction is a warning, and the print
# edition's proof, which measures each image on its page (check_print), decides.
CSS_PIXELS_PER_INCH = 96
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


@dataclass(frozen=True)
class Shown:
    """A raster image as a section shows it."""

    name: str  # as the author wrote it
    where: Location
    pixels: tuple[int, int]


def shown_images(publication) -> list[Shown]:
    """Each raster image the sections show, with the line that shows it and its pixels."""
    from PIL import Image, UnidentifiedImageError
    from urllib.parse import unquote

    from .errors import Location
    from .markdown import _parser, line_of

    found = []
    for section in publication.sections:
        lines = section.body.split("\n")
        for token in _parser().parse(section.body, {}):
            for child in token.children or []:
                src = unquote(child.attrGet("src") or "") if child.type == "image" else ""
                if not src.lower().endswith(RASTER_SUFFIXES):
                    continue
                try:
                    with Image.open(publication.folder / src) as image:
                        pixels = image.size
                except (OSError, UnidentifiedImageError, ValueError):
                    continue  # a file the image checks refuse, with their own words
                found.append(Shown(src, Location(section.path, line_of(f"]({child.attrGet('src')}", token, lines,
                                                                        section.body_line)), pixels))
    return found


def text_width_mm(publication, page) -> float:
    """The width of the print edition's text block: the trim less the page's side margins."""
    from .editions.cover import trim_mm

    return trim_mm(publication.trim_size)[0] - page.left - page.right


def printed_width_mm(pixels: int, text_mm: float) -> float:
    return min(pixels / CSS_PIXELS_PER_INCH * 25.4, text_mm)


def coarse_images(publication, page, house_sizes_images: bool) -> tuple[list, list]:
    """(errors, warnings): each raster image the print edition would print under MIN_DPI."""
    from .errors import Problem

    text_mm = text_width_mm(publication, page)
    errors, warnings = [], []
    for image in shown_images(publication):
        width_mm = printed_width_mm(image.pixels[0], text_mm)
        dpi = image.pixels[0] / (width_mm / 25.4)
        if dpi >= MIN_DPI - 0.5:
            continue
        good = round(text_mm / 25.4 * WARN_DPI)
        least = round(text_mm / 25.4 * MIN_DPI)
        message = (f"image '{image.name}' ({image.pixels[0]} × {image.pixels[1]} pixels) would print "
                   f"{width_mm:.0f} mm wide at {dpi:.0f} dpi, under the {MIN_DPI} dpi a print shop accepts")
        hint = (f"the print edition sets an image at {CSS_PIXELS_PER_INCH} pixels an inch, no wider than the "
                f"text ({text_mm:.0f} mm): give one at least {least:,} pixels wide ({good:,} for "
                f"{WARN_DPI} dpi across the text), or draw a chart as SVG, which prints sharp at any size; a paper "
                f"not printed leaves 'print' out of 'editions:' in publication.yaml")
        if house_sizes_images:
            warnings.append(Problem(image.where, message + " (the house style's print CSS may size it "
                                    "otherwise: the build measures it on the page)", hint))
        else:
            errors.append(Problem(image.where, message, hint))
    return errors, warnings


def house_sizes_images(folders: list[Path], templates: Path) -> bool:
    """Whether a house style brings print CSS of its own, which may size images otherwise."""
    return any(any((folder / "print").glob("*.css")) for folder in folders
               if not folder.resolve().is_relative_to(Path(templates).resolve()))

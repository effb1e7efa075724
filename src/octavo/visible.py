"""What a reader can see: the proof counts text only where it is visible.

In a PDF (read with PDFium) a text object is not seen, and its words are not
counted, when
- a glyph of it lies outside the trim box (cut off by the print shop, or off
  the page on screen; the proof also fails the edition for it);
- its font is smaller than 6 pt;
- it is drawn invisibly (text rendering mode 3 or 7) or fully transparent;
- its colour, blended by its alpha (rgba(0,0,0,0.03) is all but the paper), has less
  than WCAG AA's 4.5:1 contrast against what is rendered behind it (white text on white
  paper); a transparency group's opacity around it is ink.py's to measure;
- something is drawn over it (no pixel of its box differs from what covers it).

The background is the paper where no other object touches the text's box; only
pages where one does (a band, a tinted box, a rectangle laid over the text) are
rendered, with PDFium, and the colour behind the text measured there.

In an (X)HTML edition (EPUB, web), text is not seen where the edition's own CSS
(its stylesheets, read with tinycss2 and matched with cssselect2, the libraries
WeasyPrint itself uses) hides it: display: none, visibility: hidden, a zero font
size, opacity 0, or a text colour equal to its background; or the HTML `hidden`
attribute. Text a stylesheet generates (`content:` on ::before and ::after) is read where it
stands, as a reader reads it; a rule for a pseudo-element styles that text, not its element.
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

MIN_FONT_PT = 6.0
MIN_CONTRAST = 4.5
# A covered text's box holds no pixel that stands out from what covers it by this much.
MIN_INK_CONTRAST = 1.5
TRIM_TOLERANCE_PT = 0.5
# WeasyPrint draws an ordered list's numbers (outside ::marker boxes) after the page's text,
# so PDFium reads "1. 2. 3." as lines of their own at the foot of the page, inside a paragraph
# that runs on to the next one. Lines holding nothing but such numbers are left out: they are
# furniture of the list, never a block's words (a year, four digits, is not taken for one).
# PDFium reads each such number with the space of its marker ("1. "): a line a paragraph
# wraps onto, as a note's page range ("177–" / "78.") or a DOI ("…/aer." / "100.3.641."),
# ends without one and is words, not furniture.
LIST_NUMBERS_RE = re.compile(r"^[ \t]*(?:\d{1,3}\.[ \t]+)+\r?$\n?", re.MULTILINE)
RENDER_SCALE = 1.0
PAPER = (255, 255, 255)
INVISIBLE_MODES = (3, 7)  # PDF text rendering modes: neither fill nor stroke (ISO 32000-1, 9.3.6)


@dataclass(frozen=True)
class Unseen:
    """Text that is in the file but that a reader cannot see, and why."""

    page: int  # 1-based; 0 for a document without pages
    text: str
    why: str

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        words = " ".join(self.text.split())
        return f"{where}'{words[:80]}{'…' if len(words) > 80 else ''}' ({self.why})"


# ------------------------------------------------------------------- PDF

def pdf_visible_text(path, above_pt: float, below_pt: float, anchors: tuple[str, ...] = (),
                     images: list | None = None) -> tuple[list[str], list[Unseen], list[tuple[str, int, int]]]:
    """Each page's visible text within its text block (the trim box less `above_pt` at the
    top and `below_pt` at the foot, where the furniture stands), what is not visible, and
    where each of `anchors` (element ids, which WeasyPrint writes as named destinations) begins:
    (id, page index, offset in that page's text). An anchor the file has no destination for
    is left out. `images`, where given, gets each image the pages draw (preflight.Placed), found
    on the way: the print preflight (verify.check_print) does not load every page again.

    A page where an anchor stands is read in bands cut at each anchor's height, top to
    bottom, so that what an element holds follows its anchor in the text: PDFium reads a
    page in the order it was drawn, and WeasyPrint draws a list's numbers and the note area
    after the text above them."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    pages, unseen, found = [], [], []
    try:
        cuts = named_destinations(document, anchors)
        right_to_left = _written_right_to_left(document)
        for number, page in enumerate(document, start=1):
            bands, hidden = _page_text(page, number, above_pt, below_pt, cuts.get(number - 1, []), images,
                                       right_to_left)
            text = ""
            for name, band in bands:
                text += "\n" if text else ""  # two bands are two lines: their words stay apart
                if name is not None:
                    found.append((name, number - 1, len(text)))
                text += LIST_NUMBERS_RE.sub("", band)
            pages.append(text)
            unseen.extend(hidden)
    finally:
        document.close()
    return pages, unseen, found


def named_destinations(document, names: tuple[str, ...]) -> dict[int, list[tuple[float, str]]]:
    """page index -> [(height in pt, name)] of each named destination among `names` (ISO 32000-1,
    12.3.2.3), highest first."""
    import pypdfium2.raw as pdfium

    found: dict[int, list[tuple[float, str]]] = {}
    for name in names:
        dest = pdfium.FPDF_GetNamedDestByName(document.raw, name.encode("utf-8"))
        if not dest:
            continue
        index = pdfium.FPDFDest_GetDestPageIndex(document.raw, dest)
        has = [ctypes.c_int() for _ in range(3)]
        where = [ctypes.c_float() for _ in range(3)]
        pdfium.FPDFDest_GetLocationInPage(dest, *map(ctypes.byref, has + where))
        if index < 0 or not has[1].value:
            continue
        found.setdefault(index, []).append((where[1].value, name))
    for cuts in found.values():
        cuts.sort(key=lambda cut: -cut[0])
    return found


def _written_right_to_left(document) -> bool:
    """Whether the PDF's language (its catalog's /Lang, the paper's) is written right to left."""
    import pypdfium2.raw as pdfium

    from .languages import direction

    size = pdfium.FPDFCatalog_GetLanguage(document.raw, None, 0)
    if size <= 2:
        return False
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium.FPDFCatalog_GetLanguage(document.raw, buffer, size)
    return direction(bytes(buffer).decode("utf-16-le").rstrip("\x00")) == "rtl"


def _page_text(page, number: int, above_pt: float, below_pt: float, cuts=(), images: list | None = None,
               right_to_left: bool = False) -> tuple[list[tuple[str | None, str]], list[Unseen]]:
    """The page's text block in bands, [(the anchor it begins at or None, its text)], and what is
    unseen. A page of a paper written right to left is read in logical order (_in_logical_order)."""
    trim = page.get_trimbox()
    textpage = page.get_textpage()
    texts, others = _objects(page, number, images)
    verdicts: dict[int, str] = {}  # raw object address -> why it is not seen
    to_measure = []
    for obj in texts:
        why = _text_object_problem(obj, trim)
        if why:
            verdicts[_address(obj.raw)] = why
        elif _overlaps_any(obj.get_bounds(), others):
            to_measure.append(obj)
        elif _contrast(_shown(obj, PAPER), PAPER) < MIN_CONTRAST:
            verdicts[_address(obj.raw)] = f"contrast {_contrast(_shown(obj, PAPER), PAPER):.1f}:1 against the paper"
    if to_measure:
        verdicts.update(_measure(page, to_measure))
    left, bottom, right, top = trim
    low, high = bottom + below_pt, top - above_pt
    # An anchor above the text block (a section that opens the page) begins the first band.
    bands, upper, name = [], high, None
    for height, anchor in cuts:
        height = max(low, min(high, height))
        bands.append((name, (left, height, right, upper)))
        upper, name = height, anchor
    bands.append((name, (left, low, right, upper)))
    texts, unseen = [], []
    for name, box in bands:
        if box[3] <= box[1] and name is None:
            continue
        if not verdicts:
            text = textpage.get_text_bounded(*box) if box[3] > box[1] else ""
            if right_to_left and RIGHT_TO_LEFT.search(text):
                text = _logical_text(textpage, box)
        else:
            # What is unseen is the page's, whatever the band: kept from the first.
            text, hidden = _text_without(textpage, verdicts, number, box, right_to_left)
            unseen = unseen or hidden
        texts.append((name, text))
    return texts, unseen


def _objects(page, number: int = 0, images: list | None = None) -> tuple[list, list[tuple[float, float, float, float]]]:
    """The page's text objects (WeasyPrint draws text on the page itself), and the page-space
    bounds of everything else that is drawn: paths, images, shadings, and what forms hold
    (a form's own box is only its extent; its drawings are placed by its matrix). Each image
    is added to `images`, where given (preflight.placed)."""
    import pypdfium2.raw as pdfium

    from .preflight import placed

    texts, others, forms = [], [], {}
    for obj in page.get_objects(max_depth=8):
        matrices = [forms[level] for level in range(obj.level) if level in forms]
        if obj.type == pdfium.FPDF_PAGEOBJ_FORM:
            forms[obj.level] = obj.get_matrix()
            for deeper in [level for level in forms if level > obj.level]:
                del forms[deeper]
            continue
        if obj.type == pdfium.FPDF_PAGEOBJ_TEXT and obj.level == 0:
            texts.append(obj)
            continue
        if obj.type == pdfium.FPDF_PAGEOBJ_IMAGE and images is not None:
            image = placed(number, obj)
            if image is not None:
                images.append(image)
        others.append(_placed(obj.get_bounds(), reversed(matrices)))
    return texts, others


def _placed(bounds, matrices):
    """Bounds in a form's space carried into the page's, through each enclosing form's matrix."""
    left, bottom, right, top = bounds
    corners = [(left, bottom), (left, top), (right, bottom), (right, top)]
    for m in matrices:
        corners = [(m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f) for x, y in corners]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _text_object_problem(obj, trim) -> str | None:
    import pypdfium2.raw as pdfium

    left, bottom, right, top = obj.get_bounds()
    t_left, t_bottom, t_right, t_top = trim
    if (left < t_left - TRIM_TOLERANCE_PT or right > t_right + TRIM_TOLERANCE_PT
            or bottom < t_bottom - TRIM_TOLERANCE_PT or top > t_top + TRIM_TOLERANCE_PT):
        return "outside the trim box"
    if pdfium.FPDFTextObj_GetTextRenderMode(obj.raw) in INVISIBLE_MODES:
        return "drawn invisibly"
    size = ctypes.c_float()
    pdfium.FPDFTextObj_GetFontSize(obj.raw, size)
    matrix = obj.get_matrix()
    scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
    if size.value * scale < MIN_FONT_PT - 0.01:
        return f"{size.value * scale:.1f} pt, under {MIN_FONT_PT:g} pt"
    if _fill(obj, alpha=True)[3] == 0:
        return "fully transparent"
    return None


def _fill(obj, alpha: bool = False) -> tuple[int, ...]:
    import pypdfium2.raw as pdfium

    channels = [ctypes.c_uint() for _ in range(4)]
    pdfium.FPDFPageObj_GetFillColor(obj.raw, *channels)
    values = tuple(c.value for c in channels)
    return values if alpha else values[:3]


def _shown(obj, behind) -> tuple[int, int, int]:
    """The colour a text object's fill shows over `behind`: its colour blended by its alpha
    (rgba(0,0,0,0.03) is all but the paper's own colour). A transparency group's opacity around
    it is not known here: ink.py measures the required text's by rendering."""
    red, green, blue, alpha = _fill(obj, alpha=True)
    a = alpha / 255
    return tuple(round(c * a + b * (1 - a)) for c, b in zip((red, green, blue), behind[:3]))


def _measure(page, objects) -> dict[int, str]:
    """Render the page and compare each text's colour with the colour most of its box shows.

    Only the part of the page that holds the texts is rendered (a heading's band, a table):
    the pixels of the rest are never looked at."""
    crop_left, crop_bottom, crop_right, crop_top = page.get_cropbox()
    bounds = [obj.get_bounds() for obj in objects]
    # Whole pixels cut from each side: PDFium rounds a fractional cut up, which would move the
    # image against the boxes measured on it by a pixel, the height of a small letter's stroke.
    cut = tuple(math.floor(max(0.0, amount) * RENDER_SCALE) / RENDER_SCALE for amount in (
        min(b[0] for b in bounds) - 1 - crop_left, min(b[1] for b in bounds) - 1 - crop_bottom,
        crop_right - max(b[2] for b in bounds) - 1, crop_top - max(b[3] for b in bounds) - 1))
    if cut[0] + cut[2] >= crop_right - crop_left or cut[1] + cut[3] >= crop_top - crop_bottom:
        return {}  # the texts lie off the page: nothing of them is drawn to measure
    image = page.render(scale=RENDER_SCALE, may_draw_forms=False, crop=cut, rev_byteorder=True).to_pil()
    image = image if image.mode == "RGB" else image.convert("RGB")
    origin_x, origin_y = crop_left + cut[0], crop_top - cut[3]
    verdicts = {}
    for obj, (left, bottom, right, top) in zip(objects, bounds):
        box = (max(0, int((left - origin_x) * RENDER_SCALE)), max(0, int((origin_y - top) * RENDER_SCALE)),
               min(image.width, int((right - origin_x) * RENDER_SCALE) + 1),
               min(image.height, int((origin_y - bottom) * RENDER_SCALE) + 1))
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        region = image.crop(box)
        colours = region.getcolors(region.width * region.height)
        background = max(colours)[1]
        fill = _shown(obj, background)
        if _contrast(fill, background) < MIN_CONTRAST:
            verdicts[_address(obj.raw)] = f"contrast {_contrast(fill, background):.1f}:1 against its background"
        elif not any(_contrast(colour, background) >= MIN_INK_CONTRAST for _, colour in colours):
            # Its colour would show, but no pixel of its box does.
            verdicts[_address(obj.raw)] = "covered by what is drawn over it"
    return verdicts


def _text_without(textpage, verdicts: dict[int, str], number: int, block, right_to_left: bool = False
                  ) -> tuple[str, list[Unseen]]:
    """The page's text, character by character, without the characters of unseen objects
    (and without those outside the text block), and the unseen texts."""
    import pypdfium2.raw as pdfium

    left, bottom, right, top = block
    shown, hidden, current, indices = [], {}, None, []
    for index in range(textpage.count_chars()):
        char = chr(pdfium.FPDFText_GetUnicode(textpage.raw, index))
        obj = pdfium.FPDFText_GetTextObject(textpage.raw, index)
        why = verdicts.get(_address(obj)) if obj else None
        if why:
            hidden.setdefault(_address(obj), [why, []])[1].append(char)
            current = None
            continue
        box = [ctypes.c_double() for _ in range(4)]
        pdfium.FPDFText_GetCharBox(textpage.raw, index, *box)
        x0, x1, y0, y1 = (b.value for b in box)
        if char.strip() and not (x1 >= left and x0 <= right and y1 >= bottom and y0 <= top):
            continue
        shown.append(char)
        indices.append(index)
        current = obj
    unseen = [Unseen(number, "".join(chars), why) for why, chars in hidden.values()]
    text = "".join(shown)
    if right_to_left and RIGHT_TO_LEFT.search(text):
        text = _in_logical_order(_glyphs(textpage, indices))
    return text, unseen


# ------------------------------------------------------ right to left

# Arabic, Hebrew, Syriac, Thaana, N'Ko and their presentation forms: a page of a paper written
# right to left that holds any is read again in logical order (_logical_text). A paper written
# left to right is read in PDFium's order, which keeps a name in Arabic script in its own order.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass
class _Glyph:
    text: str  # its characters, in logical order
    left: float
    right: float
    middle: float  # the height of the middle of its line box (the font's ascent to descent)
    low: float  # its line box's foot and head
    high: float
    strength: str | None  # "R" (right to left), "L" (left to right), "N" (a digit), or None (neutral)
    floating: bool = False  # a space PDFium adds, or a mark set over a letter: it joins the nearest line


def _logical_text(textpage, box) -> str:
    """The text within `box` in the order it is read, not the order it is drawn in."""
    left, bottom, right, top = box
    indices = []
    for index in range(textpage.count_chars()):
        x0, x1, y0, y1 = _char_box(textpage, index)
        if x1 >= left and x0 <= right and y1 >= bottom and y0 <= top:
            indices.append(index)
    return _in_logical_order(_glyphs(textpage, indices))


def _char_box(textpage, index: int) -> tuple[float, float, float, float]:
    import pypdfium2.raw as pdfium

    box = [ctypes.c_double() for _ in range(4)]
    pdfium.FPDFText_GetCharBox(textpage.raw, index, *box)
    return tuple(b.value for b in box)


def _glyphs(textpage, indices: list[int]) -> list[_Glyph]:
    """The glyphs of the characters at `indices` (PDFium's order), each with its characters.
    A glyph that stands for several characters (the lam-alef ligature, لا) gives PDFium
    several characters with one box, which it reverses with the rest of a right-to-left run:
    they are put back in the order of the glyph's ToUnicode entry, which is the logical one."""
    import pypdfium2.raw as pdfium

    glyphs: list[_Glyph] = []
    last_box = None
    for index in indices:
        char = chr(pdfium.FPDFText_GetUnicode(textpage.raw, index))
        if char in "\r\n":
            last_box = None
            continue
        char_box = _char_box(textpage, index)
        if char_box == last_box and char_box[1] > char_box[0] and glyphs:
            glyph = glyphs[-1]
            glyph.text += char
            glyph.strength = glyph.strength or _strength(char)  # a mark first ("ۂ" as hamza, heh)
            continue
        loose = pdfium.FS_RECTF()
        pdfium.FPDFText_GetLooseCharBox(textpage.raw, index, loose)
        floating = loose.top - loose.bottom < 0.1 or unicodedata.category(char) == "Mn"
        glyphs.append(_Glyph(char, char_box[0], char_box[1], (loose.top + loose.bottom) / 2, loose.bottom,
                             loose.top, _strength(char), floating))
        last_box = char_box
    for glyph in glyphs:
        if len(glyph.text) > 1 and any(_strength(c) == "R" for c in glyph.text):
            glyph.text = _letters_in_order(glyph.text)
    return glyphs


def _letters_in_order(text: str) -> str:
    """The characters of one right-to-left glyph in logical order. PDFium reverses the letters
    of a ligature with the rest of its run (لا comes as ا, ل) but keeps a mark after its letter
    (ۂ comes as ہ, hamza): the letters are reversed, each keeping the marks that follow it."""
    groups: list[str] = []
    for char in text:
        if unicodedata.category(char).startswith("M") and groups and not groups[-1][:1].isspace():
            groups[-1] += char
        else:
            groups.append(char)
    return "".join(reversed(groups))


def _strength(char: str) -> str | None:
    kind = unicodedata.bidirectional(char)
    return "R" if kind in ("R", "AL") else "L" if kind == "L" else "N" if kind in ("EN", "AN") else None


def _in_logical_order(glyphs: list[_Glyph]) -> str:
    """The glyphs' characters line by line, top to bottom, each line in logical order.

    The Unicode Bidirectional Algorithm (UAX #9) maps the logical order of a line to the visual
    one; a PDF holds only the visual one, and no library maps it back. For the lines a paper
    has, a right-to-left line with left-to-right runs (a Latin name, a number, a URL) or the
    other way round, the mapping is its own inverse: the whole line is reversed and each run
    of the other direction reversed again, the neutrals between two of its letters with it."""
    standing = [g for g in glyphs if not g.floating]
    if not standing:
        return "".join(g.text for g in glyphs)
    heights = sorted(g.high - g.low for g in standing)
    usual = heights[len(heights) // 2]
    # A note call is set smaller and higher: it belongs to the line whose box holds its middle. Smaller
    # text with no line about it (the notes at the foot) makes lines of its own.
    lines = _lines([g for g in standing if g.high - g.low >= SMALLER * usual])
    alone = []
    for glyph in (g for g in standing if g.high - g.low < SMALLER * usual):
        line = next((line for line in lines if min(g.low for g in line) <= glyph.middle <= max(g.high for g in line)),
                    None)
        (line if line is not None else alone).append(glyph)
    lines = sorted(lines + _lines(alone), key=lambda line: -line[0].middle)
    lines = _side_by_side(lines, {id(g): n for n, g in enumerate(glyphs)})
    for glyph in (g for g in glyphs if g.floating):
        min(lines, key=lambda line: abs(line[0].middle - glyph.middle)).append(glyph)
    return "\n".join("".join(g.text for g in _line_in_logical_order(line)) for line in lines)


def _side_by_side(lines: list[list[_Glyph]], order: dict[int, int]) -> list[list[_Glyph]]:
    """Lines drawn side by side at one height (the cells of a table row, each of several lines)
    parted and put in the order they are drawn, which is the order they are read: a cell's
    lines one after another, then the next cell's. A line is parted where the glyphs drawn
    between two of its glyphs stand on another line; where no line is parted (running text),
    the lines stay top to bottom."""
    where = {id(g): n for n, line in enumerate(lines) for g in line}
    drawn = sorted((g for line in lines for g in line), key=lambda g: order[id(g)])
    parts: list[list[_Glyph]] = []
    for glyph in drawn:
        if parts and where[id(parts[-1][0])] == where[id(glyph)]:
            parts[-1].append(glyph)
        else:
            parts.append([glyph])
    if len({where[id(part[0])] for part in parts}) == len(parts):
        return lines  # each line drawn in one go: the page's own order, top to bottom
    return parts


def _lines(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    lines: list[list[_Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: -g.middle):
        if lines and abs(lines[-1][0].middle - glyph.middle) <= LINE_TOLERANCE_PT:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return lines


def _line_in_logical_order(line: list[_Glyph]) -> list[_Glyph]:
    """One line's glyphs, drawn left to right, in the order they are read. A line that holds a
    right-to-left letter is read from its right end; each run of left-to-right letters in it
    (with the spaces and stops between them) and each number is read from its left end again.
    A number joined to a Latin word is part of that word's run (UAX #9, W7: "COVID-19").

    The drawn order does not always tell the read one: "Studies 2024" drawn in an Arabic line is
    both "Studies 2024" read in one run and "2024 … Studies" read as two. The reading chosen is
    the one a paper's own lines need (the rights line: "© 2024 Institute …")."""
    line = sorted(line, key=lambda g: (g.left + g.right) / 2)
    if not any(g.strength == "R" for g in line):
        return line
    # A number drawn right after a Latin letter, with no space between ("COVID-19"), is part of
    # that letter's run (UAX #9, W7). One a space apart is a run of its own: drawn in an Arabic
    # line, "Studies 2024" is what "© 2024 Institute … Studies" looks like, the number read first.
    kinds, previous = [], None
    for glyph in line:
        kind = glyph.strength
        if kind == "N" and previous == "L":
            kind = "L"
        if kind in ("R", "L"):
            previous = kind
        elif glyph.text.isspace():
            previous = None
        kinds.append(kind)
    line.reverse()
    kinds.reverse()
    index = 0
    while index < len(line):
        if kinds[index] not in ("L", "N"):
            index += 1
            continue
        kind, end = kinds[index], index
        for ahead in range(index + 1, len(line)):
            if kinds[ahead] == kind:
                end = ahead
            elif kinds[ahead] is not None or (kind == "N" and line[ahead].text.isspace()):
                # A space between two numbers takes the line's direction (UAX #9, N1: numbers
                # count as right to left there): "1990 34", two cells of a row, are two runs.
                break
        line[index:end + 1] = line[index:end + 1][::-1]
        index = end + 1
    return line


# The middles of two line boxes of one line differ by no more than this: a note call or a mark
# set higher still has its font's line box about the line's middle.
LINE_TOLERANCE_PT = 3.0
SMALLER = 0.8  # a glyph whose line box is less than this of the usual one on the page is set smaller


def _address(handle) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _overlaps_any(box, others) -> bool:
    left, bottom, right, top = box
    return any(left < o[2] and o[0] < right and bottom < o[3] and o[1] < top for o in others)


def _contrast(one, other) -> float:
    """WCAG 2.1's contrast ratio of two sRGB colours."""
    bright, dark = sorted((_luminance(tuple(one[:3])), _luminance(tuple(other[:3]))), reverse=True)
    return (bright + 0.05) / (dark + 0.05)


@functools.lru_cache(maxsize=65536)  # a page's anti-aliased text has a few hundred colours, the same on every page
def _luminance(colour: tuple[int, int, int]) -> float:
    linear = [(c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# ---------------------------------------------------------------- (X)HTML

HIDING_DISPLAY = {"none"}
HIDING_VISIBILITY = {"hidden", "collapse"}
MIN_HTML_CONTRAST = 1.5  # a text colour this close to its background is no text at all


# The words an edition must show, as the shared partials mark them: bylines and disclaimers.
REQUIRED = '[role~="doc-credits"], [data-disclaimer]'


def required(element) -> bool:
    """A byline (the shared partial's role="doc-credits") or a disclaimer (data-disclaimer)."""
    return "doc-credits" in (element.get("role") or "").split() or element.get("data-disclaimer") is not None



def html_visible_text(root, stylesheets: list[str], page: int = 0, judged: list | None = None
                      ) -> tuple[str, list[Unseen], list[tuple[str, int]]]:
    """The text of an (X)HTML document's body as its own CSS shows it, what that CSS hides,
    and where each shown element with an id begins in that text: (id, offset).

    `root` is an lxml tree (XHTML with its namespace, or plain HTML); `stylesheets` the CSS
    texts it uses, in cascade order; `style` elements and attributes are read too. `judged`:
    the browser's verdicts on the document (seen.Verdicts): an element Chromium does not show
    is hidden, with its why, whatever the stylesheets say."""
    import cssselect2

    body = next((e for e in root.iter() if isinstance(e.tag, str) and _local(e.tag) == "body"), None)
    if body is None:
        return "", [], []
    sheets = list(stylesheets) + ["".join(e.itertext()) for e in root.iter()
                                  if isinstance(e.tag, str) and _local(e.tag) == "style"]
    matcher = cssselect2.Matcher()
    for order, (selectors, declarations) in enumerate(_rules(sheets)):
        for selector in selectors:
            matcher.add_selector(selector, (order, declarations))
    wrapper = cssselect2.ElementWrapper.from_xml_root(root) if "}" in str(root.tag) \
        else cssselect2.ElementWrapper.from_html_root(root)
    styles, generated = {}, {}
    for element in wrapper.iter_subtree():
        matches = sorted(matcher.match(element), key=lambda m: (m[0], m[3][0]))  # specificity, then order
        declared, pseudo = {}, {"before": {}, "after": {}}
        for _, _, pseudo_type, (_, declarations) in matches:
            # A rule for ::before or ::after styles the text it generates, not the element itself.
            target = declared if pseudo_type is None else pseudo.get(pseudo_type)
            if target is not None:
                target.update(declarations)
        inline = element.etree_element.get("style")
        if inline:
            declared.update(_declarations(inline))
        styles[element.etree_element] = declared
        # Generated text (CSS 2.1, 12.1) is text a reader reads: "and John Smith" added after a byline.
        texts = tuple(rules.get("content", "") if _hiding(element.etree_element, rules, pseudo=True) is None else ""
                      for rules in (pseudo["before"], pseudo["after"]))
        if any(texts):
            generated[element.etree_element] = texts
    shown, unseen, marks = [], [], []
    verdicts = _by_element(root, judged)
    _walk(body, (styles, generated, verdicts), {"color": None, "background": PAPER, "font-size": 1.0}, shown, unseen,
          page, marks)
    offsets, length = [], 0
    for index, piece in enumerate(shown):
        offsets.append(length)
        length += len(piece)
    offsets.append(length)
    return "".join(shown), unseen, [(name, offsets[index]) for name, index in marks]


def _by_element(root, judged) -> dict:
    """The browser's verdicts (seen.Verdicts) on the elements of `root`, this reader's own parse
    of the file: each found by its path and checked by its tag. Where the two parses differ the
    proof fails; it never passes a verdict it cannot place."""
    from .errors import OctavoError

    if judged is None:
        return {}
    found = {}
    for path, (tag, why) in judged.unseen.items():
        element = root
        for index in path:
            children = [child for child in element if isinstance(child.tag, str)]
            element = children[index] if index < len(children) else None
            if element is None:
                break
        if element is None or _local(element.tag) != tag:
            raise OctavoError(f"the proof cannot place Chromium's verdict on a <{tag}> ({why}): the browser "
                              f"parsed the document otherwise than its reader at {'/'.join(map(str, path))}")
        found[element] = why
    return found


def _walk(element, css, inherited, shown, unseen, page, marks) -> None:
    """`css`: (each element's declarations, the text each element's ::before and ::after generate,
    the browser's verdict on each required element)."""
    styles, generated, verdicts = css
    declared = styles.get(element, {})
    why = _hiding(element, declared)
    state = dict(inherited)
    if "color" in declared:
        state["color"] = declared["color"]
    if declared.get("background-color"):
        state["background"] = declared["background-color"]
    if "font-size" in declared:
        state["font-size"] = declared["font-size"]
    if why is None and state["font-size"] == 0:
        why = "a zero font size"
    if why is None and state["color"] is not None and _contrast(state["color"], state["background"]) < MIN_HTML_CONTRAST:
        why = f"text coloured like its background ({_contrast(state['color'], state['background']):.1f}:1)"
    if why is None:
        why = verdicts.get(element)  # the browser's, where the stylesheets alone say nothing
    if why is not None:
        text = "".join(element.itertext())
        if text.strip():
            unseen.append(Unseen(page, text, why))
        if element.tail:
            shown.append(element.tail)
        return
    if element.get("id"):
        marks.append((element.get("id"), len(shown)))
    before, after = generated.get(element, ("", ""))
    if before:
        shown.append(before)
    if element.text:
        shown.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) in ("script", "style", "template"):
            if child.tail:
                shown.append(child.tail)
            continue
        if isinstance(child.tag, str):
            _walk(child, css, state, shown, unseen, page, marks)
        elif child.tail:
            shown.append(child.tail)
    if after:
        shown.append(after)
    shown.append(" ")
    if element.tail:
        shown.append(element.tail)


def _hiding(element, declared, pseudo: bool = False) -> str | None:
    """Why `declared` hides what it styles: an element, or (`pseudo`) the text its ::before or
    ::after generates, which the element's own hidden attribute does not concern."""
    if pseudo:
        if declared.get("font-size") == 0:
            return "a zero font size"
    elif element.get("hidden") is not None:
        return "the hidden attribute"
    if declared.get("display") in HIDING_DISPLAY:
        return "display: none"
    if declared.get("visibility") in HIDING_VISIBILITY:
        return f"visibility: {declared['visibility']}"
    if declared.get("opacity") == 0:
        return "opacity: 0"
    return None


def _rules(sheets: list[str]):
    for sheet in sheets:
        yield from _sheet_rules(sheet)


@functools.lru_cache(maxsize=64)  # an EPUB's documents share their stylesheets: each is parsed once
def _sheet_rules(sheet: str) -> tuple:
    import cssselect2
    import tinycss2

    rules = []
    for rule in tinycss2.parse_stylesheet(sheet, skip_whitespace=True, skip_comments=True):
        if rule.type != "qualified-rule":
            continue  # @media, @font-face, @page: not what a reading system's page shows by default
        try:
            selectors = cssselect2.compile_selector_list(rule.prelude)
        except cssselect2.SelectorError:
            continue
        rules.append((selectors, _declarations(rule.content)))
    return tuple(rules)


def _declarations(content) -> dict:
    """The declarations that can hide text, as values: display, visibility, opacity, font-size
    (0 or not), color and background-color (as RGB, where the colour is opaque)."""
    import tinycss2
    from tinycss2.color4 import parse_color

    found = {}
    for declaration in tinycss2.parse_blocks_contents(content, skip_whitespace=True, skip_comments=True) \
            if not isinstance(content, str) else tinycss2.parse_declaration_list(content, True, True):
        if declaration.type != "declaration":
            continue
        name = declaration.lower_name
        values = [t for t in declaration.value if t.type not in ("whitespace", "comment")]
        if not values:
            continue
        first = values[0]
        if name in ("display", "visibility") and first.type == "ident":
            found[name] = first.lower_value
        elif name == "content":
            found[name] = "".join(t.value for t in values if t.type == "string")
        elif name == "opacity" and first.type in ("number", "percentage"):
            found[name] = 0 if first.value == 0 else 1
        elif name == "font-size":
            found[name] = 0 if first.type in ("number", "dimension", "percentage") and first.value == 0 else 1.0
        elif name in ("color", "background-color", "background"):
            colour = parse_color(first)
            if colour is not None and getattr(colour, "alpha", 1) == 1:
                rgb = tuple(round(c * 255) for c in colour.to("srgb").coordinates)
                found["color" if name == "color" else "background-color"] = rgb
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]

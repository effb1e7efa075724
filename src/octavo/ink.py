"""What a PDF draws of the words it must show: the title, every disclaimer and every byline,
judged by their ink and read back by OCR (issue 20), not by what the text layer says.

The text layer (visible.py) says which letters a page holds, in which colour and size. It
cannot say what a reader sees where
- the colour is nearly transparent (`rgba(0,0,0,0.03)`), or the text stands in a
  transparency group of opacity 0.02;
- the font's glyphs are empty, or draw other letters than the text layer says
  ("Qvfpynvzre" where the layer reads "Disclaimer");
- a pattern is laid over the text.

So, at each place where the proof found a required text (verify.check_ink: a page at a time,
a text broken across pages in its parts), PDFium renders that region twice: as it is, and
with the text's own objects made invisible (rendering mode 3). A pixel is the text's ink when
the two renderings differ there by at least WCAG AA's 4.5:1 contrast (visible.MIN_CONTRAST):
whatever the colours, the background, the opacity of any group around it. At least
MIN_LETTERS_INKED of its letters must leave ink. The ink, black on white, is read by
Tesseract; the text is seen when OCR reads at least MIN_LETTERS_READ of its letters, in order.
The same words drawn with the same look are read once a file, and a reading is kept by its
image's digest (read_back). Nothing else is OCR'd: blocks are judged by the text layer alone.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import OctavoError
from .visible import MIN_CONTRAST

SCALE = 4.0  # 288 dpi: Tesseract reads 9 pt text best with an x-height of 20 px or more
PAD_PT = 1.5
GAP_PX = 48  # white between two regions in the image Tesseract reads
MIN_LETTERS_READ = 0.6  # measured: docs/security.md, "The threshold"
MIN_LETTERS_INKED = 0.5  # a letter whose box holds no ink pixel is not drawn
OCR_SECONDS = 120
INVISIBLE = 3  # PDF text rendering mode: neither fill nor stroke (ISO 32000-1, 9.3.6)

# The Tesseract data for each script a required text may be written in (Debian: tesseract-ocr-<code>).
# A script shared by several languages is read with the data of the language it is written in:
# a Japanese affiliation in kanji (東京大学) is misread by the Chinese data, whose letters differ
# in form; Persian and Urdu have letters Arabic has not (پ چ ژ گ, ٹ ڈ ڑ ں ے).
LANGUAGE_DATA = {("CJK", "ja"): "jpn", ("CJK", "ko"): "kor", ("ARABIC", "fa"): "fas", ("ARABIC", "ur"): "urd"}
SCRIPT_DATA = {"HANGUL": "kor", "HIRAGANA": "jpn", "KATAKANA": "jpn", "CJK": "chi_sim", "ARABIC": "ara",
               "HEBREW": "heb", "CYRILLIC": "rus", "GREEK": "ell", "DEVANAGARI": "hin", "THAI": "tha"}


@dataclass(frozen=True)
class Required:
    """A text the proof must see drawn, and what it is (for the finding it fails)."""

    what: str  # "title", "disclaimer", "attribution"
    subject: str  # which one: the caller's key for it
    text: str
    language: str = ""  # the language it is written in, where known: the paper's, or its element's lang


@dataclass(frozen=True)
class Unread:
    """A required text the page draws so that a reader cannot read it, and why."""

    required: Required
    page: int  # 1-based
    why: str


def skeleton_map(chars: str) -> tuple[str, list[int]]:
    """The letters and digits of `chars`, folded as verify.skeleton folds them, and the index
    of each in `chars`."""
    out, where = [], []
    for index, char in enumerate(chars):
        for folded in unicodedata.normalize("NFKC", char).casefold():
            if folded.isalnum():
                out.append(folded)
                where.append(index)
    return "".join(out), where


@dataclass(frozen=True)
class Place:
    """Where the proof found a required text in a page's reading: the page (0-based), the
    text's letters on that page (verify.skeleton), and which occurrence of them on the page."""

    required: Required
    page: int
    letters: str
    occurrence: int = 0


def unread(path, places: list[Place], above_pt: float = 0.0, below_pt: float = 0.0) -> list[Unread]:
    """Each required text, at each of its places, that the page does not draw in ink a reader
    can read: PDFium renders it with and without its own text objects, Tesseract reads its ink.
    `above_pt` and `below_pt`: the margins the reading left out (verify.pdf_text_blocks), where
    the running heads stand."""
    import pypdfium2

    by_page: dict[int, list[Place]] = {}
    for place in places:
        by_page.setdefault(place.page, []).append(place)
    if not by_page:
        return []
    document = pypdfium2.PdfDocument(str(path))
    regions = []
    try:
        for index, on_page in sorted(by_page.items()):
            regions += _regions(document[index], index + 1, on_page, above_pt, below_pt)
    finally:
        document.close()
    return _judge(regions)


@dataclass
class _Region:
    required: Required
    page: int
    words: str  # the part of the text on this page
    ink: object  # PIL image: black where the text's ink is
    letters: int
    inked: int
    look: tuple  # what draws its glyphs: each text object's font, size, matrix and colour




def _regions(page, number: int, places: list[Place], above_pt: float, below_pt: float) -> list[_Region]:
    """The region of each place on the page: the page's own characters (the reading's text
    leaves the margins and what is unseen out, so the place's letters are looked for again, the
    same occurrence of them)."""
    import pypdfium2.raw as pdfium

    textpage = page.get_textpage()
    _, bottom, _, top = page.get_trimbox()
    low, high = bottom + below_pt, top - above_pt
    count = textpage.count_chars()
    # The page's characters in one call; one by one where that is not one a character index
    # (a character outside the Basic Multilingual Plane is two UTF-16 units).
    text = textpage.get_text_range(0, count)
    if len(text) != count:
        text = "".join(chr(pdfium.FPDFText_GetUnicode(textpage.raw, index)) for index in range(count))
    chars = list(text)
    box = [ctypes.c_double() for _ in range(4)]  # one buffer for every character: a page has thousands
    pointers = [ctypes.byref(b) for b in box]
    for index in range(count):
        pdfium.FPDFText_GetCharBox(textpage.raw, index, *pointers)
        # What the reading left out (a running head) is no place of the text's.
        if box[3].value < low or box[2].value > high:
            chars[index] = " "
    letters, where = skeleton_map("".join(chars))
    regions = []
    for place in places:
        at = -1
        for _ in range(place.occurrence + 1):
            at = letters.find(place.letters, at + 1)
            if at < 0:
                break
        if at < 0 or not place.letters:
            continue
        indices = sorted(set(where[at:at + len(place.letters)]))
        region = _region(page, textpage, number, place.required, place.letters, indices)
        if region is not None:
            regions.append(region)
    return regions


def _region(page, textpage, number: int, item: Required, part: str, indices: list[int]) -> _Region | None:
    import pypdfium2.raw as pdfium

    boxes, objects = [], {}
    for index in indices:
        box = [ctypes.c_double() for _ in range(4)]
        pdfium.FPDFText_GetCharBox(textpage.raw, index, *box)
        left, right, bottom, top = (b.value for b in box)
        if right > left and top > bottom:
            boxes.append((left, bottom, right, top))
        obj = pdfium.FPDFText_GetTextObject(textpage.raw, index)
        if obj:
            objects[ctypes.cast(obj, ctypes.c_void_p).value] = obj
    if not boxes:
        return None  # no glyph with an extent: the text layer's size check (visible.py) says so
    page_left, page_bottom, page_right, page_top = page.get_cropbox()
    left = max(page_left, min(b[0] for b in boxes) - PAD_PT)
    bottom = max(page_bottom, min(b[1] for b in boxes) - PAD_PT)
    right = min(page_right, max(b[2] for b in boxes) + PAD_PT)
    top = min(page_top, max(b[3] for b in boxes) + PAD_PT)
    crop = (left - page_left, bottom - page_bottom, page_right - right, page_top - top)
    drawn = page.render(scale=SCALE, crop=crop, may_draw_forms=False).to_pil().convert("RGB")
    modes = {address: pdfium.FPDFTextObj_GetTextRenderMode(obj) for address, obj in objects.items()}
    try:
        for obj in objects.values():
            pdfium.FPDFTextObj_SetTextRenderMode(obj, INVISIBLE)
        without = page.render(scale=SCALE, crop=crop, may_draw_forms=False).to_pil().convert("RGB")
    finally:
        for address, obj in objects.items():
            pdfium.FPDFTextObj_SetTextRenderMode(obj, modes[address])
    mask = ink_between(drawn, without)
    inked = 0
    for b_left, b_bottom, b_right, b_top in boxes:
        box = (int((b_left - left) * SCALE), int((top - b_top) * SCALE),
               int((b_right - left) * SCALE) + 1, int((top - b_bottom) * SCALE) + 1)
        if mask.crop(box).getextrema()[0] == 0:  # a black pixel: ink
            inked += 1
    return _Region(item, number, part, mask, len(boxes), inked, tuple(sorted(_look(obj) for obj in objects.values())))


def _look(obj) -> tuple:
    """A text object's font (the document's own font object), size, matrix and colour: two
    texts drawn with the same look draw each letter with the same glyph."""
    import pypdfium2.raw as pdfium

    size = ctypes.c_float()
    pdfium.FPDFTextObj_GetFontSize(obj, size)
    matrix = pdfium.FS_MATRIX()
    pdfium.FPDFPageObj_GetMatrix(obj, matrix)
    channels = [ctypes.c_uint() for _ in range(4)]
    pdfium.FPDFPageObj_GetFillColor(obj, *channels)
    font = ctypes.cast(pdfium.FPDFTextObj_GetFont(obj), ctypes.c_void_p).value or 0
    return (font, round(size.value, 2), *(round(v, 3) for v in (matrix.a, matrix.b, matrix.c, matrix.d)),
            tuple(c.value for c in channels))


def ink_between(drawn, without):
    """Black where `drawn` and `without` differ by at least MIN_CONTRAST (WCAG 2.1's ratio of
    relative luminances), white elsewhere."""
    import numpy
    from PIL import Image

    linear = _linear_values()

    def luminance(image):
        return linear[numpy.asarray(image)] @ numpy.array([0.2126, 0.7152, 0.0722], dtype=numpy.float32) + 0.05

    one, other = luminance(drawn), luminance(without)
    ratio = numpy.maximum(one, other) / numpy.minimum(one, other)
    return Image.fromarray(numpy.where(ratio >= MIN_CONTRAST, 0, 255).astype(numpy.uint8), "L")


@functools.cache
def _linear_values():
    """sRGB's 256 channel values, linearised (WCAG 2.1's relative luminance): looked up per
    pixel rather than raised to the power 2.4 for each of a shot's million channels."""
    import numpy

    c = numpy.arange(256, dtype=numpy.float64) / 255.0
    return numpy.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(numpy.float32)


def _judge(regions: list[_Region]) -> list[Unread]:
    found = []
    readable = []
    for region in regions:
        if region.letters and region.inked < MIN_LETTERS_INKED * region.letters:
            found.append(Unread(region.required, region.page,
                                f"{region.letters - region.inked} of its {region.letters} letters leave no ink "
                                f"at {MIN_CONTRAST:g}:1 against what is behind them"))
        else:
            readable.append(region)
    # The same words drawn with the same look (a byline that recurs in each section) are drawn
    # with the same glyphs: Tesseract reads one of them; each still has its own ink measured.
    sample = {(r.words, r.look): r for r in reversed(readable)}
    if sample:
        reads = dict(zip(sample, read_back(list(sample.values()), [r.words for r in sample.values()])))
        for region in readable:
            read = reads[(region.words, region.look)]
            share = letters_read(region.words, read)
            if share < MIN_LETTERS_READ:
                shown = " ".join(read.split())
                found.append(Unread(region.required, region.page,
                                    f"OCR reads '{shown[:60]}{'…' if len(shown) > 60 else ''}': "
                                    f"{share:.0%} of its letters"))
    return found


def letters_read(letters: str, read: str) -> float:
    """The share of `letters` (a skeleton) that OCR read, in their order."""
    from difflib import SequenceMatcher

    from .verify import skeleton

    if not letters:
        return 1.0
    matcher = SequenceMatcher(None, letters, skeleton(read), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(letters)


# What Tesseract read in each ink image, by the image's digest (with Tesseract's version and the
# languages read): the same words drawn alike (the screen and archive PDFs lay out the same pages;
# a byline that recurs in each section; a paper built again) are read once. Kept in this process
# and in the user's cache folder (OCTAVO_CACHE, else $XDG_CACHE_HOME/octavo, else ~/.cache/octavo),
# one small file an image: a reading depends on nothing but the image and the engine, and a
# folder a user cannot write to is simply not used.
_READ: dict[str, str] = {}
READING = "column, then sparse at 1, 0.5, 0.3"  # how a region is read (read_back): a reading made otherwise is not reused
_READ_LIMIT = 4096


def cache_folder() -> Path | None:
    base = os.environ.get("OCTAVO_CACHE") or (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "octavo")
    return Path(base) / "ocr" if base else None


def _remembered(key: str) -> str | None:
    if key in _READ:
        return _READ[key]
    folder = cache_folder()
    try:
        return (folder / f"{key}.txt").read_text(encoding="utf-8") if folder else None
    except OSError:
        return None


def _remember(key: str, read: str) -> None:
    if len(_READ) >= _READ_LIMIT:
        _READ.clear()
    _READ[key] = read
    folder = cache_folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{key}.{os.getpid()}.tmp"
        temporary.write_text(read, encoding="utf-8")
        os.replace(temporary, folder / f"{key}.txt")
    except OSError:
        pass


def read_back(regions: list, letters: list[str] | None = None) -> list[str]:
    """What Tesseract reads in each region's ink (`.ink`, a PIL image; `.required.text`, what it
    should say, for the languages to read). The regions not read before go in one image, one
    under the other, read at once; each word goes to the region its line stands in.

    `letters`, where given, is what each region should read (a skeleton): a region read as less
    than MIN_LETTERS_READ of it is read again alone, as sparse text (Tesseract's segmentation
    11), and the better reading kept. Tesseract's column segmentation leaves out a short line of
    Arabic that ends far from the image's left edge, which the sparse one finds."""
    import hashlib

    from PIL import Image

    engine = _version()
    keys = []
    for region in regions:
        languages = "+".join(_languages(region.required.text, region.required.language))
        digest = hashlib.blake2b(region.ink.tobytes() + repr(region.ink.size).encode(), digest_size=16)
        digest.update(f"{engine}|{languages}|{READING}".encode())
        keys.append(digest.hexdigest())
    known = {key: _remembered(key) for key in dict.fromkeys(keys)}
    fresh = [(key, region) for key, region in {k: r for k, r in zip(keys, regions)}.items() if known[key] is None]
    if fresh:
        width = max(r.ink.width for _, r in fresh) + 2 * GAP_PX
        height = sum(r.ink.height + GAP_PX for _, r in fresh) + GAP_PX
        sheet = Image.new("L", (width, height), 255)
        spans, y = [], GAP_PX
        for _, region in fresh:
            # Right-to-left text is set against the sheet's right edge, as on its page: Tesseract
            # reads a column of Arabic lines ragged on the right as broken, and leaves lines out.
            right_to_left = _written_right_to_left(region.required)
            sheet.paste(region.ink, (width - GAP_PX - region.ink.width if right_to_left else GAP_PX, y))
            spans.append((y, y + region.ink.height))
            y += region.ink.height + GAP_PX
        languages = list(dict.fromkeys(code for _, r in fresh for code in _languages(r.required.text, r.required.language)))
        words: list[list[str]] = [[] for _ in fresh]
        for top, bottom, text in _tesseract(sheet, languages):
            middle = (top + bottom) / 2
            for index, (low, high) in enumerate(spans):
                if low - GAP_PX / 2 <= middle < high + GAP_PX / 2:
                    words[index].append(text)
                    break
        wanted = dict(zip(keys, letters)) if letters is not None else {}
        for (key, region), read in zip(fresh, words):
            known[key] = " ".join(read)
            for scale in AGAIN_AT if key in wanted else ():
                if letters_read(wanted[key], known[key]) >= MIN_LETTERS_READ:
                    break
                again = " ".join(text for _, _, text in _tesseract(
                    _framed(region.ink, scale), _languages(region.required.text, region.required.language), "11"))
                if letters_read(wanted[key], again) > letters_read(wanted[key], known[key]):
                    known[key] = again
            _remember(key, known[key])
    return [known[key] for key in keys]


# The sizes a region read as less than MIN_LETTERS_READ is read again at, alone (read_back):
# Tesseract reads letters best about 30 px high, and misreads a title's 28 pt Arabic at 288 dpi
# (a letter 110 px high) that it reads whole at a third of the size.
AGAIN_AT = (1.0, 0.5, 0.3)


def _framed(image, scale: float = 1.0):
    """`image`, scaled, on a white margin of GAP_PX, as in the sheet."""
    from PIL import Image

    if scale != 1.0:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.LANCZOS)
    framed = Image.new("L", (image.width + 2 * GAP_PX, image.height + 2 * GAP_PX), 255)
    framed.paste(image, (GAP_PX, GAP_PX))
    return framed


@functools.lru_cache(maxsize=1)
def _version() -> str:
    program = shutil.which("tesseract")
    if program is None:
        return "none"
    done = subprocess.run([program, "--version"], capture_output=True, text=True)
    return (done.stdout or done.stderr).split("\n", 1)[0].strip()


def _written_right_to_left(required: Required) -> bool:
    from .languages import direction
    from .visible import RIGHT_TO_LEFT

    return bool(RIGHT_TO_LEFT.search(required.text)) and (not required.language or direction(required.language) == "rtl")


def _languages(text: str, language: str = "") -> list[str]:
    needed = ["eng"]
    for char in set(text):
        name = unicodedata.name(char, "")
        for script, data in SCRIPT_DATA.items():
            data = LANGUAGE_DATA.get((script, language.split("-")[0].lower()), data)
            if name.startswith(script) and data not in needed:
                needed.append(data)
    return needed


@functools.lru_cache(maxsize=4)
def _installed(program: str) -> tuple[str, ...]:
    return tuple(subprocess.run([program, "--list-langs"], capture_output=True, text=True).stdout.split())


def _tesseract(image, languages: list[str], segmentation: str = "4") -> list[tuple[int, int, str]]:
    """(top, bottom, word) of each word Tesseract reads in `image`."""
    import io

    program = shutil.which("tesseract")
    if program is None:
        raise OctavoError("the proof reads every disclaimer, byline and title back with OCR, and there is no "
                          "`tesseract` on PATH: install Debian's tesseract-ocr (`make` does)")
    installed = _installed(program)
    missing = [code for code in languages if code not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code.replace('_', '-')}" for code in missing)
        raise OctavoError(f"the proof reads required text back with OCR and needs Tesseract's data for "
                          f"{', '.join(missing)}: install Debian's {packages} (`make` does)")
    png = io.BytesIO()
    image.save(png, format="PNG", dpi=(int(72 * SCALE), int(72 * SCALE)))
    # One thread: Tesseract's OpenMP threads spin against each other and the build's own
    # processes (5.5 s for what one thread reads in 0.7 s on a 2-core machine).
    done = subprocess.run([program, "stdin", "stdout", "-l", "+".join(languages), "--psm", segmentation, "tsv"],
                          input=png.getvalue(), capture_output=True, timeout=OCR_SECONDS,
                          env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    if done.returncode != 0:
        raise OctavoError(f"Tesseract failed reading the required text back: {done.stderr.decode(errors='replace')[:300]}")
    found = []
    for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) == 12 and fields[0] == "5" and fields[11].strip():
            top, height = int(fields[7]), int(fields[9])
            found.append((top, top + height, fields[11]))
    return found

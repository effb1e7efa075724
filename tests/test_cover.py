"""The covers: the designed front (the EPUB's cover image) and the print cover spread
(<slug>.cover.pdf). Everything is measured on built files: the PNG's size, the title's and
the names' capitals as drawn in the cover's PDF, the spread's boxes with pypdf, its barcode
decoded by zbarimg from a 300 dpi rendering, its text with PDFium. Each check is shown
failing on a broken cover."""

from __future__ import annotations

import io
import re
import shutil
import statistics
import subprocess
import zipfile
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from lxml import etree
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ArrayObject, FloatObject, NameObject

from octavo.build import build_publication
from octavo.cli import main
from octavo.cover import EBOOK_COVER_PX, MAX_NAMED, cover_png, ebook_cover_pdf, front_cover
from octavo.editions.cover import SPINE_CLEARANCE_MM, sheet_for, spine_text_pt, spread_pdf, surnames, trim_mm
from octavo.errors import RenderError
from octavo.model import load_publication
from octavo.render import PAPER_MM_PER_PAGE, Rendering
from octavo.verify import read_edition, skeleton, verify

from conftest import FIXTURES, SEED_SLUG, edit
from test_pdf_editions import conformance_claims, font_problems, qpdf_check, rgb_operators

SLUG = "grid-resilience"
ISBN = "978-91-88551-12-2"
ISBN_DIGITS = "9789188551122"
OTHER_ISBN = "978-0-306-40615-7"
MM = 72 / 25.4

# Legibility at thumbnail size. A shop lists a book with a cover about 150 px wide (Amazon's
# search results, Apple Books' and Kobo's shelves). The title must be read there at a glance:
# capitals 6 px tall are those of 8.5 px type (Noto's capitals are 0.714 em), the size of the
# smallest captions a screen shows, and the smallest at which bitmap typefaces draw every Latin
# capital distinctly (5 x 7 px cells hold 5 px capitals with a pixel to spare above and
# below; below that letters merge into each other when anti-aliased). The names may be read
# with more effort, as one reads a word one already half knows: 4 px capitals still give each
# word its shape, the floor the many-author rule (cover.py) keeps to. Measured, not assumed: the
# tight boxes PDFium gives each glyph as drawn, scaled to a cover 150 px wide.
THUMBNAIL_PX = 150
TITLE_CAP_PX = 6.0
NAME_CAP_PX = 4.0
# Capitals with a flat top and foot: their tight box is the cap height (round letters overshoot it).
FLAT_CAPITALS = set("BDEFHIKLMNPRTUVWXZ")


# ---------------------------------------------------------------- fixtures

def fixture_copy(tmp_path: Path, isbn: str | None = ISBN, editions: str = "[print, epub]") -> Path:
    """The EPUB feature fixture in tmp_path, printed, with `isbn` as its print ISBN (or none)."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "epub-content", content)
    folder = content / SLUG
    yaml = folder / "publication.yaml"
    edit(yaml, "editions: [screen, epub]", f"editions: {editions}")
    text = re.sub(r"^  (?:print_)?isbn: .*\n", "", yaml.read_text(encoding="utf-8"), flags=re.M)
    if isbn:
        text = text.replace("identifiers:\n", f"identifiers:\n  print_isbn: {isbn}\n")
    yaml.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture with its print edition and EPUB: the print edition brings its cover spread."""
    root = tmp_path_factory.mktemp("cover")
    return build_publication(fixture_copy(root), root / "build")


@pytest.fixture(scope="module")
def spread(built) -> Path:
    return next(p for p in built.outputs if p.name == f"{SLUG}.cover.pdf")


@pytest.fixture(scope="module")
def rendering(built) -> Rendering:
    return Rendering(load_publication(built.publication.folder))


def with_authors(folder: Path, names: list[str]) -> None:
    """Replace the fixture's authors by `names` (the first section credits them all)."""
    yaml = folder / "publication.yaml"
    people = "".join(f"  - id: author-{n}\n    name: {name}\n    affiliations:\n      - organisation: Somewhere\n"
                     for n, name in enumerate(names))
    text = yaml.read_text(encoding="utf-8")
    start, end = text.index("contributors:\n") + len("contributors:\n"), text.index("  - id: erik-holm")
    yaml.write_text(text[:start] + people + text[end:], encoding="utf-8")
    for section in (folder / "sections").glob("*.md"):
        section.write_text(re.sub(r"^(authors|perspective_of): .*$", f"authors: [{', '.join(f'author-{n}' for n in range(len(names)))}]",
                                  section.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")


# ------------------------------------------------------------ measurements

def cap_heights(pdf: bytes, phrase: str) -> list[float]:
    """The height of each flat capital of `phrase` as the cover's PDF draws it (PDFium's tight
    glyph box), in pixels of a cover THUMBNAIL_PX wide."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        letters = [(i, chr(pdfium.FPDFText_GetUnicode(textpage.raw, i))) for i in range(textpage.count_chars())]
        letters = [(i, c) for i, c in letters if c.isalnum()]
        wanted = "".join(c for c in phrase if c.isalnum())
        at = "".join(c for _, c in letters).find(wanted)
        assert at >= 0, f"'{phrase}' is not on the cover"
        heights = []
        for index, char in letters[at:at + len(wanted)]:
            if char in FLAT_CAPITALS:
                left, bottom, right, top = textpage.get_charbox(index, loose=False)
                heights.append((top - bottom) * THUMBNAIL_PX / page.get_width())
        return heights
    finally:
        document.close()


def assert_legible(pdf: bytes, title: str, names: list[str]) -> dict[str, float]:
    """The title's capitals at least TITLE_CAP_PX and each name's at least NAME_CAP_PX tall at
    THUMBNAIL_PX wide; returns the measures (the median capital of each)."""
    measured = {title: statistics.median(cap_heights(pdf, title))}
    measured.update((name, statistics.median(cap_heights(pdf, name))) for name in names)
    problems = []
    if measured[title] < TITLE_CAP_PX:
        problems.append(f"the title's capitals are {measured[title]:.1f} px tall at {THUMBNAIL_PX} px wide, "
                        f"under {TITLE_CAP_PX}")
    small = {n: round(h, 1) for n, h in measured.items() if n != title and h < NAME_CAP_PX}
    if small:
        problems.append(f"names under {NAME_CAP_PX} px at {THUMBNAIL_PX} px wide: {small}")
    assert not problems, "; ".join(problems)
    return measured


def back_png(path: Path, dpi: int = 300) -> Image.Image:
    """The back of the spread (its left trim width) rendered at `dpi`."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        page = document[0]
        left, bottom, right, top = page.get_trimbox()
        crop_left, crop_bottom, crop_right, crop_top = page.get_cropbox()
        scale = dpi / 72
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    height_pt = top - bottom
    back_width_pt = (right - left - spine_width_pt(path)) / 2
    box = [round((x - crop_left) * scale) for x in (left, left + back_width_pt)]
    return image.crop((box[0], round((crop_top - top) * scale), box[1], round((crop_top - top + height_pt) * scale)))


def spine_width_pt(path: Path) -> float:
    """The spine: the TrimBox's width less two fronts of the interior's trim width (A4 here)."""
    trim = PdfReader(str(path)).pages[0].trimbox
    return float(trim.width) - 2 * trim_mm("A4")[0] * MM


def decode_barcode(image: Image.Image, tmp_path: Path) -> str | None:
    """What zbarimg (as a print shop's scanner) reads from the image: the EAN-13's digits, or None."""
    png = tmp_path / "back.png"
    image.save(png)
    run = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True)
    return run.stdout.strip() or None


def assert_barcode_is(path: Path, isbn_digits: str, tmp_path: Path, damage=None) -> None:
    image = back_png(path)
    if damage:
        damage(image)
    found = decode_barcode(image, tmp_path)
    assert found == isbn_digits, f"the back's barcode reads {found!r}, not the print ISBN {isbn_digits}"


def panel_text(path: Path, panel: str) -> str:
    """The text PDFium extracts from one panel of the spread: back, spine or front."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        page = document[0]
        left, bottom, right, top = page.get_trimbox()
        spine = spine_width_pt(path)
        width = (right - left - spine) / 2
        spans = {"back": (left, left + width), "spine": (left + width, left + width + spine),
                 "front": (left + width + spine, right)}
        x0, x1 = spans[panel]
        return page.get_textpage().get_text_bounded(x0, bottom, x1, top)
    finally:
        document.close()


# ------------------------------------------------------------ the EPUB's cover

def epub_cover_png(epub: Path) -> bytes:
    with zipfile.ZipFile(epub) as zf:
        opf_name = etree.fromstring(zf.read("META-INF/container.xml")).find(
            ".//{*}rootfile").get("full-path")
        opf = etree.fromstring(zf.read(opf_name))
        item = next(i for i in opf.iterfind(".//{*}manifest/{*}item") if "cover-image" in (i.get("properties") or ""))
        return zf.read(str(Path(opf_name).parent / item.get("href")))


def test_the_epub_cover_is_the_designed_front_at_1600_by_2560_px_and_the_same_bytes_every_time(built, rendering):
    png = epub_cover_png(next(p for p in built.outputs if p.suffix == ".epub"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == EBOOK_COVER_PX and image.size >= (1600, 2560)
    assert png == cover_png(rendering)  # no timestamp, no randomness: the same content, the same bytes
    # Not a page render: the ground is the design's navy from edge to edge (the old cover was 60 % white paper).
    colours = dict((colour, count) for count, colour in image.convert("RGB").getcolors(1 << 20))
    total = image.width * image.height
    assert colours[(0x16, 0x32, 0x4F)] > 0.8 * total and colours.get((255, 255, 255), 0) < 0.05 * total


def test_title_and_names_stay_legible_at_150_px_wide(rendering):
    measured = assert_legible(ebook_cover_pdf(rendering), rendering.record.title,
                              [c.name for c in rendering.record.creators])
    print({k: round(v, 1) for k, v in measured.items()})


def test_the_legibility_check_fails_on_a_cover_with_tiny_text(tmp_path):
    """A house style (content/styles/<name>/cover/house.css, found first by the ChoiceLoader)
    that sets the title and the names small: the measure says by how much."""
    folder = fixture_copy(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: NIEP", "short_name: NIEP\nstyle: tiny")
    style = folder.parent / "styles" / "tiny" / "cover"
    style.mkdir(parents=True)
    (style / "house.css").write_text(".front .title { font-size: 3rem; } .front .names { font-size: 2rem; }",
                                     encoding="utf-8")
    tiny = Rendering(load_publication(folder))
    pdf = ebook_cover_pdf(tiny)
    with pytest.raises(AssertionError, match=r"the title's capitals are 3\.\d px tall at 150 px wide, under 6.0; "
                                             r"names under 4.0 px at 150 px wide: {'Maja Lindqvist': 2\.\d, 'Li Wei': 2\.\d}"):
        assert_legible(pdf, tiny.record.title, [c.name for c in tiny.record.creators])


def test_the_modern_house_style_has_its_own_cover_and_keeps_it_legible(tmp_path):
    folder = fixture_copy(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: NIEP", "short_name: NIEP\nstyle: modern")
    modern = Rendering(load_publication(folder))
    assert_legible(ebook_cover_pdf(modern), modern.record.title, [c.name for c in modern.record.creators])
    corner = Image.open(io.BytesIO(cover_png(modern))).convert("RGB").getpixel((5, 5))
    assert corner == (0x6B, 0x1D, 0x2A)  # the claret ground of templates/styles/modern/cover/house.css


def test_many_authors_fit_smaller_and_beyond_six_as_and_n_others(tmp_path):
    names = ["Maja Lindqvist", "Li Wei", "Abraham Denmark", "Joon Hyung Kim", "Erika Mustermann-Schmidt",
             "Tomás Ó Briain", "Nils Holgersson", "Kari Nordmann"]
    folder = fixture_copy(tmp_path)
    with_authors(folder, names)
    rendering = Rendering(load_publication(folder))
    front = front_cover(rendering.record)
    assert [c.name for c in front.names] == names[:MAX_NAMED - 1] and front.others == 3
    assert front.names_size == "many"
    pdf = ebook_cover_pdf(rendering)
    measured = assert_legible(pdf, rendering.record.title, names[:MAX_NAMED - 1])
    # The smaller size of cover.css (.names.many): under the 5.4 px of two names, never under the floor.
    assert all(NAME_CAP_PX <= measured[n] < 5.0 for n in names[:MAX_NAMED - 1]), measured
    text = " ".join(pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().split())
    assert "and 3 others" in text and "Nils Holgersson" not in text
    # Six are all named.
    with_authors(folder, names[:MAX_NAMED])
    six = front_cover(Rendering(load_publication(folder)).record)
    assert len(six.names) == MAX_NAMED and six.others == 0


def test_names_in_hangul_han_and_kana_are_set_in_their_cjk_face(tmp_path):
    folder = fixture_copy(tmp_path)
    with_authors(folder, ["김준형", "朱锋", "やまだ はなこ"])
    rendering = Rendering(load_publication(folder))
    pdf = ebook_cover_pdf(rendering)
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert all(name in text for name in ("김준형", "朱锋", "やまだ はなこ"))
    fonts = {str(f.get("/BaseFont")).split("+")[-1] for page in PdfReader(io.BytesIO(pdf)).pages
             for f in (page["/Resources"]["/Font"][k].get_object() for k in page["/Resources"]["/Font"])}
    assert {"Noto-Sans-CJK-KR-Bold", "Noto-Sans-CJK-SC-Bold", "Noto-Sans-CJK-JP-Bold"} <= fonts, fonts


def test_the_title_is_set_smaller_the_longer_it_is(tmp_path):
    folder = fixture_copy(tmp_path)
    sizes = {}
    yaml = folder / "publication.yaml"
    for length in (30, 31, 60, 61, 100, 101):
        title = ("Title " + "of six " * 20)[:length - 1].rstrip() + "x"  # words of at most 5 letters
        title += "x" * (length - len(title))
        yaml.write_text(re.sub(r"^title: .*$", f"title: {title}", yaml.read_text(encoding="utf-8"), flags=re.M),
                        encoding="utf-8")
        sizes[length] = front_cover(Rendering(load_publication(folder)).record).title_size
    assert sizes == {30: "", 31: "long", 60: "long", 61: "longer", 100: "longer", 101: "longest"}


def test_a_title_with_a_long_word_is_set_smaller_and_fits_the_front(tmp_path):
    """A cover never breaks a word: a short German title whose compound does not fit the largest
    size ("Zusammenarbeit") is set smaller, by its longest word, and the spread builds."""
    folder = fixture_copy(tmp_path)
    sizes = {}
    yaml = folder / "publication.yaml"
    for title in ("Grenzen der Zusammenarbeit", "Grenzen der Kooperation", "Sicherheitspolitische Zusammenarbeit",
                  "Die Rindfleischetikettierungsaufgaben", "朝鮮半島における協力の限界"):
        yaml.write_text(re.sub(r"^title: .*$", f"title: {title}", yaml.read_text(encoding="utf-8"), flags=re.M),
                        encoding="utf-8")
        sizes[title] = front_cover(Rendering(load_publication(folder)).record).title_size
    assert sizes == {"Grenzen der Zusammenarbeit": "long", "Grenzen der Kooperation": "",
                     "Sicherheitspolitische Zusammenarbeit": "longest", "Die Rindfleischetikettierungsaufgaben": "longest",
                     "朝鮮半島における協力の限界": ""}  # Japanese breaks between any two characters
    yaml.write_text(re.sub(r"^title: .*$", "title: Grenzen der Zusammenarbeit", yaml.read_text(encoding="utf-8"),
                           flags=re.M), encoding="utf-8")
    assert main(["build", "--content", str(folder.parent), "--out", str(tmp_path / "out"), "--edition", "cover",
                 str(folder)]) == 0


def test_a_cover_reads_nothing_outside_the_publication_and_the_templates(tmp_path):
    folder = fixture_copy(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: NIEP", "short_name: NIEP\nstyle: prying")
    style = folder.parent / "styles" / "prying" / "cover"
    style.mkdir(parents=True)
    (style / "house.css").write_text('.front { background: url("file:///etc/passwd"); }', encoding="utf-8")
    with pytest.raises(RenderError, match="the EPUB's cover tried to read what content may not reach: file:///etc/passwd"):
        ebook_cover_pdf(Rendering(load_publication(folder)))


def test_a_title_too_long_for_the_front_is_an_error_that_says_what_to_do(tmp_path):
    folder = fixture_copy(tmp_path)
    edit(folder / "publication.yaml", "title: Keeping the Lights On", "title: " + "Keeping the Lights On " * 30)
    with pytest.raises(RenderError, match="cover's front cannot hold.*shorten the title or the subtitle"):
        ebook_cover_pdf(Rendering(load_publication(folder)))


def test_the_epub_with_the_new_cover_passes_epubcheck(built, epubcheck):
    result = epubcheck(next(p for p in built.outputs if p.suffix == ".epub"))
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems


# ------------------------------------------------------------ the spread

def _pages(spread: Path) -> int:
    """The interior's page count, read from the print edition beside the spread."""
    import pypdfium2

    return len(pypdfium2.PdfDocument(str(spread.with_name(f"{SLUG}.print.pdf"))))


def test_an_interior_long_enough_to_bind_gives_no_binding_warning(rendering):
    from octavo.editions.cover import PERFECT_BOUND_MIN_PAGES, spread_pdf

    before = len(rendering.notices)
    spread_pdf(rendering, PERFECT_BOUND_MIN_PAGES)
    assert not any("perfect-bound" in n for n in rendering.notices[before:])
    spread_pdf(rendering, PERFECT_BOUND_MIN_PAGES - 1)
    assert any(f"has {PERFECT_BOUND_MIN_PAGES - 1} pages, under the {PERFECT_BOUND_MIN_PAGES}" in n
               for n in rendering.notices[before:])


def test_the_print_edition_brings_its_cover_spread_and_the_proof_checks_it(built, spread):
    assert [p.name for p in built.outputs] == [f"{SLUG}.print.pdf", f"{SLUG}.cover.pdf", f"{SLUG}.epub"]
    assert built.report.ok
    assert built.notices == (f"{SLUG}.cover.pdf: the print edition has {_pages(spread)} pages, under the 24 a "
                             "perfect-bound book with a spine needs (Amazon KDP's minimum for a paperback): have it "
                             "saddle-stitched, without this spread's spine, or add pages",)
    findings = [f for f in built.report.findings if f.edition.path == spread]
    assert {f.subject for f in findings} >= {"title", "name maja-lindqvist", "name li-wei", "ISBN", "sheet"}
    assert all(f.ok for f in findings) and not any(f.what == "blocks" for f in findings)
    assert f"{SLUG}.cover.pdf: {len(findings)} checks proven" in built.report.summary()


def test_the_boxes_are_back_spine_and_front_with_3_mm_bleed_and_the_spine_is_pages_times_paper(built, spread):
    pages = len(pypdfium2.PdfDocument(str(next(p for p in built.outputs if p.name.endswith(".print.pdf")))))
    page = PdfReader(str(spread)).pages[0]
    trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
    a4_width, a4_height = 210, 297
    spine_mm = float(trim.width) / MM - 2 * a4_width
    assert abs(spine_mm - pages * PAPER_MM_PER_PAGE["white"]) < 0.1, (pages, spine_mm)
    assert abs(float(trim.height) / MM - a4_height) < 0.1
    margins = (float(trim.left) - float(bleed.left), float(trim.bottom) - float(bleed.bottom),
               float(bleed.right) - float(trim.right), float(bleed.top) - float(trim.top))
    assert all(abs(m / MM - 3) < 0.05 for m in margins), margins
    assert float(media.width) >= float(bleed.width) and float(media.height) >= float(bleed.height)
    print(f"{pages} pages on white paper: spine {spine_mm:.3f} mm; sheet {float(trim.width) / MM:.2f} x "
          f"{float(trim.height) / MM:.2f} mm")


def test_the_spread_is_pdf_x4_in_cmyk_with_its_fonts_embedded(spread):
    assert "PDF/X-4" in conformance_claims(spread)
    root = PdfReader(str(spread)).trailer["/Root"]
    assert [str(i["/S"]) for i in root["/OutputIntents"]] == ["/GTS_PDFX"]
    assert root["/OutputIntents"][0]["/DestOutputProfile"].get_object()["/N"] == 4
    assert rgb_operators(spread) == 0  # the barcode too: python-barcode's SVG is drawn in device-cmyk()
    assert font_problems(spread) == []
    assert qpdf_check(spread).returncode == 0


def test_the_barcode_on_the_back_decodes_to_the_print_isbn(spread, tmp_path):
    assert_barcode_is(spread, ISBN_DIGITS, tmp_path)
    assert "ISBN 978-91-88551-12-2" in panel_text(spread, "back")  # the digits a person reads too
    back = " ".join(panel_text(spread, "back").split())
    assert "Nordic Institute for Energy Policy Uppsala, Sweden https://niep.example.org" in back
    assert "The power systems around the Baltic Sea" in back  # the description: the summary's words
    assert ISBN_DIGITS in skeleton(panel_text(spread, "back"))


def test_the_barcode_check_fails_on_a_damaged_barcode_and_on_another_isbn(spread, tmp_path):
    def stripe(image):  # bars of the left half scratched out: a white band 2 mm wide down the barcode box
        px = 300 / 25.4
        middle = image.width - (6.35 + 50.8 / 2) * px
        ImageDraw.Draw(image).rectangle((round(middle - 8 * px), 0, round(middle - 6 * px), image.height), fill="white")
    with pytest.raises(AssertionError, match="reads None, not the print ISBN 9789188551122"):
        assert_barcode_is(spread, ISBN_DIGITS, tmp_path, damage=stripe)
    other = tmp_path / "other.cover.pdf"
    folder = fixture_copy(tmp_path / "other", isbn=OTHER_ISBN)
    other.write_bytes(spread_pdf(Rendering(load_publication(folder)), 9))
    with pytest.raises(AssertionError, match="reads '9780306406157', not the print ISBN 9789188551122"):
        assert_barcode_is(other, ISBN_DIGITS, tmp_path)


def test_the_title_and_every_name_on_the_front_are_visible_text(spread, rendering):
    front = skeleton(panel_text(spread, "front"))
    assert skeleton(rendering.record.title) in front
    assert all(skeleton(c.name) in front for c in rendering.record.creators)
    # The same design as the EPUB's cover: the same words in the same order.
    ebook = pypdfium2.PdfDocument(ebook_cover_pdf(rendering))[0].get_textpage().get_text_range()
    assert skeleton(ebook) == front
    # And what a reader sees (visible.py: contrast, size, inside the trim), which the proof reads.
    assert skeleton(rendering.record.title) in skeleton(read_edition(spread).text)


SPINE_PAGES_WHITE, SPINE_PAGES_CREAM = 116, 104  # docs/editions.md


def test_spine_text_appears_only_when_the_spine_can_hold_it(rendering, tmp_path):
    # The rule: 8 pt type on a 9.6 pt line, 1.6 mm clear of each fold.
    assert 8.0 <= spine_text_pt(SPINE_PAGES_WHITE * PAPER_MM_PER_PAGE["white"]) < 8.2
    assert spine_text_pt((SPINE_PAGES_WHITE - 1) * PAPER_MM_PER_PAGE["white"]) is None
    assert spine_text_pt(SPINE_PAGES_CREAM * PAPER_MM_PER_PAGE["cream"]) is not None
    assert spine_text_pt((SPINE_PAGES_CREAM - 1) * PAPER_MM_PER_PAGE["cream"]) is None
    assert spine_text_pt(2 * SPINE_CLEARANCE_MM + 40) == 12.0  # a thick book: larger, to a limit
    # On built spreads, either side of the threshold.
    for pages, shown in ((SPINE_PAGES_WHITE - 1, False), (SPINE_PAGES_WHITE, True), (400, True)):
        path = tmp_path / f"{pages}.cover.pdf"
        path.write_bytes(spread_pdf(rendering, pages))
        assert abs(spine_width_pt(path) / MM - pages * PAPER_MM_PER_PAGE["white"]) < 0.1
        spine = " ".join(panel_text(path, "spine").split())
        if shown:
            assert "Lindqvist and Li" in spine and "Keeping the Lights On" in spine and "NIEP" in spine, spine
        else:
            assert spine == "", spine
    # Read from head to foot: each letter of the title below the one before it.
    document = pypdfium2.PdfDocument(str(path))
    textpage = document[0].get_textpage()
    spine_chars = [textpage.get_charbox(i) for i in range(textpage.count_chars())
                   if (210 * MM) < textpage.get_charbox(i)[0] < (210 * MM + spine_width_pt(path))
                   and textpage.get_text_range(i, 1).isalpha()]
    assert len(spine_chars) == len("LindqvistandLiKeepingtheLightsOnNIEP")
    assert all(a[3] > b[3] for a, b in zip(spine_chars, spine_chars[1:]))  # PDF's y grows upwards
    document.close()
    # Read as a reader sees it (visible.py: type size, contrast, inside the trim): the spine's words are seen.
    reading = read_edition(path)
    assert "lindqvistandlikeepingthelightsonniep" in skeleton(reading.text) and not reading.unseen


def test_a_title_too_long_for_the_spine_leaves_it_blank_with_a_warning(tmp_path):
    folder = fixture_copy(tmp_path)
    edit(folder / "publication.yaml", "title: Keeping the Lights On",
         "title: Keeping the Lights On Through Cut Cables, Cold Spells and Calm Weeks in Every Country Around "
         "the Baltic Sea and Beyond, a Study")
    rendering = Rendering(load_publication(folder))
    path = tmp_path / "long.cover.pdf"
    path.write_bytes(spread_pdf(rendering, 400))
    assert panel_text(path, "spine").strip() == ""
    assert any("the title is too long for the spine" in n for n in rendering.notices), rendering.notices


def test_the_spine_names_the_authors_by_surname(rendering, tmp_path):
    folder = fixture_copy(tmp_path)
    with_authors(folder, ["Maja Lindqvist", "Li Wei", "Abraham Denmark"])
    three = Rendering(load_publication(folder)).record.creators
    words = rendering.labels
    assert surnames(three[:1], words) == "Lindqvist"
    assert surnames(three[:2], words) == "Lindqvist and Wei"  # no file_as: the last word of the name
    assert surnames(rendering.record.creators, words) == "Lindqvist and Li"  # file_as "Li, Wei": family name first
    assert surnames(three, words) == "Lindqvist et al."


def test_cream_paper_from_the_house_page_yaml_makes_a_wider_spine_and_an_unknown_stock_is_refused(tmp_path):
    folder = fixture_copy(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: NIEP", "short_name: NIEP\nstyle: cream")
    style = folder.parent / "styles" / "cream" / "print"
    style.mkdir(parents=True)
    (style / "page.yaml").write_text("top: 27\nbottom: 30\nleft: 24\nright: 24\npaper: cream\n", encoding="utf-8")
    assert sheet_for(Rendering(load_publication(folder)), 200).spine == pytest.approx(200 * 0.0635)
    (style / "page.yaml").write_text("top: 27\nbottom: 30\nleft: 24\nright: 24\n", encoding="utf-8")
    assert sheet_for(Rendering(load_publication(folder)), 200).spine == pytest.approx(200 * 0.0572)  # white
    (style / "page.yaml").write_text("top: 27\nbottom: 30\nleft: 24\nright: 24\npaper: gold leaf\n",
                                     encoding="utf-8")
    with pytest.raises(RenderError, match=r"page.yaml: paper 'gold leaf' is not a stock .*white, cream"):
        Rendering(load_publication(folder))


def test_a_description_too_long_for_the_back_is_cut_at_a_sentence_with_a_warning(tmp_path):
    folder = fixture_copy(tmp_path)
    summary = next((folder / "sections").glob("01-*.md"))
    text = summary.read_text(encoding="utf-8")
    summary.write_text(text + "\n" + " ".join(f"Sentence {n} of a summary far too long for a cover's back."
                                              for n in range(300)) + "\n", encoding="utf-8")
    rendering = Rendering(load_publication(folder))
    path = tmp_path / "long.cover.pdf"
    path.write_bytes(spread_pdf(rendering, 9))
    assert any("the description is cut to its first" in n for n in rendering.notices), rendering.notices
    back = " ".join(panel_text(path, "back").split())
    assert "…" in back and "Sentence 299" not in back


# ------------------------------------------------------------ no ISBN

def test_the_seed_has_no_isbn_its_spread_builds_without_a_barcode_and_the_build_warns(seed_build, tmp_path):
    cover = next(p for p in seed_build.outputs if p.name == f"{SEED_SLUG}.cover.pdf")
    assert seed_build.report.ok
    assert any(f"{SEED_SLUG}.cover.pdf: no barcode: publication.yaml gives no print ISBN" in n for n in seed_build.notices)
    # An 8-page paper is stapled, not bound: the build says so, with the minimum.
    assert any(f"{SEED_SLUG}.cover.pdf: the print edition has 8 pages, under the 24" in n for n in seed_build.notices)
    back = back_png(cover)
    assert decode_barcode(back, tmp_path) is None
    # The box is there, white and empty: KDP's 2 x 1.2 in, 0.25 in from the spine and the foot.
    box = back.crop((back.width - round((6.35 + 50.8) * 300 / 25.4), back.height - round((6.35 + 30.48) * 300 / 25.4),
                     back.width - round(6.35 * 300 / 25.4), back.height - round(6.35 * 300 / 25.4)))
    assert box.getextrema() == ((255, 255), (255, 255), (255, 255))
    assert "ISBN" not in panel_text(cover, "back")


def test_the_cli_prints_the_missing_barcode_as_a_warning_not_an_error(tmp_path, capsys):
    folder = fixture_copy(tmp_path, isbn=None, editions="[print]")
    code = main(["build", str(folder), "--out", str(tmp_path / "out"), "--strict"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"warning: {folder}: {SLUG}.cover.pdf: no barcode" in err
    assert (tmp_path / "out" / f"{SLUG}.cover.pdf").is_file()


# ------------------------------------------------------------ the proof

def test_octavo_check_proves_a_spread_and_fails_it_for_a_lost_name_a_lost_isbn_or_wrong_boxes(
        built, spread, tmp_path, capsys):
    assert main(["check", str(spread), "--publication", str(built.publication.folder)]) == 0
    assert "9 checks proven" in capsys.readouterr().out  # title, language, 2 authors; title, 2 names, ISBN, sheet
    document = built.document
    # A name the cover does not show.
    renamed = fixture_copy(tmp_path / "renamed")
    edit(renamed / "publication.yaml", "name: Li Wei", "name: Li Wen")
    report = verify(Rendering(load_publication(renamed)).document, [spread])
    assert {(f.subject, f.problem) for f in report.failures} >= {("name li-wei", "missing")}, report.summary()
    # A cover without the ISBN of a publication that has one.
    bare = tmp_path / f"{SLUG}.cover.pdf"
    bare.write_bytes(spread_pdf(Rendering(load_publication(fixture_copy(tmp_path / "bare", isbn=None))), 9))
    report = verify(document, [bare])
    assert [(f.subject, f.expected) for f in report.failures] == [("ISBN", "ISBN 978-91-88551-12-2 in digits")]
    # A BleedBox of 1 mm.
    reader = PdfReader(str(spread))
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=reader)
    t = writer.pages[0].trimbox
    writer.pages[0][NameObject("/BleedBox")] = ArrayObject(
        [FloatObject(float(v)) for v in (float(t.left) - MM, float(t.bottom) - MM, float(t.right) + MM, float(t.top) + MM)])
    (tmp_path / "boxes").mkdir()
    wrong = tmp_path / "boxes" / f"{SLUG}.cover.pdf"
    with open(wrong, "wb") as handle:
        writer.write(handle)
    report = verify(document, [wrong])
    assert [(f.subject, f.problem) for f in report.failures] == [("sheet", "wrong boxes")], report.summary()


def test_the_series_number_never_stands_alone_on_a_line(tmp_path):
    """"Energy Transition Papers Policy Brief No. 7" broke as "… POLICY BRIEF / NO. 7" on the
    front (issue 22): the number keeps its label and the word before it, front and back."""
    from conftest import copy_content

    folder = copy_content(tmp_path, SLUG, FIXTURES / "epub-content")
    edit(folder / "publication.yaml", "name: Energy Papers", "name: Energy Transition Papers")
    result = build_publication(folder, tmp_path / "out", editions=("print",))
    spread = next(p for p in result.outputs if p.name.endswith(".cover.pdf"))
    for panel in ("front", "back"):
        lines = [" ".join(line.split()) for line in panel_text(spread, panel).splitlines()]
        at = next(i for i, line in enumerate(lines) if line.upper().endswith("NO. 7"))
        assert len(lines[at].split()) >= 3, (panel, lines[max(0, at - 1):at + 1])

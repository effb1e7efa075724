"""The PDFs' title, disclaimers and bylines judged by their ink and read back by OCR (ink.py,
issue 20): each way a house style drew a required text so that no reader could read it, which
the text layer's checks passed, is refused with the page and why; a house style of legitimate
design still proves, in the print edition's CMYK as on screen.

The hostile fonts are made here, with fontTools (WeasyPrint's own font library), from Debian's
Noto Serif (SIL Open Font License 1.1): one whose letters are empty, one whose letters draw the
letter thirteen places on ("Gur bcvavbaf" where the text layer reads "The opinions")."""

from __future__ import annotations

import random
import re
import string

import pytest

from octavo.build import build_publication
from octavo.errors import OctavoError

from conftest import build_expecting_proof_failure, copy_content, edit

NOTO_SERIF = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
HOUSE = "house-opinions"
DISCLAIMER = ".imprint-page .disclaimer"


def blank_font(path):
    """Noto Serif whose letters and digits draw nothing."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    font = _latin()
    cmap = font.getBestCmap()
    for name in {cmap[code] for code in cmap if chr(code).isalnum()}:
        font["glyf"][name] = TTGlyphPen(None).glyph()
    font.save(path)


def rot13_font(path):
    """Noto Serif whose every Latin letter draws the letter thirteen places on."""
    font = _latin()
    for table in font["cmap"].tables:
        old, new = dict(table.cmap), dict(table.cmap)
        for alphabet in (string.ascii_lowercase, string.ascii_uppercase):
            for index, letter in enumerate(alphabet):
                other = alphabet[(index + 13) % 26]
                if ord(other) in old:
                    new[ord(letter)] = old[ord(other)]
        table.cmap = new
    font.save(path)


def _latin():
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(NOTO_SERIF)
    subsetter = subset.Subsetter()
    subsetter.populate(unicodes=range(0x20, 0x250))
    subsetter.subset(font)
    return font


def styled(tmp_path, css: str, fonts=()):
    """The seed under a house style whose print/house.css is `css`; `fonts`: (file name, maker)
    written into the publication's folder, where the stylesheet's url() finds them."""
    folder = copy_content(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: ISDP", "short_name: ISDP\nstyle: careless")
    sheet = folder.parent / "styles" / "careless" / "print" / "house.css"
    sheet.parent.mkdir(parents=True)
    sheet.write_text(css, encoding="utf-8")
    for name, make in fonts:
        make(folder / name)
    return folder


def failures(report):
    return {(f.edition.kind, f.what, f.subject): f.problem for f in report.failures}


@pytest.mark.parametrize("css, why", [
    # Caught first by the text layer, which blends the fill by its alpha (visible._shown).
    (f"{DISCLAIMER} {{ color: rgba(0, 0, 0, 0.03); }}", "hidden (contrast 1.1:1 against the paper, page 2)"),
    (f"{DISCLAIMER} {{ opacity: 0.02; }}",
     "hidden (105 of its 105 letters leave no ink at 4.5:1 against what is behind them, page 2)"),
    (f"{DISCLAIMER} {{ color: #767676; opacity: 0.6; }}",
     "hidden (105 of its 105 letters leave no ink at 4.5:1 against what is behind them, page 2)"),
], ids=["ghost-colour", "transparency-group", "faded-grey"])
def test_a_disclaimer_drawn_without_ink_is_hidden(tmp_path, css, why):
    """A colour of alpha 0.03 is all but the paper once blended; a transparency group of
    opacity 0.02 and a grey faded by it pass the text layer's checks (its opacity is the
    group's): the ink says what a reader sees."""
    report = build_expecting_proof_failure(styled(tmp_path, css), tmp_path / "out", editions=("screen",))
    assert failures(report) == {("PDF", "disclaimer", HOUSE): why}


def test_a_font_of_empty_glyphs_leaves_no_ink_where_the_disclaimer_and_bylines_stand(tmp_path):
    css = ("@font-face { font-family: Blank; src: url(blank.ttf); }\n"
           f"{DISCLAIMER}, .byline, .byline * {{ font-family: Blank !important; }}")
    folder = styled(tmp_path, css, [("blank.ttf", blank_font)])
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=("screen",))
    found = failures(report)
    # A ligature's glyph ("fl") is no letter's own, so not emptied: a letter or two still shows.
    assert re.fullmatch(r"hidden \(10[3-5] of its 105 letters leave no ink at 4\.5:1 against what is behind them, page 2\)",
                        found[("PDF", "disclaimer", HOUSE)])
    bylines = [f for f in report.failures if f.what == "attribution"]
    # Where the byline's box meets another drawing (a rule) the text layer already says "covered".
    assert len(bylines) == 11 and all(f.problem.startswith("hidden (") for f in bylines), [f.problem for f in bylines]
    assert sum("leave no ink" in f.problem for f in bylines) >= 9


def test_a_font_that_draws_other_letters_reads_otherwise(tmp_path):
    """The text layer reads the disclaimer; the page draws 'Gur bcvavbaf…'. OCR reads the ink."""
    css = ("@font-face { font-family: Rot; src: url(rot13.ttf); }\n"
           f"{DISCLAIMER}, .byline, .byline * {{ font-family: Rot !important; }}")
    folder = styled(tmp_path, css, [("rot13.ttf", rot13_font)])
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=("print",))
    problem = failures(report)[("PDF", "disclaimer", HOUSE)]
    read = re.fullmatch(r"hidden \(OCR reads '(.*)…': (\d+)% of its letters, page 2\)", problem)
    assert read and read[1].startswith("Gur b") and "rkcerffrq va guvf" in read[1] and int(read[2]) < 30, problem
    bylines = [f for f in report.failures if f.what == "attribution"]
    assert len(bylines) == 11 and all("OCR reads" in f.problem for f in bylines)


def test_a_pattern_laid_over_the_disclaimer_hides_it(tmp_path):
    """Black-and-white noise over the text: some pixels differ, none is the text's ink."""
    from PIL import Image

    folder = styled(tmp_path, f"{DISCLAIMER} {{ position: relative; }}\n"
                              f"{DISCLAIMER}::after {{ content: ''; position: absolute; left: -1mm; right: -1mm;"
                              " top: -1mm; bottom: -1mm; background: url(noise.png); }")
    noise = Image.new("L", (256, 256))
    chance = random.Random(7)  # the same pattern every run
    noise.putdata([chance.choice((0, 255)) for _ in range(256 * 256)])
    noise.save(folder / "noise.png")
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=("screen",))
    assert list(failures(report)) == [("PDF", "disclaimer", HOUSE)]
    assert failures(report)[("PDF", "disclaimer", HOUSE)].startswith("hidden (")


def test_a_house_style_of_legitimate_design_proves_by_its_ink(tmp_path):
    """White on a dark title band, a coloured byline in small capitals, an italic grey
    disclaimer, a display face for the title: read back whole, in print (CMYK) and on screen."""
    css = (".title-page { background: #14213d; padding: 4mm; }\n"
           ".title-page, .title-page * { color: #ffffff !important; }\n"
           ".title-page h1 { font-family: 'Noto Serif Display', serif; letter-spacing: 0.04em; }\n"
           ".byline, .byline * { color: #8b1e3f !important; font-variant: small-caps; }\n"
           f"{DISCLAIMER} {{ color: #555555; font-style: italic; }}")
    result = build_publication(styled(tmp_path, css), tmp_path / "out", editions=("print", "screen"))
    assert result.report.ok, result.report.summary()
    assert all(f.ok for f in result.report.findings if f.what == "title")


def test_a_title_no_reader_can_see_is_hidden(tmp_path):
    """The title drawn navy on its navy band and nowhere else before the text: hidden."""
    from conftest import copy_templates

    templates = copy_templates(tmp_path)
    # The imprint's citation line names the title too: it goes, so the title page is the only place.
    edit(templates / "partials" / "front.html", '<span class="title">{{ meta.full_title }}</span>', "")
    folder = styled(tmp_path, ".title-page { background: #14213d; }\n.title-page h1 { color: #14213d; }")
    report = build_expecting_proof_failure(folder, tmp_path / "out", templates, editions=("screen",))
    assert [f.what for f in report.failures] == ["title"]
    assert re.fullmatch(r"hidden \(contrast 1\.\d:1 against its background, page 1\)", report.failures[0].problem)


def test_without_tesseract_the_proof_fails_and_says_why(tmp_path, monkeypatch):
    """No OCR, no verdict: the build fails naming what to install; it never passes unread."""
    import shutil

    from octavo import ink

    monkeypatch.setattr(ink, "_READ", {})  # nothing read before, in this process or its cache
    monkeypatch.setenv("OCTAVO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "tesseract" else "/usr/bin/" + name)
    with pytest.raises(OctavoError, match="no `tesseract` on PATH: install Debian's tesseract-ocr"):
        build_publication(copy_content(tmp_path), tmp_path / "out", editions=("screen",))


def test_a_script_without_ocr_data_names_the_package_to_install():
    from PIL import Image

    from octavo.ink import _tesseract

    with pytest.raises(OctavoError, match="needs Tesseract's data for xyz: install Debian's tesseract-ocr-xyz"):
        _tesseract(Image.new("L", (20, 20), 255), ["eng", "xyz"])


def test_the_languages_ocr_reads_follow_the_scripts_of_the_required_text():
    from octavo.ink import _languages

    assert _languages("Kim Joon-hyung") == ["eng"]
    assert set(_languages("김준형, 朱锋")) == {"eng", "kor", "chi_sim"}
    assert set(_languages("معهد")) == {"eng", "ara"}


def test_a_text_broken_across_two_pages_is_judged_in_its_two_parts(seed_pdf, monkeypatch):
    """A required text that a page break cuts is found on each page and each part judged: read
    whole where it is drawn, refused part by part where its ink is taken away."""
    from octavo import ink
    from octavo.model import load_publication
    from octavo.render import Rendering
    from octavo.verify import Sections, _places, anchors_of, furniture_margins, read_edition

    from conftest import CONTENT, SEED_SLUG

    document = Rendering(load_publication(CONTENT / SEED_SLUG)).document
    reading = read_edition(seed_pdf, anchors=anchors_of(document))
    sections = Sections.of(document, reading)
    page, (start, _) = next((n, sections.parts[n]) for n in range(len(sections.parts) - 1)
                            if sections.parts[n + 1][0] - sections.parts[n][0] > 200 and n > 2)
    end = sections.parts[page + 1][0]
    span = (end - 60, end + 60)  # the last words of a page of text and the first of the next
    places = _places(sections, ink.Required("disclaimer", "0", "(a text across a page break)"), span)
    assert [p.page for p in places] == [page, page + 1]
    assert "".join(p.letters for p in places) == sections.text[span[0]:span[1]]
    margins = furniture_margins(document.page)
    assert ink.unread(seed_pdf, places, *margins) == []

    same = ink.ink_between
    monkeypatch.setattr(ink, "ink_between", lambda drawn, without: same(drawn, drawn))  # no ink anywhere
    refused = ink.unread(seed_pdf, places, *margins)
    assert [u.page for u in refused] == [page + 1, page + 2] and all("leave no ink" in u.why for u in refused)


def test_a_reading_is_kept_and_not_taken_again(tmp_path, monkeypatch):
    """The same ink is read once: from this process, then from the cache folder; an image that
    differs is read again."""
    from PIL import Image, ImageDraw

    from octavo import ink

    monkeypatch.setenv("OCTAVO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(ink, "_READ", {})
    image = Image.new("L", (600, 80), 255)
    ImageDraw.Draw(image).text((10, 10), "Disclaimer words", fill=0, font_size=40)
    region = type("Region", (), {"ink": image, "required": ink.Required("disclaimer", "0", "Disclaimer words")})()
    calls = []
    real = ink._tesseract
    monkeypatch.setattr(ink, "_tesseract", lambda sheet, languages: calls.append(1) or real(sheet, languages))
    first = ink.read_back([region])
    assert calls == [1] and "Disclaimer" in first[0]
    assert list((tmp_path / "cache" / "ocr").glob("*.txt"))
    monkeypatch.setattr(ink, "_READ", {})  # a new process: the folder remembers
    assert ink.read_back([region]) == first and calls == [1]
    ImageDraw.Draw(image).text((10, 50), "more", fill=0, font_size=20)
    ink.read_back([region])
    assert calls == [1, 1]

"""Proven means seen: text counts only where a reader can see it. Each way of hiding a
disclaimer is shown failing the proof, which says where the text is and why it is not seen.

The hiding is done as a careless house style would do it (styles/<name>/…/house.css), so the
PDFs, the EPUB and the web page are real builds, read back by the proof's own readers."""

from __future__ import annotations

import re

import pytest

from octavo.build import build_publication

from conftest import build_expecting_proof_failure, copy_content, edit, text_editions

HOUSE = "house-opinions"


def house_style(tmp_path, path: str, css: str):
    folder = copy_content(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: ISDP", "short_name: ISDP\nstyle: careless")
    target = folder.parent / "styles" / "careless" / path
    target.parent.mkdir(parents=True)
    target.write_text(css, encoding="utf-8")
    return folder


def problems(report):
    return {(f.edition.kind, f.what, f.subject, f.problem) for f in report.failures}


PDF_CASES = {
    "white on white": (".imprint-page .disclaimer { color: #fff; }", "hidden (contrast 1.0:1 against the paper, page 2)"),
    "2 pt text": (".imprint-page .disclaimer { font-size: 2pt; }", "hidden (2.0 pt, under 6 pt, page 2)"),
    "covered": (".imprint-page .disclaimer { position: relative; }\n"
                ".imprint-page .disclaimer::after { content: ''; position: absolute; left: -1mm; right: -1mm;"
                " top: -1mm; bottom: -1mm; background: #fff; }",
                "hidden (covered by what is drawn over it, page 2)"),
    "grey on a grey band": (".imprint-page .disclaimer { color: #777; background: #666; }",
                            "hidden (contrast 1.3:1 against its background, page 2)"),
}


@pytest.mark.parametrize("case", PDF_CASES)
def test_a_hidden_disclaimer_fails_the_pdf_proof(case, tmp_path):
    css, problem = PDF_CASES[case]
    folder = house_style(tmp_path, "print/house.css", css)
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=("screen",))
    assert problems(report) == {("PDF", "disclaimer", HOUSE, problem)}, report.summary()


def test_a_glyph_outside_the_trim_box_fails_the_edition(tmp_path):
    folder = house_style(tmp_path, "print/house.css", ".imprint-page .disclaimer { margin-left: -140mm; }")
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=("print",))
    found = problems(report)
    assert ("PDF", "text", "on page 2", "outside the trim box") in found
    assert ("PDF", "disclaimer", HOUSE, "hidden (outside the trim box, page 2)") in found


@pytest.mark.parametrize("edition, path, css, why", [
    ("epub", "epub/house.css", ".imprint-page .disclaimer { display: none; }", "display: none"),
    ("epub", "epub/house.css", ".imprint-page .disclaimer { visibility: hidden; }", "visibility: hidden"),
    ("epub", "epub/house.css", ".imprint-page .disclaimer { font-size: 0; }", "a zero font size"),
    ("web", "web/house.css", ".imprint-page .disclaimer { color: #fff; }", "text coloured like its background (1.0:1)"),
])
def test_a_disclaimer_the_edition_s_own_css_hides_fails_the_proof(edition, path, css, why, tmp_path):
    folder = house_style(tmp_path, path, css)
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=(edition,))
    kind = {"epub": "EPUB", "web": "HTML"}[edition]
    assert {(k, w, s) for k, w, s, _ in problems(report)} == {(kind, "disclaimer", HOUSE)}
    assert next(iter(problems(report)))[3].startswith(f"hidden ({why}")


def test_the_seed_is_seen_whole_in_every_edition(seed_build):
    """Nothing of the seed is hidden anywhere: no text outside the trim box, none too small or
    too faint, none covered, none hidden by CSS."""
    from octavo.verify import read_edition

    for path in seed_build.outputs:
        assert read_edition(path).unseen == (), path.name


def test_a_house_style_s_colours_pass_in_every_pdf_edition(tmp_path):
    """The shipped second style, print edition included (CMYK), meets the contrast rule."""
    folder = copy_content(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: ISDP", "short_name: ISDP\nstyle: modern")
    result = build_publication(folder, tmp_path / "out", editions=("print", "screen"))
    assert result.report.ok


def test_a_disclaimer_moved_out_of_the_imprint_fails_the_proof(tmp_path):
    """Present in the file is not enough: a house disclaimer belongs in the imprint."""
    from conftest import copy_templates

    templates = copy_templates(tmp_path)
    heading = '<h{{ level }} class="imprint-title" id="imprint-title">{{ labels.imprint }}</h{{ level }}>'
    edit(templates / "partials" / "front.html", heading + "\n{{ imprint_disclaimers(p) }}", heading)
    edit(templates / "partials" / "front.html", "{%- macro contributors(p) -%}",
         "{%- macro contributors(p) -%}\n{{ imprint_disclaimers(p) }}")
    report = build_expecting_proof_failure(copy_content(tmp_path), tmp_path / "out", templates, editions=("screen", "epub"))
    assert problems(report) == {(kind, "disclaimer", HOUSE, "not in the imprint") for kind in ("PDF", "EPUB")}


def test_a_long_unbreakable_string_wraps_inside_the_page(tmp_path):
    """A 2,000-character URL used to run off the right edge (only a twentieth of it on the page):
    it now breaks where it must, and the proof finds all of it inside the trim box."""
    from octavo.verify import read_pdf, skeleton

    folder = copy_content(tmp_path)
    url = "https://example.org/" + "a" * 2000
    section = folder / "sections" / "07-conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + f"\nSee {url} for the data.\n", encoding="utf-8")
    result = build_publication(folder, tmp_path / "out", editions=("print", "screen"))
    assert result.report.ok, result.report.summary()
    for path in text_editions(result.outputs):  # the print edition's cover spread carries no section
        reading = read_pdf(path)
        assert reading.unseen == () and skeleton(url) in skeleton(reading.text)


def test_a_long_word_gets_break_opportunities_in_print_only(tmp_path):
    """The paged HTML cuts a word over 60 characters with <wbr> every 40 (linear layout time; `make bench`
    measures the 20,000-character case); the words themselves, and the EPUB's and web page's text, are untouched."""
    from octavo.layout import paged_html
    from octavo.model import load_publication
    from octavo.render import Rendering

    folder = copy_content(tmp_path)
    word = "x" * 130
    section = folder / "sections" / "07-conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + f"\nSee *{word}* and {word}.\n", encoding="utf-8")
    rendering = Rendering(load_publication(folder))
    html = paged_html(rendering)
    assert html.count("x" * 40 + "<wbr>") == 6 and "x" * 41 not in html
    assert word in str(rendering.document.sections[-1].html)  # the document's own text is whole


def test_an_epub_whose_file_names_are_percent_encoded_is_read_as_a_reader_sees_it(seed_epub, tmp_path):
    """An EPUB's hrefs are URLs: a stylesheet "epub sheet.css" is linked as "epub%20sheet.css".
    The proof follows the link (as the retail check does, through the same verify.zip_path), so
    what that sheet hides is found hidden, in a document the manifest also names encoded."""
    import zipfile

    from octavo.model import load_publication
    from octavo.render import Rendering
    from octavo.verify import verify

    from conftest import CONTENT, SEED_SLUG

    crafted = tmp_path / "encoded.epub"
    with zipfile.ZipFile(seed_epub) as source, zipfile.ZipFile(crafted, "w") as target:
        for info in source.infolist():
            data, name = source.read(info), info.filename
            if name.endswith((".xhtml", ".opf")):
                data = (data.replace(b'href="style/epub.css"', b'href="style/epub%20sheet.css"')
                        .replace(b'href="imprint.xhtml"', b'href="imprint%20page.xhtml"'))
            if name == "EPUB/style/epub.css":
                name, data = "EPUB/style/epub sheet.css", data + b"\n.imprint-page .disclaimer { display: none; }\n"
            if name == "EPUB/imprint.xhtml":
                name = "EPUB/imprint page.xhtml"
            target.writestr(zipfile.ZipInfo(name, info.date_time), data,
                            zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    report = verify(Rendering(load_publication(CONTENT / SEED_SLUG)).document, [crafted])
    assert {(k, w, s) for k, w, s, _ in problems(report)} == {("EPUB", "disclaimer", HOUSE)}, report.summary()
    assert next(iter(problems(report)))[3].startswith("hidden (display: none")


def test_a_block_in_a_ghost_colour_is_hidden_in_the_pdf(tmp_path):
    """rgba(0, 0, 0, 0.05): a fill colour that is not transparent, yet all but the paper's own
    colour once blended by its alpha (issue 20's ghost text, in the body as in the imprint)."""
    folder = house_style(tmp_path, "print/house.css", ".section .body p { color: rgba(0, 0, 0, 0.05); }")
    report = build_expecting_proof_failure(folder, tmp_path / "out", editions=("screen",))
    blocks = [f for f in report.failures if f.what == "block"]
    assert blocks and all(re.match(r"hidden \(contrast 1\.\d:1 against (the paper|its background), page \d+\)", f.problem)
                          for f in blocks), [f.problem for f in blocks][:3]

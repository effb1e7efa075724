"""Typography the seed paper does not exercise: footnotes at the foot of the page,
figures with captions, tables, block quotes, names in Japanese and with diacritics.

A small sample publication (written here, not in content/) is built once, in
the print and screen editions, and read back.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

from octavo.build import build_publication

from conftest import CONTENT
from test_pdf_editions import font_problems

SLUG = "typeset-sample"
FILLER = ("Regional security dialogues have repeatedly stalled over sequencing: which side moves first, "
          "and what counts as a verifiable step. ")
NOTE = "Footnote text, set at the foot of the page where it is called, not at the end of the section."

PUBLICATION = """\
title: Typesetting Sample
subtitle: Notes, Figures and Tables
series: {name: Working Papers, number: 7}
date: 2024-03-01
language: en
rights: {holder: Institute for Security and Development Policy, year: 2024}
editions: [print, screen]
contributors:
  - id: sato-midori
    name: Midori Sato
    native_name: 佐藤みどり
    file_as: Sato, Midori
    affiliations:
      - organisation: Institute of Asian Studies, Waseda University
        country: Japan
  - id: zoe-muller
    name: Zoë Müller-Łukasiewicz
    affiliations:
      - organisation: Université de Genève
        country: Switzerland
  - id: nguyen
    name: Nguyễn Thị Minh Khai
    affiliations:
      - organisation: Diplomatic Academy of Việt Nam
        country: Việt Nam
house_disclaimers: [house-opinions]
sections:
  - sections/01-chapter.md
  - sections/02-closing.md
"""

SECTION = f"""\
---
title: Sequencing and Verification
role: chapter
authors: [sato-midori, zoe-muller, nguyen]
---
{FILLER * 3}The argument rests on earlier work.[^1] {FILLER * 4}

> A quoted passage from a statement, set apart from the text as a block quotation
> with its own measure.

{FILLER * 5}

| Year | Talks | Outcome |
|------|-------|---------|
| 2003 | Six-Party | Joint statement |
| 2018 | Summit | Declaration |

![A bar chart of talks held per year](images/chart.png "Figure 1: Talks held per year, 2003–2018")

{FILLER * 6}

[^1]: {NOTE}
"""


# A note called in the first words: the proof must still find where the body
# begins (verify._byline_region), though the call's number stands among them.
CLOSING = f"""\
---
title: Closing Remarks
role: closing
authors: [zoe-muller]
---
Dialogue resumed[^1] in 2018, after a year of {FILLER * 2}

[^1]: Second note, called in the section's first words.
"""


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> dict[str, Path]:
    from PIL import Image

    content = tmp_path_factory.mktemp("typeset") / "content"
    folder = content / SLUG
    (folder / "sections").mkdir(parents=True)
    (folder / "images").mkdir()
    shutil.copy(CONTENT / "publisher.yaml", content / "publisher.yaml")
    (folder / "publication.yaml").write_text(PUBLICATION, encoding="utf-8")
    (folder / "sections" / "01-chapter.md").write_text(textwrap.dedent(SECTION), encoding="utf-8")
    (folder / "sections" / "02-closing.md").write_text(CLOSING, encoding="utf-8")
    # 2400 pixels over the text's width: over 300 dpi, as a print shop asks (preflight.py).
    Image.new("RGB", (2400, 1200), (22, 50, 79)).save(folder / "images" / "chart.png")
    result = build_publication(folder, content.parent / "build")
    assert result.report.ok  # the proof, bylines included, on every edition
    assert ("zoe-muller", "Closing Remarks") in {(f.subject, f.where) for f in result.report.findings
                                                 if f.what == "attribution" and f.ok}
    return {"print" if ".print." in p.name else "screen": p for p in result.outputs}


def positioned_text(page) -> list[tuple[str, float]]:
    pieces = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: pieces.append(
        (text, tm[4] * cm[1] + tm[5] * cm[3] + cm[5])) if text.strip() else None)
    return pieces


@pytest.mark.parametrize("edition", ["print", "screen"])
def test_a_footnote_stands_at_the_foot_of_the_page_that_calls_it(edition, sample):
    reader = PdfReader(str(sample[edition]))
    for page in reader.pages:
        pieces = positioned_text(page)
        text = "".join(t for t, _ in pieces)
        if "The argument rests on earlier work" in text:
            break
    else:
        pytest.fail("the paragraph that calls the footnote is not in the PDF")
    assert "Footnote text, set at the foot of the page" in text.replace("\n", " ")
    note_y = min(y for t, y in pieces if "Footnote text" in t)
    body = [y for t, y in pieces if "Regional security dialogues" in t]
    assert note_y < min(body), "the note is not below the text on its page"
    # ...and only there: not also at the end of the section.
    everything = " ".join(p.extract_text() for p in reader.pages).replace("\n", " ")
    assert everything.count("Footnote text, set at the foot") == 1


def test_figure_caption_table_and_block_quote_are_set(sample):
    reader = PdfReader(str(sample["print"]))
    text = " ".join(p.extract_text() for p in reader.pages).replace("\n", " ")
    assert "Figure 1: Talks held per year, 2003–2018" in text
    assert "Six-Party" in text and "Joint statement" in text
    assert "A quoted passage from a statement" in text
    images = [x.get_object() for page in reader.pages for x in (page["/Resources"].get("/XObject") or {}).values()]
    assert images, "the figure's image is not in the PDF"


@pytest.mark.parametrize("edition", ["print", "screen"])
def test_images_in_the_print_edition_are_srgb_not_device_rgb(edition, sample):
    # PDF/X-4 under a CMYK intent allows device-independent RGB (ICCBased), not DeviceRGB.
    reader = PdfReader(str(sample[edition]))
    spaces = [x.get_object().get("/ColorSpace") for page in reader.pages
              for x in (page["/Resources"].get("/XObject") or {}).values()
              if x.get_object().get("/Subtype") == "/Image"]
    assert spaces
    if edition == "print":
        assert all(s[0] == "/ICCBased" and s[1].get_object()["/N"] == 3 for s in spaces), spaces
    else:
        assert "/DeviceRGB" in spaces  # the check can fail: the screen edition keeps device RGB


@pytest.mark.parametrize("edition", ["print", "screen"])
def test_names_in_japanese_and_with_diacritics_are_real_text(edition, sample):
    reader = PdfReader(str(sample[edition]))
    text = " ".join(p.extract_text() for p in reader.pages)
    for name in ("佐藤みどり", "Zoë Müller-Łukasiewicz", "Nguyễn Thị Minh Khai", "Université de Genève"):
        assert name in text, name
    assert "\ufffd" not in text
    assert font_problems(sample[edition]) == []
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert any("CJK-JP" in f for f in fonts), fonts


def test_the_body_start_is_found_across_a_footnote_call_and_only_there():
    """The byline lies between the heading and the body's first words as printed: with the
    footnote call's number (Block.shown), so the number cannot hide the body's start."""
    from types import SimpleNamespace

    from octavo.markdown import Block
    from octavo.verify import Reading, Sections, check_attributions

    block = Block("s-b1", "paragraph", "Dialogue resumed in 2018, after a year of talks", 1,
                  shown="Dialogue resumed2 in 2018, after a year of talks")
    zoe = SimpleNamespace(id="zoe", attribution="Zoë Müller-Łukasiewicz, Université de Genève")
    section = SimpleNamespace(id="s", title="Closing Remarks", blocks=(block,),
                              section=SimpleNamespace(attributed=(zoe,)), location=lambda block: "s.md:1")
    document = SimpleNamespace(sections=(section,))

    def attributed(text: str) -> list[tuple[bool, str, str]]:
        reading = Reading("PDF", Path("x.pdf"), text, (), anchors=(("s", 0),))
        assert Sections.of(document, reading).spans == {"s": (0, len(Sections.of(document, reading).text))}
        return [(f.ok, f.problem, f.seen) for f in check_attributions(document, reading)]

    assert attributed("Closing Remarks Zoë Müller-Łukasiewicz, Université de Genève "
                      "Dialogue resumed2 in 2018, after a year of talks") == [(True, "missing", "")]
    assert attributed("Closing Remarks Dialogue resumed in 2018, after a year") == [
        (False, "missing", "x.pdf: between the heading and the text: 'Dialogue resumed in 2018, after a year'")]


@pytest.mark.parametrize("edition", ["print", "screen"])
def test_qpdf_finds_the_sample_clean(edition, sample):
    from test_pdf_editions import qpdf_check

    run = qpdf_check(sample[edition])
    assert run.returncode == 0 and "WARNING" not in run.stdout + run.stderr, run.stdout + run.stderr


@pytest.fixture(scope="module")
def long_introduction(tmp_path_factory):
    """The seed with its introduction six times as long: pages no section opens, verso and recto."""
    from conftest import SEED_SLUG, copy_content

    tmp = tmp_path_factory.mktemp("long-introduction")
    folder = copy_content(tmp)
    section = folder / "sections" / "02-introduction.md"
    text = section.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    plain = "\n\n".join(p for p in body.strip().split("\n\n") if "{{disclaimer:" not in p)  # placed once only
    section.write_text(head + "\n---\n" + body.strip() + "\n\n" + "\n\n".join([plain] * 12) + "\n", encoding="utf-8")
    result = build_publication(folder, tmp / "out", editions=("print", "screen"))
    return folder, {p.name.split(".")[-2] if p.name.count(".") > 1 else "screen": p for p in result.outputs}


@pytest.mark.parametrize("edition", ["print", "screen"])
def test_no_running_head_stands_on_a_page_a_section_opens(long_introduction, edition):
    """A section's opening page carries no running head (issue 22's print preflight, CMOS 1.10);
    the pages it runs on carry one: the publication's title on the verso, the section and its
    author on the recto. Read with PDFium in the top margin of each page, the sections found by
    their named destinations."""
    import pypdfium2

    from octavo.model import load_publication
    from octavo.render import Rendering
    from octavo.verify import BACK_MATTER_ID
    from octavo.visible import named_destinations

    folder, outputs = long_introduction
    document = Rendering(load_publication(folder)).document
    pdf = pypdfium2.PdfDocument(str(outputs[edition]))
    try:
        opening = set(named_destinations(pdf, tuple(s.id for s in document.sections) + (BACK_MATTER_ID,)))
        first_text = min(opening)
        heads = {}
        for index, page in enumerate(pdf):
            left, _, right, top = page.get_trimbox()
            heads[index] = " ".join(page.get_textpage().get_text_bounded(left, top - 18 * 72 / 25.4, right, top).split())
    finally:
        pdf.close()
    assert opening and all(heads[i] == "" for i in opening), {i: heads[i] for i in opening}
    running = [i for i in heads if i > first_text and i not in opening]
    assert running and all(heads[i] for i in running), {i: heads[i] for i in running}
    # Page index 1 is page 2, a verso: the publication's title; an even index, a recto: the section.
    assert {heads[i] for i in running if i % 2 == 1} == {document.publication.title}
    assert all(heads[i].startswith("Introduction · ") for i in running if i % 2 == 0), heads

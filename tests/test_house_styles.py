"""House styles: publisher.yaml names a style, whose files override Octavo's
templates one by one (a Jinja ChoiceLoader); the seed builds and proves in
Octavo's own style and in the shipped second style, "modern", which looks
different: another typeface and no navy band on the title page."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
from pypdf import PdfReader

from octavo.build import build_publication
from octavo.cli import main
from octavo.verify import read_epub, read_pdf, skeleton

from conftest import SEED_SLUG, copy_content, edit
from test_pdf_editions import _fonts


def styled_copy(tmp_path: Path, style: str) -> Path:
    folder = copy_content(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: ISDP", f"short_name: ISDP\nstyle: {style}")
    return folder


def font_families(path: Path) -> set[str]:
    """The typefaces the PDF's pages use, subset prefixes left out: {"Noto-Serif-Bold", ...}."""
    return {str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1]
            for page in PdfReader(str(path)).pages for font in _fonts(page.get("/Resources"))}


def band_colour(path: Path) -> tuple[int, int, int]:
    """The colour at the middle of the title page's top band (12 mm from the top)."""
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        image = pdf[0].render(scale=1).to_pil().convert("RGB")
    finally:
        pdf.close()
    return image.getpixel((image.width // 2, int(12 / 25.4 * 72)))


def test_the_seed_builds_and_proves_in_the_modern_style(tmp_path, seed_pdf):
    folder = styled_copy(tmp_path, "modern")
    result = build_publication(folder, tmp_path / "out", editions=("screen", "epub"))
    assert result.report.ok and result.report.findings  # proven, with checks made
    styled = tmp_path / "out" / f"{SEED_SLUG}.pdf"
    # Visibly different: Octavo's style sets the text in Noto Serif under a navy band;
    # "modern" sets it all in Noto Sans, on white.
    assert "Noto-Serif" in font_families(seed_pdf)
    assert not {f for f in font_families(styled) if f.startswith("Noto-Serif")}
    assert "Noto-Sans" in font_families(styled)
    assert band_colour(seed_pdf) == (0x16, 0x32, 0x4F)
    assert band_colour(styled) == (255, 255, 255)
    # The style changes the look, never the text: every block of the document is on its pages.
    text = skeleton(read_pdf(styled).text)
    missing = [b.text for s in result.document.sections for b in s.blocks if skeleton(b.text) not in text]
    assert not missing and len(text) > 5000
    css = [line for line in read_epub_stylesheet(tmp_path / "out" / f"{SEED_SLUG}.epub").splitlines()
           if "House style \"modern\"" in line]
    assert css, "the EPUB's stylesheet lacks the modern style's house.css"


def read_epub_stylesheet(path: Path) -> str:
    import zipfile
    with zipfile.ZipFile(path) as zf:
        return zf.read("EPUB/style/epub.css").decode("utf-8")


def test_a_house_overrides_one_file_in_its_own_style_folder(tmp_path):
    """content/styles/<name>/ is the house's own: here it renames one label, and every edition says so."""
    folder = styled_copy(tmp_path, "plain")
    labels = folder.parent / "styles" / "plain" / "labels" / "en.yaml"
    labels.parent.mkdir(parents=True)
    labels.write_text("contributors: The Authors\n", encoding="utf-8")
    result = build_publication(folder, tmp_path / "out", editions=("screen", "epub"))
    for path in result.outputs:
        reading = read_pdf(path) if path.suffix == ".pdf" else read_epub(path)
        text = skeleton(reading.text)
        assert skeleton("The Authors") in text and skeleton("About the Contributors") not in text, path.name


def test_an_unknown_style_is_a_content_error_with_its_line(tmp_path, capsys, monkeypatch):
    folder = styled_copy(tmp_path, "modrn")
    monkeypatch.chdir(tmp_path)
    code = main(["validate", str(folder), "--content", str(folder.parent)])
    err = capsys.readouterr().err
    assert code == 2
    assert "content/publisher.yaml:7: house style 'modrn' does not exist" in err
    assert "did you mean 'modern'?" in err


def test_labels_follow_the_publication_s_language_before_the_house_s_english(tmp_path):
    """A German paper gets Octavo's German word even where the house style only changed the English one."""
    from octavo.render import labels

    octavo, house = tmp_path / "octavo", tmp_path / "house"
    for folder, name, text in ((octavo, "en", "contents: Contents\nimprint: Imprint\n"),
                               (octavo, "de", "contents: Inhalt\n"),
                               (house, "en", "contents: Table of Contents\nimprint: Colophon\n")):
        (folder / "labels").mkdir(parents=True, exist_ok=True)
        (folder / "labels" / f"{name}.yaml").write_text(text, encoding="utf-8")
    assert labels([house, octavo], "de-AT") == {"contents": "Inhalt", "imprint": "Colophon"}
    assert labels([house, octavo], "en") == {"contents": "Table of Contents", "imprint": "Colophon"}


def test_a_house_with_narrow_margins_loses_no_line_to_the_proof(tmp_path):
    """The margins come from one file, print/page.yaml, read by the CSS and by the proof: a house
    that sets 12 mm margins gets text nearer the edge, and the proof reads all of it. A house
    stylesheet cannot move the margins behind the proof's back: document.html sets them last."""
    from test_seed_publication import seed_paragraphs

    folder = styled_copy(tmp_path, "narrow")
    style = folder.parent / "styles" / "narrow" / "print"
    style.mkdir(parents=True)
    (style / "page.yaml").write_text("top: 12\nbottom: 12\nleft: 15\nright: 15\n", encoding="utf-8")
    (style / "house.css").write_text("@page { margin: 50mm; }\n", encoding="utf-8")
    result = build_publication(folder, tmp_path / "out", editions=("screen",))
    assert result.report.ok, result.report.summary()
    pdf = result.outputs[0]
    text = skeleton(read_pdf(pdf, result.document.page).text)
    assert all(skeleton(p.removeprefix("Disclaimer: ")) in text for p in seed_paragraphs()[2:])
    # Body text stands 12 to 20 mm below the top edge, where a fixed 20 mm band would have cut it.
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        mm = 72 / 25.4
        near_top = []
        for sheet in list(document)[3:]:
            left, bottom, right, top = sheet.get_trimbox()
            near_top.append(sheet.get_textpage().get_text_bounded(left, top - 20 * mm, right, top - 12 * mm))
    finally:
        document.close()
    words = skeleton(" ".join(near_top))
    assert len(words) > 100 and words[:40] in text

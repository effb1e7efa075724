"""Issue 11's people and numbers, read back from the built files: each edition's own
identifier and its siblings, a person without an affiliation, and the language of
names in their own script (lang in the EPUB and web page, /Lang in the tagged PDFs,
the font that script's language calls for).

The second publication (tests/fixtures/distribution-content/shared-waters) is the
subject; the bad-input matrix (test_bad_inputs.py) holds the refused numbers.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from octavo.build import build_publication
from octavo.cli import main
from octavo.model import load_publication
from octavo.names import name_language

from conftest import DISTRIBUTION, DISTRIBUTION_SLUG, copy_templates, edit

XMP = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
       "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/"}
OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
PRINT_ISBN, EBOOK_ISBN = "urn:isbn:9789189000049", "urn:isbn:9789189000056"
DOI = "https://doi.org/10.5555/fmca.2025.12"
NATIVE = {"박민준": "ko", "陈静": "zh-Hans", "佐藤春樹": "ja"}


def copy_distribution(tmp_path: Path) -> Path:
    shutil.copytree(DISTRIBUTION, tmp_path / "content")
    return tmp_path / "content" / DISTRIBUTION_SLUG


def pdf_text(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def xmp_list(path: Path, name: str) -> list[str]:
    metadata = PdfReader(str(path)).trailer["/Root"]["/Metadata"].get_object().get_data()
    root = etree.fromstring(metadata)
    simple = [e.text for e in root.iterfind(f".//{name}", XMP) if e.text and e.text.strip()]
    return simple + [li.text for li in root.iterfind(f".//{name}//rdf:li", XMP)]


def struct_languages(path: Path) -> dict[str, str]:
    """Each structure element's /Lang, keyed by the text its marked content shows: read by
    walking the StructTreeRoot and the pages' marked-content ids (ISO 32000-1, 14.7)."""
    import pypdfium2

    reader = PdfReader(str(path))
    tree = reader.trailer["/Root"].get("/StructTreeRoot")
    if tree is None:
        return {}
    wanted: list[tuple[str, int, int]] = []  # (lang, page index, mcid)
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}

    def walk(node, lang=None, page=None):
        node = node.get_object()
        if isinstance(node, int):
            if lang and page is not None:
                wanted.append((lang, page, node))
            return
        if not hasattr(node, "get"):
            return
        if "/Pg" in node:
            page = pages.get(node.raw_get("/Pg").idnum, page)
        lang = str(node["/Lang"]) if "/Lang" in node else lang
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, list) else [kids] if kids is not None else []):
            walk(kid, lang, page)

    walk(tree)
    pdf, found = pypdfium2.PdfDocument(str(path)), {}
    try:
        for lang, index, mcid in wanted:
            text = _marked_text(pdf[index], mcid)
            if text.strip():
                found[text.strip()] = lang
    finally:
        pdf.close()
    return found


def _marked_text(page, mcid: int) -> str:
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    chars = []
    for obj in page.get_objects(max_depth=3):
        if obj.type == raw.FPDF_PAGEOBJ_TEXT and raw.FPDFPageObj_GetMarkedContentID(obj.raw) == mcid:
            size = raw.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
            buffer = (raw.FPDF_WCHAR * size)()
            raw.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, size)
            chars.append(bytes(buffer).decode("utf-16-le").rstrip("\x00"))
    return "".join(chars)


def embedded_fonts(path: Path) -> set[str]:
    fonts = set()
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources")
        for font in ((resources.get_object().get("/Font") or {}) if resources else {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def epub_file(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as zf:
        return etree.fromstring(zf.read(f"EPUB/{name}"))


# ------------------------------------------------------------ the second publication

def test_the_second_publication_builds_and_proves_every_edition(distribution_build):
    report = distribution_build.report
    assert {p.name for p in distribution_build.outputs} >= {
        f"{DISTRIBUTION_SLUG}{suffix}" for suffix in (".print.pdf", ".pdf", ".archive.pdf", ".epub", ".html")}
    assert report.ok and not [f for f in report.findings if not f.ok]
    assert distribution_build.publication.warnings == ()


# ------------------------------------------------------------ identifiers

def test_each_edition_carries_its_own_identifier_and_names_its_siblings(distribution_outputs):
    print_pdf, screen = distribution_outputs["print"], distribution_outputs["screen"]
    assert xmp_list(print_pdf, "dc:identifier") == [PRINT_ISBN]
    assert set(xmp_list(print_pdf, "dc:relation")) == {DOI, EBOOK_ISBN}
    assert xmp_list(screen, "dc:identifier") == [DOI]
    assert set(xmp_list(screen, "dc:relation")) == {PRINT_ISBN, EBOOK_ISBN}

    package = epub_file(distribution_outputs["epub"], "content.opf")
    unique = package.get("unique-identifier")
    identifiers = {e.get("id"): e.text for e in package.iterfind(".//dc:identifier", OPF)}
    assert identifiers[unique] == EBOOK_ISBN
    assert PRINT_ISBN not in identifiers.values()
    # The page-list's pages are the printed book's: dc:source names the print ISBN.
    assert package.findtext(".//dc:source", None, OPF) == PRINT_ISBN
    assert [e.text for e in package.iterfind(".//dc:relation", OPF)] == [PRINT_ISBN]


def test_the_imprint_prints_each_identifier_with_its_format(distribution_outputs):
    lines = ["ISBN (print): 978-91-89000-04-9", "ISBN (e-book): 978-91-89000-05-6",
             "DOI: 10.5555/fmca.2025.12", "URL: https://fmca.example.org/papers/shared-waters"]
    for edition in ("print", "screen", "archive"):
        text = pdf_text(distribution_outputs[edition])
        assert all(line in text for line in lines), edition
    imprint = "".join(epub_file(distribution_outputs["epub"], "imprint.xhtml").itertext())
    assert all(line in imprint for line in lines)


def test_an_isbn_without_hyphens_is_read_as_the_number_it_is(tmp_path):
    folder = copy_distribution(tmp_path)
    edit(folder / "publication.yaml", "print_isbn: 978-91-89000-04-9", "print_isbn: 9789189000049")
    assert load_publication(folder).identifiers["print_isbn"] == "978-91-89000-04-9"


# ------------------------------------------------------------ a person without an affiliation

def test_an_independent_author_is_attributed_by_name_alone(distribution_build, distribution_outputs):
    dahl = next(c for c in distribution_build.publication.contributors if c.id == "ingrid-dahl")
    assert dahl.affiliations == () and dahl.attribution == "Ingrid Dahl"
    proven = [f for f in distribution_build.report.findings if f.what == "attribution" and f.subject == "ingrid-dahl"]
    assert proven and all(f.ok and f.expected == "Ingrid Dahl" for f in proven)


def test_an_independent_authors_name_removed_from_the_byline_fails_the_proof(tmp_path, capsys):
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "byline.html", '<span class="name">{{ c.name }}</span>',
         '<span class="name">{% if c.affiliations %}{{ c.name }}{% endif %}</span>')
    code = main(["build", str(DISTRIBUTION / DISTRIBUTION_SLUG), "--out", str(tmp_path / "out"),
                 "--templates", str(templates), "--edition", "screen"])
    shown = capsys.readouterr()
    assert code != 0
    text = shown.out + shown.err
    assert "MISSING attribution ingrid-dahl at 'Summary'" in text and "MISSING attribution ingrid-dahl at 'Outlook'" in text
    assert "MISSING attribution park-min-jun" not in text  # an affiliated author keeps the name
    assert not (tmp_path / "out" / f"{DISTRIBUTION_SLUG}.pdf").exists()


def test_a_missing_affiliations_field_is_a_warning_and_strict_refuses_it(tmp_path, capsys):
    folder = copy_distribution(tmp_path)
    edit(folder / "publication.yaml", "    affiliations: []   # an independent analyst: attributed by name alone\n", "")
    publication = load_publication(folder)
    assert any("'ingrid-dahl' has no affiliation and will be attributed by name alone" in w.message
               for w in publication.warnings)
    code = main(["validate", str(folder), "--content", str(folder.parent), "--strict"])
    assert code == 2 and "affiliations: []" in capsys.readouterr().err


def test_the_house_as_editor_with_nothing_to_say_is_not_an_empty_entry(distribution_outputs):
    notes = epub_file(distribution_outputs["epub"], "contributors.xhtml")
    named = [("".join(h.itertext())) for h in notes.iterfind(".//x:div[@class='contributor-note']/x:h2", XHTML)]
    assert "Forum for Maritime Cooperation in Asia" not in named
    assert named[0] == "Ingrid Dahl" and len(named) == 4


# ------------------------------------------------------------ the language of names

@pytest.mark.parametrize("name, tag, certain", [
    ("김준형", "ko", True), ("さとう はるき", "ja", True), ("朱锋", "zh-Hans", True),
    ("張偉", "zh-Hant", False), ("佐藤春樹", "zh-Hant", False), ("山田", "zh", False), ("Иван", "ru", False)])
def test_a_names_language_is_read_from_its_script(name, tag, certain):
    found = name_language(name)
    assert (found.tag, found.certain) == (tag, certain)


def test_a_han_only_name_without_its_language_is_a_warning(tmp_path):
    folder = copy_distribution(tmp_path)
    edit(folder / "publication.yaml", "    native_name_lang: ja\n", "")
    warnings = [w.message for w in load_publication(folder).warnings]
    assert any("'佐藤春樹' (sato-haruki) is a guess" in m for m in warnings), warnings


def test_names_are_tagged_with_their_language_in_the_epub_and_the_web_page(distribution_outputs):
    notes = epub_file(distribution_outputs["epub"], "contributors.xhtml")
    tagged = {e.text: e.get("lang") for e in notes.iterfind(".//x:span[@class='native-name']", XHTML)}
    assert tagged == NATIVE
    opf = epub_file(distribution_outputs["epub"], "content.opf")
    scripts = {m.text: m.get("{http://www.w3.org/XML/1998/namespace}lang")
               for m in opf.iterfind(".//opf:meta[@property='alternate-script']", OPF)}
    assert scripts == NATIVE
    page = etree.HTML(distribution_outputs["web"].read_bytes())
    assert {e.text: e.get("lang") for e in page.iterfind(".//span[@class='native-name']")} == NATIVE


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_tagged_pdfs_give_each_native_name_its_lang(edition, distribution_outputs):
    langs = struct_languages(distribution_outputs[edition])
    assert {text: langs.get(text) for text in NATIVE} == NATIVE


def test_a_native_name_without_lang_is_seen_missing_from_the_structure(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "front.html",
         ' lang="{{ c.native_name_lang }}" xml:lang="{{ c.native_name_lang }}"', "")
    result = build_publication(DISTRIBUTION / DISTRIBUTION_SLUG, tmp_path / "out", templates, editions=("screen",))
    langs = struct_languages(result.outputs[0])
    assert not any(text in langs for text in NATIVE)


def test_each_name_is_set_in_its_languages_font(distribution_outputs):
    fonts = embedded_fonts(distribution_outputs["screen"])
    assert {"Noto-Serif-CJK-KR", "Noto-Serif-CJK-SC", "Noto-Serif-CJK-JP"} <= fonts, fonts


def test_a_kanji_name_tagged_chinese_would_be_set_in_the_chinese_font(tmp_path):
    folder = copy_distribution(tmp_path)
    edit(folder / "publication.yaml", "    native_name_lang: ja\n", "    native_name_lang: zh-Hans\n")
    result = build_publication(folder, tmp_path / "out", editions=("screen",))
    assert "Noto-Serif-CJK-JP" not in embedded_fonts(result.outputs[0])


def test_epubcheck_passes_the_second_publication(distribution_outputs, epubcheck):
    result = epubcheck(distribution_outputs["epub"])
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems

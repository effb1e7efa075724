"""A translation linked to its original (issue 21): `translation_of:` and translators.

tests/fixtures/languages-content/cooperation/ is the English translation of the Korean paper
kooperation/, by a translator credited in every section's byline. Both have a DOI and a URL,
the original a print ISBN. Fictional text, written for the tests.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from octavo.build import build_publication
from octavo.catalog import inputs
from octavo.distribution.crossref import crossref_deposit
from octavo.distribution.marc import marc_collection
from octavo.distribution.onix import onix_message
from octavo.errors import ContentError
from octavo.model import load_publication
from octavo.render import Rendering
from octavo.verify import verify

from conftest import FIXTURES, edit
from test_distribution import CR, MARC, SCHEMAS, _CrossrefImports, onixcheck_messages

FIXTURE = FIXTURES / "languages-content"
ONIX = {"o": "http://ns.editeur.org/onix/3.0/reference"}
REL = {"rel": "http://www.crossref.org/relations.xsd"}


def _copy(tmp_path: Path, *slugs: str) -> Path:
    content = tmp_path / "content"
    content.mkdir(parents=True)
    shutil.copy(FIXTURE / "publisher.yaml", content / "publisher.yaml")
    for slug in slugs:
        shutil.copytree(FIXTURE / slug, content / slug)
    return content


def test_the_original_is_read_from_its_own_publication_yaml():
    translation = load_publication(FIXTURE / "cooperation")
    original = translation.translation_of
    assert (original.title, original.language, original.slug) == ("한반도 협력의 한계: 두 가지 관점", "ko", "kooperation")
    assert (original.doi, original.isbn) == ("10.5555/ips.2024.1", "978-91-88551-12-2")
    assert original.identifier == "https://doi.org/10.5555/ips.2024.1"
    # Every section is credited to the translator, after its authors.
    for section in translation.sections:
        label, people = section.byline[-1]
        assert label == "translated_by" and [c.id for c in people] == ["emma-larsson"]
    # The original knows its translation, by language and address.
    assert load_publication(FIXTURE / "kooperation").translations == (
        ("cooperation", "en", "https://www.example.org/papers/cooperation", "10.5555/ips.2024.1.en"),)


def test_what_a_translation_gets_wrong_is_refused_with_the_place(tmp_path):
    content = _copy(tmp_path, "cooperation")  # its original is not there
    with pytest.raises(ContentError) as caught:
        load_publication(content / "cooperation")
    assert "translation_of names 'kooperation', which is no other publication" in str(caught.value)
    assert "publication.yaml:6" in str(caught.value)
    edit(content / "cooperation" / "publication.yaml", "translation_of: kooperation\n", "")
    with pytest.raises(ContentError) as caught:
        load_publication(content / "cooperation")
    assert "a contributor is a translator, but the publication does not say what it translates" in str(caught.value)
    edit(content / "cooperation" / "publication.yaml", "language: en\n",
         "language: en\ntranslation_of: {title: Limits of Cooperation, language: en-GB, isbn: 978-91-88551-12-3}\n")
    with pytest.raises(ContentError) as caught:
        load_publication(content / "cooperation")
    assert "the original's ISBN '978-91-88551-12-3' has a wrong check digit" in str(caught.value)
    edit(content / "cooperation" / "publication.yaml", "978-91-88551-12-3", "978-91-88551-12-2")
    warnings = [w.message for w in load_publication(content / "cooperation").warnings]
    assert any("the original is in 'en-GB', this paper's language too" in w for w in warnings)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("translation")
    return {slug: build_publication(FIXTURE / slug, out) for slug in ("cooperation", "kooperation")}


def test_the_translator_is_credited_and_proven_in_every_edition(built):
    result = built["cooperation"]
    assert result.report.ok, result.report.summary()
    proven = {(f.edition.path.name, f.subject) for f in result.report.findings if f.ok and f.what == "attribution"}
    for edition in ("cooperation.pdf", "cooperation.print.pdf", "cooperation.archive.pdf", "cooperation.epub",
                    "cooperation.html"):
        assert (edition, "emma-larsson") in proven, edition
    web = next(p for p in result.outputs if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Translated by <span" in web and "Original (Korean): 한반도 협력의 한계: 두 가지 관점" in web


def test_the_proof_fails_when_a_translation_credits_another_translator(built, tmp_path):
    """The built editions read against the same paper credited to a second translator: her
    attribution is missing from every section of every edition."""
    content = _copy(tmp_path, "cooperation", "kooperation")
    edit(content / "cooperation" / "publication.yaml", "house_disclaimers:", "  - id: noor-ali\n    name: Noor Ali\n"
         "    role: translator\n    affiliations: []\nhouse_disclaimers:")
    editions = [p for p in built["cooperation"].outputs if p.suffix in (".pdf", ".epub", ".html")
                and ".cover." not in p.name]
    report = verify(Rendering(load_publication(content / "cooperation")).document, editions)
    missing = {(f.edition.path.name, f.subject) for f in report.failures}
    assert ("cooperation.pdf", "noor-ali") in missing and ("cooperation.epub", "noor-ali") in missing
    assert "Noor Ali" in report.summary()


def test_the_link_is_carried_in_the_epub_and_the_pdfs(built):
    from pypdf import PdfReader

    epub = next(p for p in built["cooperation"].outputs if p.suffix == ".epub")
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    dc = {"dc": "http://purl.org/dc/elements/1.1/", "opf": "http://www.idpf.org/2007/opf"}
    assert "https://doi.org/10.5555/ips.2024.1" in [e.text for e in opf.iterfind(".//dc:relation", dc)]
    translator = next(e for e in opf.iterfind(".//dc:contributor", dc) if e.text == "Emma Larsson")
    roles = [m.text for m in opf.iterfind(".//opf:meta[@property='role']", dc)
             if m.get("refines") == f"#{translator.get('id')}"]
    assert roles == ["trl"]
    pdf = next(p for p in built["cooperation"].outputs if p.name == "cooperation.pdf")
    xmp = PdfReader(pdf).xmp_metadata
    assert "https://doi.org/10.5555/ips.2024.1" in (xmp.dc_relation or [])
    assert "Emma Larsson" in (xmp.dc_contributor or [])


def test_the_web_pages_link_each_other_by_language(built):
    translation = next(p for p in built["cooperation"].outputs if p.suffix == ".html").read_text(encoding="utf-8")
    original = next(p for p in built["kooperation"].outputs if p.suffix == ".html").read_text(encoding="utf-8")
    for page in (translation, original):
        assert '<link rel="alternate" hreflang="ko" href="https://www.example.org/papers/kooperation">' in page
        assert '<link rel="alternate" hreflang="en" href="https://www.example.org/papers/cooperation">' in page
    assert '"translationOfWork"' in translation and '"@id": "https://doi.org/10.5555/ips.2024.1"' in translation


def test_crossref_relations_both_ways_valid_against_crossrefs_schema():
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_CrossrefImports())
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "crossref" / "crossref5.3.1.xsd"), parser))
    found = {}
    for slug in ("cooperation", "kooperation"):
        data, _ = crossref_deposit(Rendering(load_publication(FIXTURE / slug)).record)
        root = etree.fromstring(data)
        assert schema.validate(root), schema.error_log
        found[slug] = [(e.get("relationship-type"), e.get("identifier-type"), e.text)
                       for e in root.iterfind(".//rel:intra_work_relation", REL)]
    assert found == {"cooperation": [("isTranslationOf", "doi", "10.5555/ips.2024.1")],
                     "kooperation": [("hasTranslation", "doi", "10.5555/ips.2024.1.en")]}


def test_crossrefs_schema_refuses_a_relation_it_does_not_know():
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_CrossrefImports())
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "crossref" / "crossref5.3.1.xsd"), parser))
    data, _ = crossref_deposit(Rendering(load_publication(FIXTURE / "cooperation")).record)
    root = etree.fromstring(data)
    root.find(".//rel:intra_work_relation", REL).set("relationship-type", "isTranslatedFrom")
    assert not schema.validate(root)


def test_onix_and_marc_name_the_original(tmp_path):
    content = _copy(tmp_path, "cooperation", "kooperation")
    edit(content / "cooperation" / "publication.yaml", "  doi: 10.5555/ips.2024.1.en\n",
         "  doi: 10.5555/ips.2024.1.en\n  print_isbn: 978-0-306-40615-7\n")
    record = Rendering(load_publication(content / "cooperation")).record
    data, _ = onix_message(record, 12)
    assert onixcheck_messages(data, tmp_path) == []
    product = etree.fromstring(data).find("o:Product", ONIX)
    work = product.find("o:RelatedMaterial/o:RelatedWork", ONIX)
    assert (work.findtext("o:WorkRelationCode", namespaces=ONIX),
            work.findtext("o:WorkIdentifier/o:IDValue", namespaces=ONIX)) == ("29", "10.5555/ips.2024.1")
    other = [r for r in product.iterfind("o:RelatedMaterial/o:RelatedProduct", ONIX)
             if r.findtext("o:ProductRelationCode", namespaces=ONIX) == "11"]
    assert [r.findtext("o:ProductIdentifier/o:IDValue", namespaces=ONIX) for r in other] == ["9789188551122"]
    roles = {(c.findtext("o:ContributorRole", namespaces=ONIX), c.findtext("o:PersonName", namespaces=ONIX))
             for c in product.iterfind(".//o:Contributor", ONIX)}
    assert ("B06", "Emma Larsson") in roles
    languages = {(l.findtext("o:LanguageRole", namespaces=ONIX), l.findtext("o:LanguageCode", namespaces=ONIX))
                 for l in product.iterfind(".//o:Language", ONIX)}
    assert languages == {("01", "eng"), ("02", "kor")}
    marc = etree.fromstring(marc_collection(record, 12))
    assert etree.XMLSchema(etree.parse(str(SCHEMAS / "MARC21slim.xsd"))).validate(marc)
    first = marc.find("marc:record", MARC)
    f041 = first.find("marc:datafield[@tag='041']", MARC)
    assert f041.get("ind1") == "1" and [s.text for s in f041] == ["eng", "kor"]
    f765 = first.find("marc:datafield[@tag='765']", MARC)
    assert [(s.get("code"), s.text) for s in f765] == [("i", "Translation of:"), ("t", "한반도 협력의 한계: 두 가지 관점"),
                                                       ("z", "9789188551122"), ("o", "doi:10.5555/ips.2024.1")]


def test_a_new_translation_changes_its_originals_fingerprint(tmp_path):
    """The catalog builds an original again when a translation of it appears, so that its web
    page links the new one."""
    content = _copy(tmp_path, "kooperation")
    before = inputs(content / "kooperation")
    shutil.copytree(FIXTURE / "cooperation", content / "cooperation")
    after = inputs(content / "kooperation")
    assert set(after) - set(before) == {"related:cooperation/publication.yaml"}
    assert "related:kooperation/publication.yaml" in inputs(content / "cooperation")

"""Distribution metadata: the ONIX message, the MARC records and the Crossref deposit are
views of the metadata record, each valid against its standard's own schema (onixcheck for
ONIX 3.0, the Library of Congress's MARCXML schema, Crossref's 5.3.1 schema), each shown
failing when something the schema requires is taken out; `octavo archive` puts them in the
bag and in build/.

The feature fixture (tests/fixtures/epub-content/grid-resilience) is copied and given the
identifiers each test needs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
from pathlib import Path

import pytest
from lxml import etree

from octavo.archive import verify_bag
from octavo.cli import main
from octavo.distribution import FORMATS
from octavo.distribution.common import iso639_2b
from octavo.distribution.crossref import NO_EMAIL, crossref_deposit
from octavo.distribution.marc import marc_collection
from octavo.distribution.onix import onix_message
from octavo.model import Affiliation, load_publication
from octavo.render import Rendering

from conftest import CONTENT, FIXTURES, SEED_SLUG, copy_content

SLUG = "grid-resilience"
SCHEMAS = FIXTURES / "schemas"
PRINT_ISBN, EBOOK_ISBN = "9789188551122", "9789188551139"
HYPHENATED = {PRINT_ISBN: "978-91-88551-12-2", EBOOK_ISBN: "978-91-88551-13-9"}  # as an author writes them
DOI = "10.5555/niep.2024.7"
PAPER_URL = "https://niep.example.org/papers/keeping-the-lights-on"
ORCID = "https://orcid.org/0000-0002-1825-0097"
ROR = "https://ror.org/048a87296"
ALL = {"print_isbn": PRINT_ISBN, "ebook_isbn": EBOOK_ISBN, "doi": DOI, "url": PAPER_URL}
PRINT_PAGES = 24

ONIX = {"o": "http://ns.editeur.org/onix/3.0/reference"}
MARC = {"marc": "http://www.loc.gov/MARC21/slim"}
CR = {"cr": "http://www.crossref.org/schema/5.3.1", "jats": "http://www.ncbi.nlm.nih.gov/JATS1"}


def write_identifiers(folder: Path, ids: dict[str, str]) -> None:
    """Replace the fixture's identifiers with `ids`, ISBNs hyphenated as an author writes them."""
    path = folder / "publication.yaml"
    text = re.sub(r"identifiers:\n(  .*\n)+", "", path.read_text(encoding="utf-8"))
    block = "".join(f"  {key}: '{HYPHENATED.get(value, value)}'\n" for key, value in ids.items())
    path.write_text(text + (f"identifiers:\n{block}" if block else ""), encoding="utf-8")


def record_with(folder: Path, ids: dict[str, str]):
    write_identifiers(folder, ids)
    return Rendering(load_publication(folder)).record


def with_ror(affiliation: Affiliation, ror: str) -> Affiliation:
    return dataclasses.replace(affiliation, ror=ror.removeprefix("https://ror.org/"))


@pytest.fixture
def fixture_folder(tmp_path) -> Path:
    return copy_content(tmp_path, SLUG, FIXTURES / "epub-content")


@pytest.fixture
def record(fixture_folder):
    """The fixture's record with every identifier, an ORCID for the first author and a ROR id
    for her institute."""
    record = record_with(fixture_folder, ALL)
    first = record.creators[0]
    first = dataclasses.replace(first, orcid=ORCID.removeprefix("https://orcid.org/"), affiliations=(with_ror(first.affiliations[0], ROR),))
    return dataclasses.replace(record, creators=(first, *record.creators[1:]))


def text(element, path: str, ns: dict) -> list[str]:
    return [e.text for e in element.iterfind(path, ns)]


# ---------------------------------------------------------------------------------- ONIX 3.0

def onixcheck_messages(data: bytes, tmp_path: Path) -> list[str]:
    import onixcheck

    path = tmp_path / "message.onix.xml"
    path.write_bytes(data)
    return [str(m) for m in onixcheck.validate(str(path), schemas=("xsd", "rng"))]


def test_the_onix_message_is_valid_onix_3(record, tmp_path):
    data, notes = onix_message(record, PRINT_PAGES)
    assert notes == []
    assert etree.fromstring(data).get("release") == "3.0"
    assert onixcheck_messages(data, tmp_path) == []


@pytest.mark.parametrize("xpath, named", [
    ("o:Product/o:NotificationType", "NotificationType"),  # mandatory in every Product
    ("o:Header/o:Sender", "Sender"),  # mandatory in the Header
    ("o:Product/o:ProductIdentifier/o:IDValue", "IDValue"),  # an identifier without its value
])
def test_onixcheck_fails_a_message_without_a_mandatory_element(record, tmp_path, xpath, named):
    data, _ = onix_message(record, PRINT_PAGES)
    root = etree.fromstring(data)
    for element in root.xpath(xpath, namespaces=ONIX):
        element.getparent().remove(element)
    messages = onixcheck_messages(etree.tostring(root, xml_declaration=True, encoding="utf-8"), tmp_path)
    assert messages and any(named in m for m in messages), messages


def _products(data: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(data)
    return {p.findtext("o:DescriptiveDetail/o:ProductForm", namespaces=ONIX): p
            for p in root.iterfind("o:Product", ONIX)}


def test_the_print_book_and_the_ebook_each_with_its_isbn_name_each_other(record):
    products = _products(onix_message(record, PRINT_PAGES)[0])
    assert set(products) == {"BC", "ED"}  # paperback, digital download
    isbns = {form: text(p, "o:ProductIdentifier[o:ProductIDType='15']/o:IDValue", ONIX)
             for form, p in products.items()}
    assert isbns == {"BC": [PRINT_ISBN], "ED": [EBOOK_ISBN]}
    assert text(products["ED"], "o:DescriptiveDetail/o:ProductFormDetail", ONIX) == ["E101"]  # EPUB
    for form, sibling, codes in (("BC", EBOOK_ISBN, ["06", "27"]), ("ED", PRINT_ISBN, ["06", "13"])):
        related = products[form].find("o:RelatedMaterial/o:RelatedProduct", ONIX)
        assert text(related, "o:ProductRelationCode", ONIX) == codes
        assert text(related, "o:ProductIdentifier[o:ProductIDType='15']/o:IDValue", ONIX) == [sibling]
        assert text(products[form], "o:ProductIdentifier[o:ProductIDType='06']/o:IDValue", ONIX) == [DOI]
        assert text(products[form], "o:RecordReference", ONIX) == [f"urn:isbn:{isbns[form][0]}"]


def test_the_onix_product_describes_the_book_from_the_record(record):
    product = _products(onix_message(record, PRINT_PAGES)[0])["BC"]
    detail = product.find("o:DescriptiveDetail", ONIX)
    title = detail.find("o:TitleDetail[o:TitleType='01']/o:TitleElement[o:TitleElementLevel='01']", ONIX)
    assert text(title, "o:TitleText", ONIX) == [record.title] == ["Keeping the Lights On"]
    assert text(title, "o:Subtitle", ONIX) == [record.subtitle]
    series = detail.find("o:Collection[o:CollectionType='10']/o:TitleDetail/o:TitleElement", ONIX)
    assert text(series, "o:TitleElementLevel", ONIX) == ["02"]
    assert text(series, "o:TitleText", ONIX) == ["Energy Papers"] and text(series, "o:PartNumber", ONIX) == ["7"]
    people = [(text(c, "o:ContributorRole", ONIX), text(c, "o:PersonName", ONIX))
              for c in detail.iterfind("o:Contributor", ONIX)]
    assert people == [(["A01"], ["Maja Lindqvist"]), (["A01"], ["Li Wei"]), (["B01"], ["Erik Holm"])]
    first = detail.find("o:Contributor", ONIX)
    assert text(first, "o:KeyNames", ONIX) == ["Lindqvist"] and text(first, "o:NamesBeforeKey", ONIX) == ["Maja"]
    assert text(first, "o:PersonNameInverted", ONIX) == ["Lindqvist, Maja"]
    assert text(first, "o:NameIdentifier[o:NameIDType='21']/o:IDValue", ONIX) == ["0000000218250097"]  # ORCID
    assert text(first, "o:ProfessionalAffiliation/o:ProfessionalPosition", ONIX) == ["Senior Fellow"]
    assert text(first, "o:ProfessionalAffiliation/o:Affiliation", ONIX) == [
        "Nordic Institute for Energy Policy, Uppsala, Sweden"]
    assert text(detail, "o:Language[o:LanguageRole='01']/o:LanguageCode", ONIX) == ["eng"]  # from en-GB
    assert text(detail, "o:Extent/o:ExtentType", ONIX) == ["11"]
    assert text(detail, "o:Extent/o:ExtentValue", ONIX) == [str(PRINT_PAGES)]
    assert text(product, "o:CollateralDetail/o:TextContent[o:TextType='03']/o:Text", ONIX) == [record.description]
    publishing = product.find("o:PublishingDetail", ONIX)
    assert text(publishing, "o:Publisher[o:PublishingRole='01']/o:PublisherName", ONIX) == [
        "Nordic Institute for Energy Policy"]
    assert text(publishing, "o:PublishingDate[o:PublishingDateRole='01']/o:Date", ONIX) == ["20240314"]
    assert text(publishing, "o:Publisher/o:Website[o:WebsiteRole='01']/o:WebsiteLink", ONIX) == [record.website]
    assert text(publishing, "o:CityOfPublication", ONIX) == [record.publisher_place] == ["Uppsala, Sweden"]
    root = etree.fromstring(onix_message(record, PRINT_PAGES)[0])
    assert text(root, "o:Header/o:Sender/o:SenderName", ONIX) == ["Nordic Institute for Energy Policy"]
    assert text(root, "o:Header/o:SentDateTime", ONIX) == ["20240314"]  # the record's date, not the clock
    # The price is not Octavo's to know: ONIX's own way of saying so, and no Price.
    supply = product.find("o:ProductSupply/o:SupplyDetail", ONIX)
    assert text(supply, "o:UnpricedItemType", ONIX) == ["02"] and supply.find("o:Price", ONIX) is None


def test_the_ebook_gives_the_print_page_count_and_its_accessibility(record):
    from octavo.editions.epub import A11Y_CONFORMS_TO

    detail = _products(onix_message(record, PRINT_PAGES)[0])["ED"].find("o:DescriptiveDetail", ONIX)
    assert text(detail, "o:Extent/o:ExtentType", ONIX) == ["08"]  # pages in the print counterpart
    assert text(detail, "o:Extent/o:ExtentValue", ONIX) == [str(PRINT_PAGES)]
    accessibility = text(detail, "o:ProductFormFeature[o:ProductFormFeatureType='09']/o:ProductFormFeatureValue",
                         ONIX)
    assert A11Y_CONFORMS_TO == "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"  # what the codes below say
    assert {"04", "81", "85"} <= set(accessibility)  # EPUB Accessibility 1.1, WCAG 2.1, level AA


@pytest.mark.parametrize("date, codes", [("2024-03-14", ["03", "04", "20"]),  # published: active, available
                                         ("2030-01-01", ["02", "02", "10"])])  # forthcoming, not yet available
def test_the_status_follows_the_publication_date(record, date, codes):
    import datetime as dt

    data, _ = onix_message(dataclasses.replace(record, date=dt.date.fromisoformat(date)), PRINT_PAGES)
    for product in _products(data).values():
        assert [text(product, path, ONIX)[0] for path in (
            "o:NotificationType", "o:PublishingDetail/o:PublishingStatus",
            "o:ProductSupply/o:SupplyDetail/o:ProductAvailability")] == codes


def test_without_a_page_count_there_is_no_extent(record):
    for product in _products(onix_message(record, None)[0]).values():
        assert product.find("o:DescriptiveDetail/o:Extent", ONIX) is None


def test_a_product_without_its_isbn_is_left_out_with_a_note(fixture_folder, tmp_path):
    record = record_with(fixture_folder, {"print_isbn": PRINT_ISBN, "doi": DOI})
    data, notes = onix_message(record, PRINT_PAGES)
    products = _products(data)
    assert set(products) == {"BC"} and products["BC"].find("o:RelatedMaterial", ONIX) is None
    assert notes == ["ONIX: the e-book is left out: the publication has no ebook_isbn "
                     "(add it under 'identifiers:' in publication.yaml)"]
    assert onixcheck_messages(data, tmp_path) == []
    data, notes = onix_message(dataclasses.replace(record, identifiers={}), PRINT_PAGES)
    assert data is None and len(notes) == 3 and "no ONIX message" in notes[-1]


def test_a_corporate_contributor_is_a_corporate_name(record, tmp_path):
    house = dataclasses.replace(record.editors[0], name="Nordic Institute for Energy Policy", corporate=True,
                                affiliations=())
    data, _ = onix_message(dataclasses.replace(record, editors=(house,)), PRINT_PAGES)
    editor = _products(data)["BC"].find("o:DescriptiveDetail/o:Contributor[o:ContributorRole='B01']", ONIX)
    assert text(editor, "o:CorporateName", ONIX) == ["Nordic Institute for Energy Policy"]
    assert editor.find("o:PersonName", ONIX) is None
    assert onixcheck_messages(data, tmp_path) == []


@pytest.mark.parametrize("tag, code", [("en-GB", "eng"), ("de", "ger"), ("fr", "fre"), ("zh-Hans", "chi"),
                                       ("zh-Hant", "chi"), ("ko", "kor"), ("ja", "jpn"), ("sv", "swe"),
                                       ("xx", "und")])
def test_the_language_as_iso_639_2_b(tag, code):
    assert iso639_2b(tag) == code


# ---------------------------------------------------------------------------------- MARC 21

@pytest.fixture(scope="module")
def marcxml_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "MARC21slim.xsd")))


def test_the_marc_records_are_valid_marcxml(record, marcxml_schema):
    root = etree.fromstring(marc_collection(record, PRINT_PAGES))
    assert marcxml_schema.validate(root), marcxml_schema.error_log
    assert len(root.findall("marc:record", MARC)) == 2


@pytest.mark.parametrize("change, named", [
    (lambda root: root.find(".//marc:leader", MARC).getparent().remove(root.find(".//marc:leader", MARC)),
     "controlfield"),  # no leader: the schema expects it before the first control field
    (lambda root: root.find(".//marc:datafield", MARC).attrib.pop("ind1"), "ind1"),
    (lambda root: root.find(".//marc:controlfield", MARC).set("tag", "1"), "tag"),
])
def test_the_marcxml_schema_fails_a_broken_record(record, marcxml_schema, change, named):
    root = etree.fromstring(marc_collection(record, PRINT_PAGES))
    change(root)
    assert not marcxml_schema.validate(root)
    assert named in str(marcxml_schema.error_log)


def _marc_records(data: bytes):
    from pymarc import parse_xml_to_array

    return parse_xml_to_array(io.BytesIO(data))


def _sub(marc, tag: str, code: str) -> list[str]:
    return [v for f in marc.get_fields(tag) for v in f.get_subfields(code)]


def test_a_correction_changes_marc_005_but_not_the_date_entered_on_file(record, monkeypatch):
    """008/00-05 is the day the record was first made; a corrected version (a later modification
    date) changes 005, the latest transaction, only (a catalogue would take it for a new record)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = _marc_records(marc_collection(record, PRINT_PAGES))[0]
    corrected = _marc_records(marc_collection(dataclasses.replace(record, modified="2024-06-01"), PRINT_PAGES))[0]
    assert corrected["008"].data[:6] == first["008"].data[:6] == record.date.strftime("%y%m%d")
    assert corrected["005"].data == "20240601000000.0" != first["005"].data


def test_the_marc_records_read_back_with_pymarc(record):
    data = marc_collection(record, PRINT_PAGES)
    printed, ebook = _marc_records(data)
    for marc in (printed, ebook):
        leader = str(marc.leader)
        assert leader[6:8] == "am" and leader[9] == "a" and leader[18] == "i"  # language material, monograph
        assert leader[17] == "7" and marc.get_fields("040") == []  # a publisher's minimal-level record
        assert marc["005"].data == "20240314000000.0"
        assert marc["008"].data[6:11] == "s2024" and marc["008"].data[15:17] == "xx"
        assert _sub(marc, "336", "a") == ["text"]
        assert int(leader[:5]) == len(marc.as_marc())  # the ISO 2709 record length it claims
        assert marc["008"].data[35:38] == "eng" and _sub(marc, "041", "a") == ["eng"]
        assert _sub(marc, "024", "a") == [DOI] and _sub(marc, "024", "2") == ["doi"]
        assert marc["024"].indicators[0] == "7"
        main_entry = marc["100"]
        assert main_entry.indicators[0] == "1"
        assert main_entry.get_subfields("a") == ["Lindqvist, Maja,"]
        assert main_entry.get_subfields("u") == ["Senior Fellow, Nordic Institute for Energy Policy, Uppsala, Sweden."]
        title = marc["245"]
        assert list(title.indicators) == ["1", "0"]  # a main entry; no initial article
        assert title.get_subfields("a", "b", "c") == [
            "Keeping the Lights On :", "Grid Resilience in the Nordic and Baltic Region /",
            "Maja Lindqvist, Li Wei ; Erik Holm, editor."]
        assert marc["264"].indicators[1] == "1"
        assert marc["264"].get_subfields("a", "b", "c") == ["Uppsala, Sweden :", "Nordic Institute for Energy Policy,",
                                                            "2024."]
        assert _sub(marc, "490", "a") == ["Energy Papers ;"] and _sub(marc, "490", "v") == ["7"]
        assert _sub(marc, "520", "a") == [record.description]
        assert [(f.get_subfields("a")[0], f.get_subfields("e")[0]) for f in marc.get_fields("700")] == [
            ("Li, Wei,", "author,"), ("Holm, Erik,", "editor,")]
    assert _sub(printed, "020", "a") == [PRINT_ISBN] and _sub(printed, "020", "q") == ["paperback"]
    assert _sub(printed, "776", "z") == [EBOOK_ISBN] and _sub(printed, "300", "a") == ["24 pages."]
    assert _sub(printed, "338", "a") == ["volume"] and printed["856"].indicators[1] == "1"  # a version online
    assert _sub(printed, "337", "a") == ["unmediated"] and printed.get_fields("006", "007") == []
    assert printed["001"].data == f"urn:isbn:{PRINT_ISBN}" and ebook["001"].data == f"urn:isbn:{EBOOK_ISBN}"
    assert ebook["006"].data[0] == "m" and _sub(ebook, "337", "a") == ["computer"]
    assert _sub(ebook, "020", "a") == [EBOOK_ISBN] and _sub(ebook, "776", "z") == [PRINT_ISBN]
    assert ebook["008"].data[23] == "o" and ebook["007"].data.startswith("cr")  # online, remote
    assert _sub(ebook, "300", "a") == ["1 online resource (24 pages)."]
    assert _sub(ebook, "338", "a") == ["online resource"] and _sub(ebook, "347", "b") == ["EPUB"]
    assert _sub(ebook, "856", "u") == [f"https://doi.org/{DOI}", PAPER_URL] and ebook["856"].indicators[1] == "0"


@pytest.mark.parametrize("ids", [{}, {"doi": DOI}], ids=["no identifier", "a DOI only"])
def test_the_print_and_ebook_records_never_share_a_control_number(fixture_folder, ids):
    """Issue 24: without ISBNs both records took the publication's one URI as their 001, and a
    catalogue merges two records with one control number. Each gets a UUID of its own, the
    same every build; with ISBNs each keeps its ISBN (above)."""
    record = record_with(fixture_folder, ids)
    printed, ebook = _marc_records(marc_collection(record, PRINT_PAGES))
    assert printed["001"].data != ebook["001"].data
    assert all(m["001"].data.startswith("urn:uuid:") for m in (printed, ebook))
    again = _marc_records(marc_collection(record_with(fixture_folder, ids), PRINT_PAGES))
    assert [m["001"].data for m in again] == [printed["001"].data, ebook["001"].data]


def test_the_dublin_core_record_gives_each_identifier_once(fixture_folder):
    """Issue 24: the DOI, which is also the publication's identifier, was written twice."""
    from octavo.archive import dublin_core

    root = etree.fromstring(dublin_core(record_with(fixture_folder, ALL), []))
    identifiers = [e.text for e in root.iterfind("{http://purl.org/dc/elements/1.1/}identifier")]
    assert len(identifiers) == len(set(identifiers)) and f"https://doi.org/{DOI}" in identifiers, identifiers
    assert f"urn:isbn:{PRINT_ISBN.replace('-', '')}" in identifiers or any(PRINT_ISBN.replace("-", "") in i
                                                                           for i in identifiers), identifiers


def test_a_corporate_body_and_a_title_with_an_article(marcxml_schema):
    """The seed's editor is a corporate body (710); a title starting 'The ' is filed without it."""
    record = Rendering(load_publication(CONTENT / SEED_SLUG)).record
    printed, _ = _marc_records(marc_collection(record, None))
    assert printed["710"].indicators[0] == "2"
    assert printed["710"].get_subfields("a", "e") == ["Institute for Security and Development Policy,", "editor."]
    assert printed["245"].get_subfields("a") == ["Breaking Deadlock on the Korean Peninsula? :"]
    assert printed.get_fields("020") == [] and _sub(printed, "300", "a") == ["1 volume."]  # a 490 follows
    assert _sub(printed, "490", "a") == ["Focus Asia"] and _sub(printed, "490", "v") == []  # a series with no number
    the = dataclasses.replace(record, title="The Deadlock")
    assert list(_marc_records(marc_collection(the, None))[0]["245"].indicators) == ["1", "4"]
    corporate_author = dataclasses.replace(record.editors[0], role="author")
    root = etree.fromstring(marc_collection(dataclasses.replace(record, creators=(corporate_author,), editors=()),
                                            None))
    assert marcxml_schema.validate(root), marcxml_schema.error_log
    assert _marc_records(etree.tostring(root))[0]["110"].get_subfields("e") == ["author."]


# --------------------------------------------------------------------------- Crossref deposit

class _CrossrefImports(etree.Resolver):
    """Crossref's schema imports JATS and MathML: the tests' stand-ins (tests/fixtures/schemas/README.md)."""

    STANDINS = {"JATS-journalpublishing1-3d2-mathml3.xsd": "jats-abstract-standin.xsd",
                "mathml3/mathml3.xsd": "mathml-math-standin.xsd"}

    def resolve(self, url, pubid, context):
        for name, standin in self.STANDINS.items():
            if url.endswith(name):
                return self.resolve_filename(str(SCHEMAS / "crossref" / standin), context)
        if url.startswith(("http:", "https:")):
            raise AssertionError(f"the Crossref schema reached for the network: {url}")
        return None


@pytest.fixture(scope="module")
def crossref_schema():
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_CrossrefImports())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "crossref" / "crossref5.3.1.xsd"), parser))


def test_the_crossref_deposit_is_valid_against_crossrefs_schema(record, crossref_schema):
    data, notes = crossref_deposit(record)
    root = etree.fromstring(data)
    assert crossref_schema.validate(root), crossref_schema.error_log
    assert root.get("version") == "5.3.1"
    assert root.find("cr:body/cr:report-paper/cr:report-paper_metadata", CR) is not None
    assert notes == [f"Crossref: the deposit names the depositor's e-mail as {NO_EMAIL}, an address that cannot "
                     "receive mail: add 'email:' to publisher.yaml (the address that should receive Crossref's "
                     "submission log)"]


@pytest.mark.parametrize("xpath, named", [
    ("//cr:report-paper_metadata/cr:titles", "titles"),  # required
    ("//cr:doi_data/cr:resource", "resource"),  # a DOI must resolve somewhere
    ("//cr:head/cr:doi_batch_id", "doi_batch_id"),
    ("//cr:person_name/cr:surname", "surname"),
])
def test_crossrefs_schema_fails_a_deposit_without_a_required_element(record, crossref_schema, xpath, named):
    root = etree.fromstring(crossref_deposit(record)[0])
    for element in root.xpath(xpath, namespaces=CR):
        element.getparent().remove(element)
    assert not crossref_schema.validate(root)
    assert named in str(crossref_schema.error_log)


def test_a_malformed_orcid_fails_crossrefs_schema(record, crossref_schema):
    root = etree.fromstring(crossref_deposit(record)[0])
    root.find(".//cr:ORCID", CR).text = "0000-0002-1825-0097"  # the iD without https://orcid.org/
    assert not crossref_schema.validate(root) and "ORCID" in str(crossref_schema.error_log)


def test_the_deposit_names_contributors_with_orcid_and_ror(record):
    paper = etree.fromstring(crossref_deposit(record)[0]).find(".//cr:report-paper_metadata", CR)
    people = paper.findall("cr:contributors/cr:person_name", CR)
    assert [(p.get("sequence"), p.get("contributor_role"), p.findtext("cr:surname", namespaces=CR))
            for p in people] == [("first", "author", "Lindqvist"), ("additional", "author", "Li"),
                                 ("additional", "editor", "Holm")]
    assert people[1].get("name-style") == "eastern" and people[1].findtext("cr:given_name", namespaces=CR) == "Wei"
    assert text(people[0], "cr:ORCID", CR) == [ORCID] and people[1].find("cr:ORCID", CR) is None
    institution = people[0].find("cr:affiliations/cr:institution", CR)
    assert text(institution, "cr:institution_name", CR) == ["Nordic Institute for Energy Policy"]
    assert text(institution, "cr:institution_id[@type='ror']", CR) == [ROR]
    assert text(institution, "cr:institution_place", CR) == ["Uppsala, Sweden"]
    assert text(paper, "cr:titles/cr:title", CR) == [record.title]
    assert text(paper, "cr:titles/cr:subtitle", CR) == [record.subtitle]
    assert text(paper, "jats:abstract/jats:p", CR) == [record.description]
    assert [text(paper, f"cr:publication_date/cr:{part}", CR)[0] for part in ("year", "month", "day")] == [
        "2024", "03", "14"]
    assert text(paper, "cr:isbn[@media_type='print']", CR) == [PRINT_ISBN]
    assert text(paper, "cr:isbn[@media_type='electronic']", CR) == [EBOOK_ISBN]
    assert text(paper, "cr:publisher/cr:publisher_name", CR) == ["Nordic Institute for Energy Policy"]
    assert text(paper, "cr:publisher/cr:publisher_place", CR) == ["Uppsala, Sweden"]
    assert text(paper, "cr:publisher_item/cr:identifier[@id_type='report-number']", CR) == [record.series]
    assert text(paper, "cr:doi_data/cr:doi", CR) == [DOI] and text(paper, "cr:doi_data/cr:resource", CR) == [PAPER_URL]


def test_a_corporate_author_is_an_organization(record, crossref_schema):
    house = dataclasses.replace(record.creators[0], name="Nordic Institute for Energy Policy", corporate=True)
    root = etree.fromstring(crossref_deposit(dataclasses.replace(record, creators=(house,)))[0])
    assert crossref_schema.validate(root), crossref_schema.error_log
    organization = root.find(".//cr:contributors/cr:organization", CR)
    assert (organization.text, organization.get("sequence"), organization.get("contributor_role")) == (
        "Nordic Institute for Energy Policy", "first", "author")


def test_the_head_is_reproducible_and_follows_the_modification_time(fixture_folder, monkeypatch):
    first = etree.fromstring(crossref_deposit(record_with(fixture_folder, ALL))[0])
    again = etree.fromstring(crossref_deposit(record_with(fixture_folder, ALL))[0])
    assert etree.tostring(first) == etree.tostring(again)  # no clock in it
    assert text(first, "cr:head/cr:timestamp", CR) == ["20240314000000"]  # the publication date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z: a corrected record
    later = etree.fromstring(crossref_deposit(record_with(fixture_folder, ALL))[0])
    assert text(later, "cr:head/cr:timestamp", CR) == ["20260101000000"]
    assert text(later, "cr:head/cr:doi_batch_id", CR) != text(first, "cr:head/cr:doi_batch_id", CR)


def test_no_doi_no_deposit_and_the_website_when_there_is_no_page(fixture_folder):
    record = record_with(fixture_folder, {"print_isbn": PRINT_ISBN})
    assert crossref_deposit(record) == (None, [
        "Crossref: no deposit: the publication has no DOI (add 'doi:' under 'identifiers:' in "
        "publication.yaml to register one)"])
    data, notes = crossref_deposit(record_with(fixture_folder, {"doi": DOI}))
    assert text(etree.fromstring(data), ".//cr:doi_data/cr:resource", CR) == ["https://niep.example.org"]
    assert notes[0].startswith("Crossref: the DOI will resolve to the publisher's website https://niep.example.org")
    nowhere = dataclasses.replace(record_with(fixture_folder, {"doi": DOI}), website=None)
    data, notes = crossref_deposit(nowhere)
    assert data is None and notes[0].startswith("Crossref: no deposit: the DOI needs a web page to resolve to")


# ------------------------------------------------------------------------------ in the bag

def _archive(folder: Path, out: Path) -> str:
    notes = io.StringIO()
    with contextlib.redirect_stderr(notes):
        assert main(["archive", str(folder), "--out", str(out)]) == 0
    return notes.getvalue()


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """The fixture with an ISBN, a DOI and a page URL, archived through the command line."""
    tmp = tmp_path_factory.mktemp("distribution-bag")
    folder = copy_content(tmp, SLUG, FIXTURES / "epub-content")
    write_identifiers(folder, ALL)
    out = tmp / "build"
    return folder, out, _archive(folder, out)


def test_archive_puts_the_distribution_files_in_the_bag_and_in_build(archived, crossref_schema, marcxml_schema):
    folder, out, notes = archived
    bag = out / f"{SLUG}.bag"
    listed = {line.split(maxsplit=1)[1] for line in (bag / "manifest-sha256.txt").read_text().splitlines()}
    for fmt in FORMATS:
        in_bag = bag / "data" / "metadata" / fmt.bag_name
        assert f"data/metadata/{fmt.bag_name}" in listed, fmt.name  # the manifest covers it
        assert in_bag.read_bytes() == (out / f"{SLUG}{fmt.suffix}").read_bytes(), fmt.name
    assert "valid bag" in verify_bag(bag)
    assert crossref_schema.validate(etree.parse(str(out / f"{SLUG}.crossref.xml")))
    assert marcxml_schema.validate(etree.parse(str(out / f"{SLUG}.marc.xml")))
    # The print edition was built, so the products carry its page count.
    pages = len(__import__("pypdfium2").PdfDocument(bag / "data" / "editions" / f"{SLUG}.print.pdf"))
    extents = etree.parse(str(out / f"{SLUG}.onix.xml")).xpath("//o:Extent/o:ExtentValue/text()", namespaces=ONIX)
    assert extents and set(extents) == {str(pages)}
    assert f"note: Crossref: the deposit names the depositor's e-mail as {NO_EMAIL}" in notes


def test_a_file_the_publication_can_no_longer_have_leaves_build_and_the_bag(archived, tmp_path):
    folder, out, _ = archived
    copy = copy_content(tmp_path, SLUG, folder.parent)
    write_identifiers(copy, {})  # no ISBN, no DOI: MARC records only
    build = tmp_path / "build"
    build.mkdir()
    for fmt in FORMATS:  # what the last archive left
        (build / f"{SLUG}{fmt.suffix}").write_bytes((out / f"{SLUG}{fmt.suffix}").read_bytes())
    notes = _archive(copy, build)
    assert sorted(p.name for p in (build / f"{SLUG}.bag" / "data" / "metadata").iterdir()) == [
        "dublin-core.xml", "formats.csv", "marc.xml"]
    assert not (build / f"{SLUG}.onix.xml").exists() and not (build / f"{SLUG}.crossref.xml").exists()
    assert (build / f"{SLUG}.marc.xml").is_file()
    assert "note: Crossref: no deposit: the publication has no DOI" in notes
    assert "note: ONIX: no product has an ISBN, so no ONIX message is written" in notes


# ----------------------------------------------------------- the second publication (issue 11)

def test_the_second_publications_distribution_files_are_valid(distribution_build, tmp_path,
                                                             crossref_schema, marcxml_schema):
    """Done when: the independent publication with every identifier passes onixcheck, and its
    MARC records and Crossref deposit their schemas; its independent author (no affiliation)
    and its ORCID reach them."""
    from octavo.distribution import distribution_files, print_page_count

    files = {f.format.name: f for f in distribution_files(distribution_build.record,
                                                            print_page_count(distribution_build.outputs))}
    onix = files["onix"]
    assert onixcheck_messages(onix.content, tmp_path) == []
    products = etree.fromstring(onix.content).findall("o:Product", ONIX)
    isbns = [p.findtext("o:ProductIdentifier[o:ProductIDType='15']/o:IDValue", None, ONIX) for p in products]
    assert isbns == ["9789189000049", "9789189000056"]
    marc = etree.fromstring(files["marc"].content)
    assert marcxml_schema.validate(marc)
    deposit = etree.fromstring(files["crossref"].content)
    assert crossref_schema.validate(deposit), crossref_schema.error_log
    dahl = next(p for p in deposit.iterfind(".//cr:person_name", CR) if p.findtext("cr:surname", None, CR) == "Dahl")
    assert dahl.findtext("cr:ORCID", None, CR) == "https://orcid.org/0000-0002-1825-0097"
    assert dahl.find("cr:affiliations", CR) is None  # an independent author: no affiliation invented


def test_the_house_email_is_the_crossref_depositor(distribution_build):
    from octavo.distribution.crossref import crossref_deposit

    data, notes = crossref_deposit(distribution_build.record)
    assert etree.fromstring(data).findtext(".//cr:depositor/cr:email_address", None, CR) == "publications@fmca.example.org"
    assert not any("depositor" in n for n in notes)


def test_a_corrected_papers_deposit_tells_crossmark_of_each_correction(record, crossref_schema):
    """Issue 24: with the house's Crossmark policy, the deposit of a corrected version names the
    policy and each correction as an update of the DOI itself, with its day; valid against
    Crossref's schema. Without a policy, the deposit says nothing of it and a note says why."""
    import datetime as dt

    from octavo.model import Correction

    corrections = (Correction(dt.date(2024, 3, 1), "A figure in table 1 was corrected.", 2),)
    corrected = dataclasses.replace(record, version=2, corrections=corrections, crossmark_policy="10.5555/crossmark-policy")
    data, notes = crossref_deposit(corrected)
    root = etree.fromstring(data)
    assert crossref_schema.validate(root), crossref_schema.error_log
    crossmark = root.find(".//cr:report-paper_metadata/cr:crossmark", CR)
    assert crossmark.findtext("cr:crossmark_policy", namespaces=CR) == "10.5555/crossmark-policy"
    [update] = crossmark.findall("cr:updates/cr:update", CR)
    assert (update.get("type"), update.get("date"), update.text) == ("correction", "2024-03-01", record.identifiers["doi"])
    assert not any("Crossmark" in n for n in notes)
    # The check can fail: an update type Crossref does not know.
    update.set("type", "typo")
    assert not crossref_schema.validate(root) and "type" in str(crossref_schema.error_log)
    _, notes = crossref_deposit(dataclasses.replace(corrected, crossmark_policy=None))
    assert any("does not tell Crossmark of the paper's 1 correction(s): add 'crossmark_policy:'" in n for n in notes)


def test_a_crossmark_policy_that_is_not_a_doi_is_refused(fixture_folder, tmp_path):
    import shutil

    from octavo.errors import ContentError
    from octavo.model import load_publisher

    content = tmp_path / "house"
    content.mkdir()
    shutil.copy(fixture_folder.parent / "publisher.yaml", content / "publisher.yaml")
    with open(content / "publisher.yaml", "a", encoding="utf-8") as house:
        house.write("crossmark_policy: our policy page\n")
    with pytest.raises(ContentError, match="crossmark_policy 'our policy page' is not a DOI"):
        load_publisher(content)

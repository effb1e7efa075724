"""ONIX for Books 3.0: the product records a retailer or an aggregator ingests.

One ONIXMessage (reference tags) with a Product for the print book
(ProductForm BC, paperback) and one for the e-book (ProductForm ED, detail
E101 EPUB), each identified by its own ISBN-13 and naming the other as a
RelatedProduct. The codes are EDItEUR's code lists (issue 75, bundled in
onixcheck's schema): each constant below names its list.

What Octavo cannot know it says the way ONIX does: no price is known, so
each product's SupplyDetail carries UnpricedItemType 02 ("price to be
announced") instead of a Price; no subject scheme (BISAC, Thema) is known, so
there is no Subject. A product whose ISBN is not given is left out, with a
note; with neither ISBN there is no ONIX message at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..identifiers import isbn_compact
from ..metadata import Record
from ..model import Contributor
from .common import ISBN_KINDS, doi, iso639_2b, isbn, modified, name_parts, orcid, people, published

ONIX_NS = "http://ns.editeur.org/onix/3.0/reference"

ISBN_13 = "15"  # List 5, product identifier type
DOI = "06"  # List 5
NOTIFICATION = {True: "03", False: "02"}  # List 1: confirmed on publication / advance notification
STATUS = {True: "04", False: "02"}  # List 64: active / forthcoming
AVAILABILITY = {True: "20", False: "10"}  # List 65: available / not yet available
SINGLE_COMPONENT = "00"  # List 2
DISTINCTIVE_TITLE = "01"  # List 15
PRODUCT_LEVEL, COLLECTION_LEVEL = "01", "02"  # List 149
PUBLISHER_COLLECTION = "10"  # List 148
ROLES = {"author": "A01", "editor": "B01", "translator": "B06"}  # List 17: by (author) / edited by / translated by
ORCID = "21"  # List 44
LANGUAGE_OF_TEXT, ORIGINAL_LANGUAGE = "01", "02"  # List 22: language of text / original language of a translation
# List 164: derived from via translation / related work is derived from this via translation; List 16
# (work identifier type): DOI, ISBN-13. List 51: is other-language version of.
TRANSLATION_OF, TRANSLATED_AS = "29", "49"
WORK_DOI, WORK_ISBN_13 = "06", "15"
OTHER_LANGUAGE_VERSION = "11"
PAGES = "03"  # List 24
DESCRIPTION = "03"  # List 153
UNRESTRICTED = "00"  # List 154
PUBLISHER = "01"  # List 45
PUBLISHER_WEBSITE = "01"  # List 73: publisher's corporate website
PUBLICATION_DATE = "01"  # List 163
PUBLISHER_TO_RESELLERS = "01"  # List 93
PRICE_TO_BE_ANNOUNCED = "02"  # List 57
E_PUBLICATION_ACCESSIBILITY = "09"  # List 79

# The EPUB edition's accessibility claim (editions/epub.py, A11Y_CONFORMS_TO) in List 196's
# codes: EPUB Accessibility 1.1, WCAG 2.1, WCAG level AA. If the EPUB's claim changes, this
# table must say what it is in ONIX (epub_accessibility raises until it does).
CONFORMANCE_CODES = {"EPUB Accessibility 1.1 - WCAG 2.1 Level AA": ("04", "81", "85")}
# What every Octavo EPUB has (editions/epub.py, _add_accessibility), as List 196 codes: table of
# contents navigation, a single logical reading order, short alternative text for every image,
# next/previous structural navigation (headings), text whose appearance the reader can change.
FEATURE_CODES = ("11", "13", "14", "29", "36")


@dataclass(frozen=True)
class ProductKind:
    name: str  # what a note calls it
    form: str  # List 150
    form_detail: str | None  # List 175
    extent_type: str  # List 23
    relations: tuple[str, ...]  # List 51: how this product relates to its sibling
    identifier_key: str  # the publication.yaml key that gives its ISBN


PRODUCTS = {
    # 11 content page count: every page of the print edition; 27: the sibling is its e-book.
    "print": ProductKind("print book", "BC", None, "11", ("06", "27"), "print_isbn"),
    # 08 pages in the print counterpart; 13: an e-publication based on the sibling, the print
    # book, which is also the source of its page list (EPUB page-list: the print pages).
    "ebook": ProductKind("e-book", "ED", "E101", "08", ("06", "13"), "ebook_isbn"),
}


def onix_message(record: Record, print_pages: int | None) -> tuple[bytes | None, list[str]]:
    """The ONIX message for the products that have an ISBN, and notes on those left out."""
    notes = [f"ONIX: the {PRODUCTS[kind].name} is left out: the publication has no "
             f"{PRODUCTS[kind].identifier_key} (add it under 'identifiers:' in publication.yaml)"
             for kind in ISBN_KINDS if not isbn(record, kind)]
    kinds = [kind for kind in ISBN_KINDS if isbn(record, kind)]
    if not kinds:
        return None, notes + ["ONIX: no product has an ISBN, so no ONIX message is written"]
    root = etree.Element(f"{{{ONIX_NS}}}ONIXMessage", nsmap={None: ONIX_NS}, release="3.0")
    _header(root, record)
    for kind in kinds:
        _product(root, record, kind, print_pages)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True), notes


def _add(parent, tag: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{ONIX_NS}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def related_works(record: Record) -> list[tuple[str, str, str]]:
    """(WorkRelationCode, WorkIDType, IDValue) of the original a translation is derived from,
    and of each translation of this publication known by a DOI."""
    works = []
    original = record.translation_of
    if original and (original.doi or original.isbn):
        works.append((TRANSLATION_OF, WORK_DOI, original.doi) if original.doi
                     else (TRANSLATION_OF, WORK_ISBN_13, isbn_compact(original.isbn)))
    works += [(TRANSLATED_AS, WORK_DOI, doi) for _, _, _, doi in record.translations if doi]
    return works


def _coded(parent, tag: str, children: list[tuple[str, str]]):
    """A composite of coded elements: [('ProductIDType', '15'), ('IDValue', '978...')]."""
    element = _add(parent, tag)
    for child, text in children:
        _add(element, child, text)
    return element


def onix_date(record: Record) -> str:
    """SentDateTime: the record's modification time, never the clock (same content, same bytes)."""
    moment = modified(record)
    return moment.strftime("%Y%m%dT%H%M%SZ") if "T" in record.modified else moment.strftime("%Y%m%d")


def _header(root, record: Record) -> None:
    header = _add(root, "Header")
    _coded(header, "Sender", [("SenderName", record.publisher)])
    _add(header, "SentDateTime", onix_date(record))
    _add(header, "DefaultLanguageOfText", iso639_2b(record.language))


def _product(root, record: Record, kind: str, print_pages: int | None) -> None:
    spec = PRODUCTS[kind]
    own = isbn(record, kind)
    product = _add(root, "Product")
    _add(product, "RecordReference", f"urn:isbn:{own}")  # unique and stable: the product's ISBN
    _add(product, "NotificationType", NOTIFICATION[published(record)])
    _coded(product, "ProductIdentifier", [("ProductIDType", ISBN_13), ("IDValue", own)])
    if doi(record):
        _coded(product, "ProductIdentifier", [("ProductIDType", DOI), ("IDValue", doi(record))])
    _descriptive_detail(product, record, spec, print_pages)
    collateral = _add(product, "CollateralDetail")
    _coded(collateral, "TextContent", [("TextType", DESCRIPTION), ("ContentAudience", UNRESTRICTED),
                                       ("Text", record.description)])
    _publishing_detail(product, record)
    sibling = next((isbn(record, k) for k in ISBN_KINDS if k != kind), None)
    works = related_works(record)
    original_isbn = record.translation_of.isbn if record.translation_of else None
    if sibling or works or original_isbn:
        material = _add(product, "RelatedMaterial")
        for code, id_type, value in works:  # RelatedWork comes before RelatedProduct (ONIX 3.0, P.23)
            work = _add(material, "RelatedWork")
            _add(work, "WorkRelationCode", code)
            _coded(work, "WorkIdentifier", [("WorkIDType", id_type), ("IDValue", value)])
        if sibling:
            related = _add(material, "RelatedProduct")
            for code in spec.relations:
                _add(related, "ProductRelationCode", code)
            _coded(related, "ProductIdentifier", [("ProductIDType", ISBN_13), ("IDValue", sibling)])
        if original_isbn:
            related = _add(material, "RelatedProduct")
            _add(related, "ProductRelationCode", OTHER_LANGUAGE_VERSION)
            _coded(related, "ProductIdentifier", [("ProductIDType", ISBN_13), ("IDValue", isbn_compact(original_isbn))])
    supply = _add(_add(product, "ProductSupply"), "SupplyDetail")
    _coded(supply, "Supplier", [("SupplierRole", PUBLISHER_TO_RESELLERS), ("SupplierName", record.publisher)])
    _add(supply, "ProductAvailability", AVAILABILITY[published(record)])
    _add(supply, "UnpricedItemType", PRICE_TO_BE_ANNOUNCED)  # the price is not Octavo's to know


def _descriptive_detail(product, record: Record, spec: ProductKind, print_pages: int | None) -> None:
    detail = _add(product, "DescriptiveDetail")
    _add(detail, "ProductComposition", SINGLE_COMPONENT)
    _add(detail, "ProductForm", spec.form)
    if spec.form_detail:
        _add(detail, "ProductFormDetail", spec.form_detail)
    if spec.form == "ED":
        for code in epub_accessibility():
            _coded(detail, "ProductFormFeature", [("ProductFormFeatureType", E_PUBLICATION_ACCESSIBILITY),
                                                  ("ProductFormFeatureValue", code)])
    if record.series_name:
        _collection(detail, record)
    title = _add(detail, "TitleDetail")
    _add(title, "TitleType", DISTINCTIVE_TITLE)
    element = _add(title, "TitleElement")
    _add(element, "TitleElementLevel", PRODUCT_LEVEL)
    _add(element, "TitleText", record.title)
    if record.subtitle:
        _add(element, "Subtitle", record.subtitle)
    for number, contributor in enumerate(people(record), start=1):
        _contributor(detail, contributor, number)
    _coded(detail, "Language", [("LanguageRole", LANGUAGE_OF_TEXT), ("LanguageCode", iso639_2b(record.language))])
    if record.translation_of:
        _coded(detail, "Language", [("LanguageRole", ORIGINAL_LANGUAGE),
                                    ("LanguageCode", iso639_2b(record.translation_of.language))])
    if print_pages:
        _coded(detail, "Extent", [("ExtentType", spec.extent_type), ("ExtentValue", str(print_pages)),
                                  ("ExtentUnit", PAGES)])


def epub_accessibility() -> tuple[str, ...]:
    from ..editions.epub import A11Y_CONFORMS_TO

    if A11Y_CONFORMS_TO not in CONFORMANCE_CODES:
        raise KeyError(f"the EPUB claims '{A11Y_CONFORMS_TO}': add its List 196 codes to "
                       "CONFORMANCE_CODES in distribution/onix.py")
    return CONFORMANCE_CODES[A11Y_CONFORMS_TO] + FEATURE_CODES


def _collection(detail, record: Record) -> None:
    """The series as a publisher collection; its number is the product's part number in it."""
    collection = _add(detail, "Collection")
    _add(collection, "CollectionType", PUBLISHER_COLLECTION)
    title = _add(collection, "TitleDetail")
    _add(title, "TitleType", DISTINCTIVE_TITLE)
    element = _add(title, "TitleElement")
    _add(element, "TitleElementLevel", COLLECTION_LEVEL)
    if record.series_number:
        _add(element, "PartNumber", record.series_number)
    _add(element, "TitleText", record.series_name)


def _contributor(detail, c: Contributor, number: int) -> None:
    element = _add(detail, "Contributor")
    _add(element, "SequenceNumber", str(number))
    _add(element, "ContributorRole", ROLES[c.role])
    if c.corporate:
        _add(element, "CorporateName", c.name)
        return
    if orcid(c):  # List 44: the sixteen digits, hyphens omitted
        _coded(element, "NameIdentifier", [("NameIDType", ORCID),
                                           ("IDValue", orcid(c).rsplit("/", 1)[-1].replace("-", ""))])
    given, family = name_parts(c)
    _add(element, "PersonName", c.name)
    _add(element, "PersonNameInverted", c.sort_name)
    if given:
        _add(element, "NamesBeforeKey", given)
    _add(element, "KeyNames", family)
    positions = [c.position] if c.position else []
    for affiliation in c.affiliations or ((None,) if positions else ()):
        professional = _add(element, "ProfessionalAffiliation")
        for position in positions:
            _add(professional, "ProfessionalPosition", position)
        if affiliation is not None:
            _add(professional, "Affiliation", affiliation.text)
        positions = []  # the position is held at the first affiliation


def _publishing_detail(product, record: Record) -> None:
    detail = _add(product, "PublishingDetail")
    publisher = _add(detail, "Publisher")
    _add(publisher, "PublishingRole", PUBLISHER)
    _add(publisher, "PublisherName", record.publisher)
    if record.website:
        _coded(publisher, "Website", [("WebsiteRole", PUBLISHER_WEBSITE), ("WebsiteLink", record.website)])
    _add(detail, "CityOfPublication", record.publisher_place)
    _add(detail, "PublishingStatus", STATUS[published(record)])
    _coded(detail, "PublishingDate", [("PublishingDateRole", PUBLICATION_DATE),
                                      ("Date", record.date.strftime("%Y%m%d"))])

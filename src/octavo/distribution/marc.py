"""MARC 21 as MARCXML: the records a library catalogue loads.

One record per manifestation, as libraries catalogue them (RDA: a
manifestation per carrier): the printed book and the e-book, in one MARCXML
<collection>. Both are language material monographs (Leader/06 'a', /07 'm');
the e-book's record adds the electronic-resource coding (006, 007, 008/23
'o', RDA 337/338 computer/online resource, 347 EPUB). Each record carries its
own ISBN in 020 and the other's in 776 (additional physical form), the DOI in
024 7_ and 856. A record is written even without an ISBN: a library can
catalogue a paper that has none.

The records are a publisher's, not a national agency's: encoding level 7
(minimal), no 040 (Octavo has no MARC organisation code), ISBD punctuation
in the fields (Leader/18 'i'). The fields are made with pymarc and written
with its MARCXML serialiser.
"""

from __future__ import annotations

import datetime as dt
import os

import xml.etree.ElementTree as ET

from ..identifiers import isbn_compact
from ..metadata import Record
from ..model import Contributor
from .common import ISBN_KINDS, doi, doi_url, iso639_2b, isbn, modified, people, url

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
# Leader: new record, language material, monograph, UCS/Unicode, encoding level 7 (minimal:
# not a national agency's full record), ISBD punctuation included ('i'). The record length
# (00-04) and the base address of data (12-16) are those of the record in ISO 2709, as pymarc writes it.
LEADER = "00000" + "nam a22" + "00000" + "7" + "i" + " " + "4500"
ELECTRONIC_006 = "m     o  d        "  # computer file: form of item online, type document
ELECTRONIC_007 = "cr" + " " + "|" * 11  # electronic resource, remote; the rest not coded
NONFILING_ARTICLES = {"en": ("the ", "an ", "a ")}  # initial articles a title is filed without


class Manifestation:
    """What differs between the print book's record and the e-book's."""

    def __init__(self, kind: str):
        self.kind = kind
        self.electronic = kind == "ebook"
        self.qualifier = "EPUB" if self.electronic else "paperback"
        self.other = next(k for k in ISBN_KINDS if k != kind)
        self.other_label = "Print version:" if self.electronic else "Online version:"


def marc_collection(record: Record, print_pages: int | None) -> bytes:
    """The MARCXML collection: the print book's record, then the e-book's."""
    from lxml import etree
    from pymarc import Leader, record_to_xml_node

    ET.register_namespace("marc", MARCXML_NS)
    collection = ET.Element(f"{{{MARCXML_NS}}}collection")
    for kind in ISBN_KINDS:
        marc = marc_record(record, Manifestation(kind), print_pages)
        marc.leader = Leader(marc.as_marc()[:24].decode("ascii"))  # its record length and base address
        collection.append(record_to_xml_node(marc, namespace=True))
    tree = etree.fromstring(ET.tostring(collection, encoding="utf-8"))
    etree.cleanup_namespaces(tree, top_nsmap={None: MARCXML_NS})
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True, pretty_print=True)


def marc_record(record: Record, m: Manifestation, print_pages: int | None):
    from pymarc import Field, Indicators, Record as MarcRecord, Subfield

    def data(tag: str, ind1: str, ind2: str, *pairs: tuple[str, str]):
        marc.add_ordered_field(Field(tag, Indicators(ind1, ind2), [Subfield(c, v) for c, v in pairs]))

    marc = MarcRecord(leader=LEADER, force_utf8=True)
    language = iso639_2b(record.language)
    marc.add_ordered_field(Field("001", data=edition_uri(record, m.kind)))
    marc.add_ordered_field(Field("005", data=modified(record).strftime("%Y%m%d%H%M%S.0")))
    if m.electronic:
        marc.add_ordered_field(Field("006", data=ELECTRONIC_006))
        marc.add_ordered_field(Field("007", data=ELECTRONIC_007))
    marc.add_ordered_field(Field("008", data=fixed_field(record, language, m.electronic)))
    if isbn(record, m.kind):
        data("020", " ", " ", ("a", isbn(record, m.kind)), ("q", m.qualifier))
    if doi(record):
        data("024", "7", " ", ("a", doi(record)), ("2", "doi"))
    if record.translation_of:  # 041 1#: a translation; $h the language of the original
        data("041", "1", " ", ("a", language), ("h", iso639_2b(record.translation_of.language)))
    else:
        data("041", "0", " ", ("a", language))
    contributors = people(record)
    main = contributors[0] if contributors and contributors[0].role == "author" else None
    if main:
        data(*_name_field(main, "1"))
    data("245", "1" if main else "0", str(nonfiling(record)), *title_subfields(record))
    data("264", " ", "1", ("a", f"{record.publisher_place} :"), ("b", f"{record.publisher},"),
         ("c", f"{record.date.year}."))
    data("300", " ", " ", ("a", extent(print_pages, m.electronic) + ("." if record.series_name else "")))
    data("336", " ", " ", ("a", "text"), ("b", "txt"), ("2", "rdacontent"))
    if m.electronic:
        data("337", " ", " ", ("a", "computer"), ("b", "c"), ("2", "rdamedia"))
        data("338", " ", " ", ("a", "online resource"), ("b", "cr"), ("2", "rdacarrier"))
        data("347", " ", " ", ("a", "text file"), ("b", "EPUB"), ("2", "rdaft"))
    else:
        data("337", " ", " ", ("a", "unmediated"), ("b", "n"), ("2", "rdamedia"))
        data("338", " ", " ", ("a", "volume"), ("b", "nc"), ("2", "rdacarrier"))
    if record.series_name:
        series = [("a", f"{record.series_name} ;" if record.series_number else record.series_name)]
        data("490", "0", " ", *series, *([("v", record.series_number)] if record.series_number else []))
    data("520", " ", " ", ("a", _end(record.description)))
    for c in contributors:
        if c is not main:
            data(*_name_field(c, "7"))
    if isbn(record, m.other):
        data("776", "0", "8", ("i", m.other_label), ("t", record.full_title), ("z", isbn(record, m.other)))
    if record.translation_of:  # 765: Original Language Entry
        original = record.translation_of
        data("765", "0", "8", ("i", "Translation of:"), ("t", original.title),
             *([("z", isbn_compact(original.isbn))] if original.isbn else []),
             *([("o", f"doi:{original.doi}")] if original.doi else []))
    for link in links(record):
        data("856", "4", "0" if m.electronic else "1", ("u", link))
    return marc


def edition_uri(record: Record, kind: str) -> str:
    """The URI the edition is known by (Record.identifier_for), as the control number. Where
    the print book and the e-book share one (neither has an ISBN of its own: both are known by
    the publication's DOI or UUID), each gets a UUID of its own, derived from that URI and the
    kind: two records with one 001 are one record to a catalogue, which merges them (issue 24)."""
    own = record.identifier_for("print" if kind == "print" else "epub")
    if own != record.identifier_for("epub" if kind == "print" else "print"):
        return own
    return f"urn:uuid:{record.stable_uuid('marc-001', 'print' if kind == 'print' else 'ebook')}"


def fixed_field(record: Record, language: str, electronic: bool) -> str:
    """008 for books (MARC 21 Bibliographic, 008/00-39)."""
    # Date entered on file: when the record was first made, which a correction does not change
    # (005 says when it last did); SOURCE_DATE_EPOCH, where set, fixes both as it fixes every date.
    entered = (modified(record) if os.environ.get("SOURCE_DATE_EPOCH", "").strip()
               else dt.datetime.combine(record.date, dt.time())).strftime("%y%m%d")
    field = (entered + "s" + f"{record.date.year:04d}" + "    "  # 00-14: entered, single date, year
             + "xx "  # 15-17: place of publication not coded (Octavo has no MARC country code)
             + "||||"  # 18-21: illustrations not coded
             + " "  # 22: audience unknown
             + ("o" if electronic else " ")  # 23: form of item: online, or none of these (print)
             + "    "  # 24-27: nature of contents
             + "|"  # 28: government publication not coded
             + "000"  # 29-31: not a conference publication, not a festschrift, no index
             + " " + "0" + " "  # 32 undefined, 33 not fiction, 34 no biographical material
             + language + " " + "d")  # 35-37 language, 38 not modified, 39 cataloguing source: other
    assert len(field) == 40, field
    return field


def _name_field(c: Contributor, block: str) -> tuple:
    """100/700 (a person, filed surname first) or 110/710 (a corporate body), with the relator
    term and, for a person, the affiliation ($u)."""
    role = c.role  # MARC relator terms: author, editor, translator
    if c.corporate:
        return (f"{block}10", "2", " ", ("a", f"{c.name},"), ("e", f"{role}."))
    surname_first = ", " in c.sort_name
    subfields = [("a", f"{c.sort_name},"), ("e", role + ("," if c.affiliation_text else "."))]
    if c.affiliation_text:
        subfields.append(("u", _end(c.affiliation_text)))
    return (f"{block}00", "1" if surname_first else "0", " ", *subfields)


def title_subfields(record: Record) -> list[tuple[str, str]]:
    """245 $a title : $b subtitle / $c statement of responsibility. (ISBD punctuation)"""
    statement = responsibility(record)
    after_b = " /" if statement else ""
    subfields = [("a", record.title + (" :" if record.subtitle else after_b or _ending(record.title)))]
    if record.subtitle:
        subfields.append(("b", record.subtitle + (after_b or _ending(record.subtitle))))
    if statement:
        subfields.append(("c", _end(statement)))
    return subfields


def responsibility(record: Record) -> str:
    """The names as the publication gives them: authors, then editors with their role."""
    parts = []
    if record.creators:
        parts.append(", ".join(c.name for c in record.creators))
    if record.editors:
        parts.append(", ".join(c.name for c in record.editors) + ", editor" + ("s" if len(record.editors) > 1 else ""))
    if record.translators:
        parts.append("translated by " + ", ".join(c.name for c in record.translators))
    return " ; ".join(parts)


def nonfiling(record: Record) -> int:
    """245 second indicator: how many characters of an initial article the title is filed without."""
    articles = NONFILING_ARTICLES.get(record.language.split("-")[0].lower(), ())
    lowered = record.title.lower()
    return next((len(a) for a in articles if lowered.startswith(a)), 0)


def extent(print_pages: int | None, electronic: bool) -> str:
    pages = f"{print_pages} pages" if print_pages else None
    if electronic:
        return f"1 online resource ({pages})" if pages else "1 online resource"
    return pages or "1 volume"


def links(record: Record) -> list[str]:
    """Where the publication is online: its DOI, its own page."""
    found = [doi_url(doi(record))] if doi(record) else []
    return found + ([url(record)] if url(record) else [])


def _ending(text: str) -> str:
    return "" if text[-1:] in ".?!" else "."


def _end(text: str) -> str:
    return text + _ending(text)

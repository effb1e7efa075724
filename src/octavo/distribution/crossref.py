"""A Crossref deposit: the XML that registers the publication's DOI.

A policy paper is a report in Crossref's terms: content type report-paper
(`<report-paper><report-paper_metadata>`, Crossref input schema 5.3.1). Its
series has no ISSN, which Crossref's series metadata requires, so the series
appears as the report number (publisher_item) rather than as series_metadata.

The head is reproducible: doi_batch_id is derived from the publication's
identifier and its modification time, and the timestamp is that time
(SOURCE_DATE_EPOCH, else the publication date), never the clock. Crossref
accepts a re-deposit only with a larger timestamp, so a corrected record is
deposited from a build with a later SOURCE_DATE_EPOCH.

No DOI, no deposit (and a note). The depositor's e-mail address, which
Crossref requires and sends its submission log to, is not in the metadata
record: until it is, the deposit names a reserved address that cannot
receive mail (RFC 2606 '.invalid'), and a note says to replace it.
"""

from __future__ import annotations

import hashlib

from lxml import etree

from ..identifiers import isbn_compact
from ..metadata import Record
from ..model import Affiliation
from .common import (doi, family_name_first, iso639_1, isbn, modified, name_parts, orcid, people, ror,
                     url)

VERSION = "5.3.1"
CROSSREF_NS = f"http://www.crossref.org/schema/{VERSION}"
JATS_NS = "http://www.ncbi.nlm.nih.gov/JATS1"
REL_NS = "http://www.crossref.org/relations.xsd"  # relations.xsd: a translation and its original
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{CROSSREF_NS} https://www.crossref.org/schemas/crossref{VERSION}.xsd"
NO_EMAIL = "depositor@unknown.invalid"  # RFC 2606: reserved, can never receive mail
MEDIA_TYPES = {"print": "print", "ebook": "electronic"}


def crossref_deposit(record: Record) -> tuple[bytes | None, list[str]]:
    """The deposit for the publication's DOI, or None (and why) when there is no DOI to register."""
    if not doi(record):
        return None, ["Crossref: no deposit: the publication has no DOI (add 'doi:' under 'identifiers:' "
                      "in publication.yaml to register one)"]
    resource, notes = resource_url(record)
    if resource is None:
        return None, notes
    email = depositor_email(record)
    if email == NO_EMAIL:
        notes.append(f"Crossref: the deposit names the depositor's e-mail as {NO_EMAIL}, an address that "
                     "cannot receive mail: add 'email:' to publisher.yaml (the address that should receive "
                     "Crossref's submission log)")
    root = etree.Element(f"{{{CROSSREF_NS}}}doi_batch", nsmap={None: CROSSREF_NS, "jats": JATS_NS, "rel": REL_NS, "xsi": XSI},
                         version=VERSION)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    _head(root, record, email)
    paper = _add(_add(_add(root, "body"), "report-paper"), "report-paper_metadata")
    if iso639_1(record.language):
        paper.set("language", iso639_1(record.language))
    _contributors(paper, record)
    titles = _add(paper, "titles")
    _add(titles, "title", record.title)
    if record.subtitle:
        _add(titles, "subtitle", record.subtitle)
    abstract = etree.SubElement(paper, f"{{{JATS_NS}}}abstract")
    etree.SubElement(abstract, f"{{{JATS_NS}}}p").text = record.description
    date = _add(paper, "publication_date", media_type="online")
    _add(date, "month", f"{record.date.month:02d}")
    _add(date, "day", f"{record.date.day:02d}")
    _add(date, "year", str(record.date.year))
    for kind, media_type in MEDIA_TYPES.items():
        if isbn(record, kind):
            _add(paper, "isbn", isbn(record, kind), media_type=media_type)
    publisher = _add(paper, "publisher")
    _add(publisher, "publisher_name", record.publisher)
    _add(publisher, "publisher_place", record.publisher_place)
    if record.series_number:  # the series line as printed: "Energy Papers Policy Brief No. 7"
        _add(_add(paper, "publisher_item"), "identifier", record.series, id_type="report-number")
    notes += _crossmark(paper, record)
    _relations(paper, record)
    doi_data = _add(paper, "doi_data")
    _add(doi_data, "doi", doi(record))
    _add(doi_data, "resource", resource)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True), notes


def _crossmark(paper, record: Record) -> list[str]:
    """Crossmark (Crossref's common schema, `crossmark`): where the house has a Crossmark policy,
    the deposit names it and, for a corrected paper, each correction as an update of the DOI
    itself, with its day (a correction made in place: the corrected version keeps the DOI).
    Without a policy a corrected paper's deposit cannot say so: noted."""
    if not record.crossmark_policy:
        if record.corrections:
            return [f"Crossref: the deposit does not tell Crossmark of the paper's {len(record.corrections)} "
                    "correction(s): add 'crossmark_policy:' (the DOI of the house's Crossmark policy page) to "
                    "publisher.yaml"]
        return []
    crossmark = _add(paper, "crossmark")
    _add(crossmark, "crossmark_version", str(record.version))
    _add(crossmark, "crossmark_policy", record.crossmark_policy)
    if record.corrections:
        updates = _add(crossmark, "updates")
        for correction in record.corrections:
            _add(updates, "update", doi(record), type="correction", date=correction.date.isoformat())
    return []


def _relations(paper, record: Record) -> None:
    """The relations program (Crossref's relations.xsd): isTranslationOf the original, by its DOI
    (else its ISBN, else its URL), and hasTranslation each translation in content/ with a DOI."""
    items = []
    original = record.translation_of
    if original and original.identifier:
        kind, value = (("doi", original.doi) if original.doi else ("isbn", isbn_compact(original.isbn))
                       if original.isbn else ("uri", original.url))
        items.append(("isTranslationOf", kind, value))
    items += [("hasTranslation", "doi", translation_doi) for _, _, _, translation_doi in record.translations
              if translation_doi]
    if not items:
        return
    program = etree.SubElement(paper, f"{{{REL_NS}}}program", name="relations")
    for relationship, kind, value in items:
        item = etree.SubElement(program, f"{{{REL_NS}}}related_item")
        etree.SubElement(item, f"{{{REL_NS}}}intra_work_relation",
                         {"relationship-type": relationship, "identifier-type": kind}).text = value


def resource_url(record: Record) -> tuple[str | None, list[str]]:
    """Where the DOI resolves to: the paper's own page, else the publisher's website (with a note)."""
    if url(record):
        return url(record), []
    if record.website:
        return record.website, [f"Crossref: the DOI will resolve to the publisher's website {record.website}: "
                                "add 'url:' under 'identifiers:' in publication.yaml for the paper's own page"]
    return None, ["Crossref: no deposit: the DOI needs a web page to resolve to; add 'url:' under "
                  "'identifiers:' in publication.yaml, or 'website:' in publisher.yaml"]


def depositor_email(record: Record) -> str:
    return record.publisher_email or NO_EMAIL


def batch_id(record: Record) -> str:
    """Unique per publication and version, and the same for the same content (4 to 100 characters)."""
    digest = hashlib.sha256(f"{record.identifier}|{record.modified}".encode()).hexdigest()
    return f"octavo-{digest[:32]}"


def timestamp(record: Record) -> str:
    """Crossref's version number for the deposit: yyyymmddhhmmss of the record's modification."""
    return modified(record).strftime("%Y%m%d%H%M%S")


def _add(parent, tag: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{CROSSREF_NS}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def _head(root, record: Record, email: str) -> None:
    head = _add(root, "head")
    _add(head, "doi_batch_id", batch_id(record))
    _add(head, "timestamp", timestamp(record))
    depositor = _add(head, "depositor")
    _add(depositor, "depositor_name", record.publisher)
    _add(depositor, "email_address", email)
    _add(head, "registrant", record.publisher)


def _contributors(paper, record: Record) -> None:
    contributors = _add(paper, "contributors")
    for index, c in enumerate(people(record)):
        attributes = {"sequence": "first" if index == 0 else "additional", "contributor_role": c.role}
        if c.corporate:
            _add(contributors, "organization", c.name, **attributes)
            continue
        if family_name_first(c):
            attributes["name-style"] = "eastern"
        person = _add(contributors, "person_name", **attributes)
        given, family = name_parts(c)
        if given:
            _add(person, "given_name", given)
        _add(person, "surname", family)
        if c.affiliations:
            affiliations = _add(person, "affiliations")
            for affiliation in c.affiliations:
                _institution(affiliations, affiliation)
        if orcid(c):
            _add(person, "ORCID", orcid(c))


def _institution(parent, affiliation: Affiliation) -> None:
    institution = _add(parent, "institution")
    _add(institution, "institution_name", affiliation.organisation)
    if ror(affiliation):
        _add(institution, "institution_id", ror(affiliation), type="ror")
    place = ", ".join(p for p in (affiliation.place, affiliation.country) if p)
    if place:
        _add(institution, "institution_place", place)

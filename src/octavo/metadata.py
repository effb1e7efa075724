"""One metadata record per publication; every format's metadata is a view of it.

The XMP packet of the PDF editions (editions/pdf.py), the EPUB's package
metadata (editions/epub.py), the archive's Dublin Core record (archive.py)
and any new edition's metadata read this record and nothing else, so a title,
a rights line or a date is worded once and cannot differ between editions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from dataclasses import dataclass

from .errors import RenderError
from .identifiers import ISBN_OF_EDITION, isbn_compact
from .model import Contributor, Original, Publication

# What the publication as a whole (the work, not one format of it) is known by, best first.
WORK_IDENTIFIER_SCHEMES = ("doi", "url")


@dataclass(frozen=True)
class Record:
    title: str
    subtitle: str | None
    full_title: str  # "title: subtitle" (no colon after a title that ends in ? ! . : ;)
    language: str
    date: dt.date
    modified: str  # ISO 8601: a date, or a UTC date-time from SOURCE_DATE_EPOCH
    creators: tuple[Contributor, ...]
    editors: tuple[Contributor, ...]
    publisher: str
    publisher_short: str
    publisher_place: str
    website: str | None
    publisher_email: str | None
    rights_holder: str
    rights: str  # "© 2018 Holder"
    rights_statement: str  # "© 2018 Holder. All rights reserved." (the words from the label file)
    series: str | None  # "Focus Asia Policy Brief No. 3": name, kind and number
    series_name: str | None
    series_number: str | None
    description: str
    keywords: tuple[str, ...]
    identifier: str  # the publication's own identifier (DOI, URL or a stable UUID), as a URI
    identifiers: dict[str, str]  # print_isbn, ebook_isbn, doi, url -> value (ISBNs hyphenated)
    translators: tuple[Contributor, ...] = ()
    translation_of: Original | None = None  # the original this publication translates
    original_line: str | None = None  # "Original (English): Breaking Deadlock …", in the labels' words
    translations: tuple[tuple[str, str, str | None, str | None], ...] = ()  # (slug, language, url, doi)
    version: int = 1  # the paper's version: 1 as first published, one more for each correction's
    corrections: tuple = ()  # model.Correction: each change published since, with its day
    crossmark_policy: str | None = None  # the DOI of the house's Crossmark policy page

    def translation_links(self) -> list[tuple[str, str]]:
        """(language, address) of the original and of each translation that has an address, and
        of this publication itself: the web page's hreflang alternates (one set, the same on
        every page of it, as search engines ask)."""
        links = []
        original = self.translation_of
        if original and (original.url or original.doi):
            links.append((original.language, original.url or f"https://doi.org/{original.doi}"))
        links += [(language, url or f"https://doi.org/{doi}") for _, language, url, doi in self.translations
                  if url or doi]
        if links and (self.url or self.doi):
            links.append((self.language, self.url or f"https://doi.org/{self.doi}"))
        return links

    def isbn(self, kind: str) -> str | None:
        """The 13 digits of the "print" or "ebook" ISBN, or None."""
        value = self.identifiers.get(f"{kind}_isbn")
        return isbn_compact(value) if value else None

    @property
    def doi(self) -> str | None:
        return self.identifiers.get("doi")

    @property
    def url(self) -> str | None:
        return self.identifiers.get("url")

    def identifier_for(self, edition: str) -> str:
        """The URI one edition is known by: its own ISBN where it is sold under one
        (print, epub), else the publication's identifier, which the formats without
        an ISBN of their own (screen, archive, web) share."""
        key = ISBN_OF_EDITION.get(edition)
        if key and key in self.identifiers:
            return f"urn:isbn:{isbn_compact(self.identifiers[key])}"
        return self.identifier

    def relations(self, edition: str) -> tuple[str, ...]:
        """The same publication in its other forms (XMP and OPF dc:relation): the publication's
        identifier, and the ISBN of every format sold under one, whether or not Octavo builds
        it (a printer may make the print book); never the edition's own identifier. And, for a
        translation, the original's identifier."""
        own = self.identifier_for(edition)
        isbns = [f"urn:isbn:{isbn_compact(self.identifiers[key])}"
                 for key in ISBN_OF_EDITION.values() if key in self.identifiers]
        original = [self.translation_of.identifier] if self.translation_of and self.translation_of.identifier else []
        return tuple(i for i in dict.fromkeys([self.identifier] + isbns + original) if i != own)

    def stable_uuid(self, *parts: str) -> uuid.UUID:
        """A UUID that depends only on the identifier (and `parts`): reproducible bytes."""
        stable = uuid.uuid5(uuid.NAMESPACE_URL, self.identifier)
        return uuid.uuid5(stable, "/".join(parts)) if parts else stable

    def pdf_id(self, edition: str) -> bytes:
        """A fixed PDF /ID (ISO 32000-1, 14.4) for one edition."""
        return hashlib.md5(f"{self.identifier_for(edition)}#{edition}".encode()).hexdigest().encode()


def join_title(title: str, subtitle: str | None) -> str:
    if not subtitle:
        return title
    return f"{title}{' ' if title[-1:] in '?!.:;' else ': '}{subtitle}"


def primary_identifier(publication: Publication) -> str:
    """The work's DOI or URL when given (in that order), else a UUID derived from the slug.
    An ISBN names one format (the printed book, the EPUB), never the publication."""
    for scheme in WORK_IDENTIFIER_SCHEMES:
        if scheme in publication.identifiers:
            return identifier_uri(scheme, publication.identifiers[scheme])
    seed = f"octavo:{publication.publisher.website or publication.publisher.name}/{publication.slug}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"


def identifier_uri(scheme: str, value: str) -> str:
    if scheme.endswith("isbn"):
        return f"urn:isbn:{isbn_compact(value)}"
    return f"https://doi.org/{value}" if scheme == "doi" else value


def modified_date(publication: Publication) -> str:
    """SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the content's date, the last
    correction's where there is one: never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return max([publication.date, *(c.date for c in publication.corrections)]).isoformat()
    if not epoch.isdigit():
        raise RenderError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def modified_datetime(record: Record) -> dt.datetime:
    if "T" in record.modified:
        return dt.datetime.strptime(record.modified, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return dt.datetime.combine(dt.date.fromisoformat(record.modified), dt.time(0, 0), tzinfo=dt.timezone.utc)


def series_number(label: str, number: str) -> str:
    """"No. 7", "Nr. 7", "제7호", "第7期": a label with {number} places it, any other precedes it."""
    return label.replace("{number}", number) if "{number}" in label else f"{label} {number}"


def make_record(publication: Publication, description: str, labels: dict[str, str]) -> Record:
    p = publication
    rights = f"© {p.rights_year} {p.rights_holder}"
    series = None
    if p.series:
        number = series_number(labels["series_number"], p.series.number) if p.series.number else None
        series = " ".join(x for x in (p.series.name, p.series.kind, number) if x)
    keywords = [p.publisher.short_name] + ([p.series.name] if p.series else [])
    return Record(
        title=p.title, subtitle=p.subtitle, full_title=join_title(p.title, p.subtitle), language=p.language,
        date=p.date, modified=modified_date(p), creators=p.authors, editors=p.editors,
        publisher=p.publisher.name, publisher_short=p.publisher.short_name, publisher_place=p.publisher.place,
        website=p.publisher.website, publisher_email=p.publisher.email, rights_holder=p.rights_holder, rights=rights,
        rights_statement=f"{rights}. {labels['all_rights_reserved']}", series=series,
        series_name=p.series.name if p.series else None,
        series_number=str(p.series.number) if p.series and p.series.number else None,
        description=description or join_title(p.title, p.subtitle), keywords=tuple(keywords),
        identifier=primary_identifier(p), identifiers=dict(p.identifiers),
        translators=p.translators, translation_of=p.translation_of, original_line=original_line(p, labels),
        translations=p.translations, version=p.version, corrections=p.corrections,
        crossmark_policy=p.publisher.crossmark_policy)


def original_line(publication: Publication, labels: dict[str, str]) -> str | None:
    """What the title page and the imprint say of the original a translation translates."""
    from .languages import language_name

    original = publication.translation_of
    if original is None:
        return None
    return (labels["original"].replace("{language}", language_name(original.language, publication.language))
            .replace("{title}", original.title))

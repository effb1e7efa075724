"""What the ONIX, MARC and Crossref views of the metadata record share: the
identifiers, the language as ISO 639 codes, a person's name in parts, dates.

Every value comes from the one metadata record (metadata.Record) and its
contributors; nothing here reads the content files.
"""

from __future__ import annotations

import datetime as dt

from ..metadata import Record, modified_datetime
from ..model import Affiliation, Contributor

ISBN_KINDS = ("print", "ebook")


def isbn(record: Record, kind: str) -> str | None:
    """The 13-digit ISBN of the "print" book or the "ebook", without hyphens, or None."""
    return record.isbn(kind)


def doi(record: Record) -> str | None:
    """The DOI as '10.prefix/suffix' (no resolver), or None."""
    return record.doi


def url(record: Record) -> str | None:
    """The publication's own web address (its landing page), or None."""
    return record.url


def orcid(contributor: Contributor) -> str | None:
    """The ORCID iD as https://orcid.org/0000-0000-0000-0000 (publication.yaml keeps the digits)."""
    return f"https://orcid.org/{contributor.orcid}" if contributor.orcid else None


def ror(affiliation: Affiliation) -> str | None:
    """The organisation's ROR id as https://ror.org/0xxxxxxxx, or None."""
    return f"https://ror.org/{affiliation.ror}" if affiliation.ror else None


def doi_url(value: str) -> str:
    return f"https://doi.org/{value}"


def people(record: Record) -> tuple[Contributor, ...]:
    """Authors, then editors, then translators: the order every format lists them in."""
    return tuple(record.creators) + tuple(record.editors) + tuple(record.translators)


def name_parts(contributor: Contributor) -> tuple[str | None, str]:
    """(given names, family name) of a person, from the name they are filed under
    ('Lindqvist, Maja'; 'Li, Wei'); a name filed as one word is all family name."""
    family, _, given = contributor.sort_name.partition(", ")
    return (given.strip() or None), family.strip()


def family_name_first(contributor: Contributor) -> bool:
    """True for a name written family name first ('Zhu Feng', filed 'Zhu, Feng')."""
    given, family = name_parts(contributor)
    return bool(given) and contributor.name.startswith(f"{family} ") and contributor.name.endswith(given)


def iso639_2b(language: str) -> str:
    """The ISO 639-2/B code (MARC, ONIX) of a BCP 47 tag's primary language: 'en-GB' -> 'eng',
    'de' -> 'ger', 'zh-Hans' -> 'chi'; 'und' (undetermined) where ISO 639-2 has none."""
    from iso639 import Language
    from iso639.language import LanguageNotFoundError

    primary = language.split("-")[0].lower()
    try:
        found = Language.match(primary)
    except LanguageNotFoundError:
        return "und"
    if found.part2b:
        return found.part2b
    macro = found.macrolanguage and Language.match(found.macrolanguage)  # 'yue' -> 'zh'
    return (macro.part2b if macro else None) or "und"


def iso639_1(language: str) -> str | None:
    """The two-letter code of a BCP 47 tag's primary language, or None where it has none."""
    primary = language.split("-")[0].lower()
    return primary if len(primary) == 2 else None


def modified(record: Record) -> dt.datetime:
    """When the record last changed (SOURCE_DATE_EPOCH, else the last correction's day, else the
    publication date): never the clock,
    so the same content gives the same bytes."""
    return modified_datetime(record)


def published(record: Record) -> bool:
    """Whether the publication date has come by the time the record was made."""
    return record.date <= modified(record).date()

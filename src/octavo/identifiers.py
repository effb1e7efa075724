"""Standard identifiers: ISBN-13, DOI, ORCID iD and ROR ID, checked before anything is built.

A wrong check digit in an ISBN reaches the retailer's ingestion, the library
catalogue and the barcode on the back cover; a DOI without its "10." prefix
registers nothing. Each check returns None when the value is good, else what
is wrong, in words for the publications officer (model.py adds the file and
line). The check-digit arithmetic is python-stdnum's, not ours.
"""

from __future__ import annotations

import re

from stdnum import ean
from stdnum import isbn as _isbn
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.iso7064 import mod_11_2

# Which ISBN each edition is sold under: the print edition under the print
# ISBN, the EPUB under the e-book ISBN (ISBN users' manual, 7th ed., §5: each
# format of a book has its own ISBN). The screen and archive PDFs and the web
# page carry no ISBN of their own; they are known by the DOI or URL.
ISBN_OF_EDITION = {"print": "print_isbn", "epub": "ebook_isbn"}
# DOI Handbook §2.2: "10." then a registrant code of digits and dots, "/", a suffix.
DOI_RE = re.compile(r"^10\.\d{4,9}(?:\.\d+)*/\S+$")
ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
# ror.org/about/faqs: "0", six characters of Crockford base32, two check digits.
ROR_RE = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}\d{2}$")


def isbn_problem(value: str) -> str | None:
    compact = _isbn.compact(value)
    if len(compact) == 10:
        return "is an ISBN-10; since 2007 books are numbered with 13 digits (write it with its 978 prefix)"
    try:
        _isbn.validate(compact)
    except InvalidChecksum:
        return f"has a wrong check digit (with these first 12 digits it would end in {ean.calc_check_digit(compact[:12])})"
    except ValidationError:
        return "is not an ISBN-13 (13 digits, beginning 978 or 979)"
    return None


def isbn_hyphenated(value: str) -> str:
    """978-91-88551-12-2: as printed on the imprint page and over the barcode."""
    return _isbn.format(value)


def isbn_compact(value: str) -> str:
    return _isbn.compact(value)


def doi_problem(value: str) -> str | None:
    if value.lower().startswith(("https://doi.org/", "http://dx.doi.org/", "doi:")):
        return "is written as a link; write the DOI alone, beginning '10.'"
    return None if DOI_RE.fullmatch(value) else "is not a DOI (it begins '10.', then the registrant's number, '/', and the suffix)"


def orcid_problem(value: str) -> str | None:
    if not ORCID_RE.fullmatch(value):
        return "is not an ORCID iD (16 digits written 0000-0000-0000-0000, the last may be X, without https://orcid.org/)"
    # ORCID's check digit is ISO 7064 MOD 11-2 over the 16 characters.
    return None if mod_11_2.is_valid(value.replace("-", "")) else "has a wrong check digit"


def ror_problem(value: str) -> str | None:
    if value.startswith(("https://ror.org/", "http://ror.org/")):
        return "is written as a link; write the ROR ID alone (the nine characters after https://ror.org/)"
    return None if ROR_RE.fullmatch(value) else "is not a ROR ID (nine characters beginning 0, e.g. 05f0yaq80)"

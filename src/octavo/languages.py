"""What a publication's language decides around its text: which labels file it reads, how its
dates and lists are written, which way its lines run, and how they break.

The conventions come from the Unicode CLDR through Babel, not from formats written here: a
date is "5 February 2018" in British English, "5. Februar 2018" in German, "2018년 2월 5일" in
Korean, and no one on the team should have to know which. Babel is the maintained Python
reader of CLDR (the data every operating system's and browser's locale formats come from); the
alternatives are PyICU, which needs the ICU C library built to match, and hand-written
formats, which is how every paper came to be English around its text.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import langcodes
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list

DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=64)
def cldr_locale(language: str) -> Locale | None:
    """The CLDR locale of a BCP 47 tag ("zh-Hant", "en-GB", "ar"), or None where CLDR has none."""
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        try:  # a region CLDR does not list for the language ("ko-SE"): the language alone
            return Locale.parse(language.split("-")[0])
        except (UnknownLocaleError, ValueError, TypeError):
            return None


def label_tags(language: str) -> list[str]:
    """The labels files a publication in `language` reads, most general first: English (every
    label has an English wording), the language, its script where the language is written in
    more than one (zh-TW is zh-Hant, zh-CN zh-Hans), then the tag as written."""
    tags = [DEFAULT_LANGUAGE, language.split("-")[0]]
    try:
        tag = langcodes.Language.get(language)
        if tag.language in MULTI_SCRIPT:
            script = tag.script or tag.maximize().script
            if script:
                tags.append(f"{tag.language}-{script}")
    except (ValueError, LookupError):  # not a tag langcodes can read: the tag as written is all
        pass
    tags.append(language)
    return list(dict.fromkeys(tags))


# Languages whose labels differ by script (Chinese: simplified and traditional characters;
# Serbian: Cyrillic and Latin), where the script, not the region, chooses the labels file.
MULTI_SCRIPT = {"zh", "sr"}


def long_date(date: dt.date, language: str) -> str:
    """A date as a reader of `language` writes it in running text (CLDR's long format)."""
    return format_date(date, format="long", locale=cldr_locale(language) or DEFAULT_LANGUAGE)


def joined(items: list[str], language: str) -> str:
    """A list of names as `language` joins them ("A, B and C", "A und B", "A、B、C")."""
    return format_list(items, style="standard", locale=cldr_locale(language) or DEFAULT_LANGUAGE)


def language_name(tag: str, in_language: str) -> str:
    """The name of the language `tag` in `in_language` ("English", "영어", "Englisch"), from CLDR."""
    locale = cldr_locale(in_language) or cldr_locale(DEFAULT_LANGUAGE)
    own = cldr_locale(tag)
    name = own.get_display_name(locale) if own else None
    return name or tag


# The quotation marks of each language, outer then inner (CLDR's delimiters: quotationStart,
# quotationEnd, alternateQuotationStart, alternateQuotationEnd, from common/main/<language>.xml,
# CLDR 46). Babel does not read CLDR's delimiters, so they are copied here; a language not
# listed keeps the quotation marks its author typed. Chinese, Japanese and Korean are not
# listed: markdown-it tells an opening mark from a closing one by the spaces and punctuation
# around it, which text without spaces between words does not have (their input methods
# type 「」 and “” themselves).
QUOTES = {
    "en": "“”‘’", "de": "„“‚‘", "fr": ["«\u202f", "\u202f»", "“", "”"], "es": "«»“”", "ru": "«»„“",
    "ar": "”“’‘", "he": "””’’",
}


def quotes(language: str) -> str | list[str] | None:
    """The quotation marks a paper in `language` prints for the straight ones its author typed
    ("…" and '…'), or None where Octavo does not know them."""
    for tag in reversed(label_tags(language)):
        if tag in QUOTES and (tag != DEFAULT_LANGUAGE or language.split("-")[0] == DEFAULT_LANGUAGE):
            return QUOTES[tag]
    return None


RTL_SCRIPTS = {"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"}


def direction(language: str) -> str:
    """"rtl" for a language written right to left (Arabic, Hebrew, Persian, Urdu), else "ltr"."""
    try:
        script = langcodes.Language.get(language).maximize().script
    except (ValueError, LookupError):
        script = None
    return "rtl" if script in RTL_SCRIPTS else "ltr"


def missing_labels(folders: list[Path], language: str) -> str | None:
    """The labels file to write where no folder has one for `language`, whose furniture is then
    English ("Contents", "Imprint"); None where one exists, or the language is English."""
    tags = [t for t in label_tags(language) if t != DEFAULT_LANGUAGE]
    if language.split("-")[0] == DEFAULT_LANGUAGE or any((Path(f) / "labels" / f"{t}.yaml").is_file()
                                                         for f in folders for t in tags):
        return None
    return f"labels/{tags[1] if len(tags) > 2 else tags[0]}.yaml"

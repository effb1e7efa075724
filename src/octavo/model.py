"""Stage 2, model: turn loaded data into a validated Publication.

Every problem in every file is collected first and reported together
(MkDocs' "validate everything before writing anything"), each with its
file and line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from .editions import EDITION_NAMES
from . import identifiers as ids
from .errors import ContentError, Location, Problem
from .names import name_language
from . import xref
from .markdown import check_body, placed_disclaimers, refused_url
from .bibliography import References, load_references, reference_file
from .citations import CITATION_STYLES, DEFAULT_CITATION_STYLE, check_citations
from .load import Mapping, MarkdownSource, Sequence, load_markdown_file, load_yaml_file
from .resources import STYLES, default_templates

PUBLISHER_FILE = "publisher.yaml"
PUBLICATION_FILE = "publication.yaml"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ROLES = ("author", "editor", "translator")
SECTION_ROLES = ("summary", "introduction", "perspective", "chapter", "closing", "appendix")
PLACEMENTS = ("imprint", "inline")
# Trim sizes: the CSS Paged Media page-size keywords (css-page-3 §7.1), or "<width>mm <height>mm".
TRIM_KEYWORDS = ("A3", "A4", "A5", "B4", "B5", "JIS-B4", "JIS-B5", "letter", "legal", "ledger")
TRIM_MM_RE = re.compile(r"^(\d{2,4}(?:\.\d+)?)mm (\d{2,4}(?:\.\d+)?)mm$")
# A section file's path: parts an EPUB zip entry, a URL and an XML id can all carry as they are.
SECTION_PART_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


# ---------------------------------------------------------------- the model

@dataclass(frozen=True)
class Affiliation:
    organisation: str
    place: str | None = None
    country: str | None = None
    ror: str | None = None  # the organisation's ROR ID (ror.org), for Crossref

    @property
    def text(self) -> str:
        return ", ".join(p for p in (self.organisation, self.place, self.country) if p)


@dataclass(frozen=True)
class Contributor:
    id: str
    name: str
    role: str = "author"
    native_name: str | None = None
    native_name_lang: str | None = None  # BCP 47: as written in publication.yaml, else read from the script (names.py)
    position: str | None = None
    affiliations: tuple[Affiliation, ...] = ()
    corporate: bool = False
    orcid: str | None = None
    bio: str | None = None
    file_as: str | None = None
    location: Location | None = field(default=None, compare=False)

    @property
    def affiliation_text(self) -> str:
        """Position and affiliations as one line: what a byline prints after the name."""
        parts = ([self.position] if self.position else []) + [a.text for a in self.affiliations]
        return "; ".join(parts) if len(self.affiliations) > 1 else ", ".join(parts)

    @property
    def attribution(self) -> str:
        """The exact words that attribute text to this contributor, in every edition."""
        return f"{self.name}, {self.affiliation_text}" if self.affiliation_text else self.name

    @property
    def sort_name(self) -> str:
        if self.file_as:
            return self.file_as
        if self.corporate or " " not in self.name:
            return self.name
        first, _, last = self.name.rpartition(" ")
        return f"{last}, {first}"


@dataclass(frozen=True)
class Disclaimer:
    id: str
    text: str
    source: str  # "house" or "publication"
    label: str | None = None
    placement: str = "imprint"
    location: Location | None = field(default=None, compare=False)
    # The language of `text` where it is not the paper's own: a house disclaimer the house has not
    # translated, printed in the house's language (untranslated_disclaimers: warn) and marked so.
    language: str | None = None
    # Every wording the house gives, (language, text, label), when it gives one per language:
    # a publication prints the one in its own language (in_language).
    wordings: tuple[tuple[str, str, str | None], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Correction:
    """A change made to the paper after it was first published, as publication.yaml records it
    (corrections:): the day, what was changed, the version it made, and the section it was made
    in, if one. Every edition prints it in the imprint, and at the end of that section; the
    proof checks both as it checks a disclaimer and a block."""

    date: dt.date
    text: str
    version: int
    section: str | None = None  # the id of the section corrected
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Publisher:
    name: str
    short_name: str
    place: str
    website: str | None
    disclaimers: tuple[Disclaimer, ...]
    email: str | None = None  # the publications office: Crossref's depositor, ONIX's sender contact
    location: Location | None = field(default=None, compare=False)
    style: str | None = None  # a house style: styles/<name>/ in content/ or in Octavo's templates
    citation_style: str = DEFAULT_CITATION_STYLE  # how the house cites (citations.CITATION_STYLES)
    language: str = "en"  # the language the house writes its disclaimers in where it names none
    # A paper in a language a house disclaimer has no wording in: "error" (refused), or "warn"
    # (the house-language wording, with a warning).
    untranslated_disclaimers: str = "error"
    # The place in each language the house writes it in, (tag, text), its own language first;
    # `place` is the one a paper prints (load_publication chooses it: place_in).
    places: tuple[tuple[str, str], ...] = ()
    # The DOI of the house's Crossmark policy page: with it, a corrected paper's Crossref deposit
    # says so (Crossmark's update metadata: distribution/crossref.py).
    crossmark_policy: str | None = None
    read: dict = field(default_factory=dict, compare=False, repr=False)  # path -> the bytes loaded
    warnings: tuple[Problem, ...] = field(default=(), compare=False)  # a TODO left in the house file


@dataclass(frozen=True)
class Series:
    name: str
    kind: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class Section:
    id: str
    path: Path
    title: str
    role: str
    authors: tuple[Contributor, ...]
    perspective_of: tuple[Contributor, ...]
    body: str
    body_line: int
    label: str | None = None  # its cross-reference label, `sec:name` (xref.py)
    label_at: Location | None = field(default=None, compare=False)
    translators: tuple[Contributor, ...] = ()  # who translated it: the publication's translators unless it names its own

    @property
    def attributed(self) -> tuple[Contributor, ...]:
        """Everyone the section's byline names."""
        return self.perspective_of + self.authors + self.translators

    @property
    def byline(self) -> tuple[tuple[str | None, tuple[Contributor, ...]], ...]:
        """The byline's lines, as every edition prints them (partials/byline.html) and the proof
        reads them: (the key in the labels file of the words that open the line, or None; the
        contributors it names, in order)."""
        translated = (("translated_by", self.translators),) if self.translators else ()
        if self.perspective_of:
            return (("perspective_of", self.perspective_of), ("introduced_by", self.authors)) + translated
        return (((None, self.authors),) if self.authors else ()) + translated


@dataclass(frozen=True)
class Original:
    """The publication a translation translates: another in content/ (`slug`), or one known by
    its title and identifiers alone."""

    title: str
    language: str
    slug: str | None = None
    doi: str | None = None
    isbn: str | None = None  # the printed original's ISBN-13
    url: str | None = None

    @property
    def identifier(self) -> str | None:
        """The original's URI: its DOI, else its URL, else its ISBN."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.url:
            return self.url
        return f"urn:isbn:{ids.isbn_compact(self.isbn)}" if self.isbn else None


@dataclass(frozen=True)
class Publication:
    slug: str
    folder: Path
    title: str
    subtitle: str | None
    series: Series | None
    date: dt.date
    language: str
    rights_holder: str
    rights_year: int
    identifiers: dict[str, str]
    publisher: Publisher
    contributors: tuple[Contributor, ...]
    disclaimers: tuple[Disclaimer, ...]
    sections: tuple[Section, ...]
    editions: tuple[str, ...] = EDITION_NAMES  # what `octavo build` makes unless told otherwise
    trim_size: str = "A4"  # the trimmed page of every PDF edition, as a CSS page size
    # Things worth a look that do not stop a build; `--strict` makes them errors (validate.py).
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    # Every source file loaded, path -> the bytes read (house file included): what the
    # editions are made from, fingerprinted and archived, never read a second time.
    read: dict = field(default_factory=dict, compare=False, repr=False)
    references: References | None = None  # references.json or references.bib, if there is one
    translation_of: Original | None = None  # the paper this one translates (translation_of:)
    # The translations of this paper in content/ (their translation_of: names its slug), as
    # (slug, language, url or None, doi or None): the web page links each (hreflang), the
    # distribution files name each.
    translations: tuple[tuple[str, str, str | None, str | None], ...] = ()
    version: int = 1  # 1 as first published; each published correction makes the next (version:)
    corrections: tuple[Correction, ...] = ()

    @property
    def translators(self) -> tuple[Contributor, ...]:
        return tuple(c for c in self.contributors if c.role == "translator")

    @property
    def authors(self) -> tuple[Contributor, ...]:
        return tuple(c for c in self.contributors if c.role == "author")

    @property
    def editors(self) -> tuple[Contributor, ...]:
        return tuple(c for c in self.contributors if c.role == "editor")

    @property
    def imprint_disclaimers(self) -> tuple[Disclaimer, ...]:
        return tuple(d for d in self.disclaimers if d.placement == "imprint")

    def disclaimer(self, disclaimer_id: str) -> Disclaimer:
        return next(d for d in self.disclaimers if d.id == disclaimer_id)


# ------------------------------------------------------- field validation

class _Collector:
    """Gathers problems while the model is built, so all are reported at once."""

    def __init__(self):
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, location: Location, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(location, message, hint))

    def warn(self, location: Location, message: str, hint: str | None = None) -> None:
        self.warnings.append(Problem(location, message, hint))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ContentError(self.problems)


# A field spec: name -> (accepted types, required). Unknown keys are errors,
# with a "did you mean" from the known ones.
Spec = dict[str, tuple[tuple[type, ...], bool]]
STR = (str,)


def _check_fields(data, spec: Spec, what: str, where: Location, problems: _Collector,
                  missing_hints: dict[str, str] | None = None) -> dict:
    """Validate one mapping against its spec; return the valid fields only. `missing_hints`:
    what to write for a required field that is absent, where more can be said than its name."""
    if not isinstance(data, Mapping):
        problems.add(getattr(data, "location", None) or where, f"{what} must be a mapping of fields",
                     "write it as 'field: value' lines (see docs/authoring.md)")
        return {}
    valid = {}
    for key, value in data.items():
        if key not in spec:
            close = difflib.get_close_matches(str(key), spec, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(spec)}"
            problems.add(data.where(key), f"unknown field '{key}' in {what}", hint)
            continue
        types, _ = spec[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            expected = " or ".join(_type_name(t) for t in types)
            problems.add(data.where(key), f"'{key}' in {what} must be {expected}, not {_type_name(type(value))}",
                         _TYPE_HINTS.get(types[0]))
            continue
        if isinstance(value, str) and not value.strip():
            problems.add(data.where(key), f"'{key}' in {what} is empty", "write the text, or remove the line")
            continue
        valid[key] = value
    for key, (_, required) in spec.items():
        if required and key not in data:
            problems.add(data.location or where, f"{what} has no '{key}'",
                         (missing_hints or {}).get(key, f"add a '{key}:' field"))
    return valid


_TYPE_HINTS = {
    str: "write the text after the colon; put it in quotes if it starts with a symbol or looks like a number",
    int: "write digits only, e.g. 2018",
    bool: "write true or false",
    Mapping: "write 'field: value' lines, indented under this one",
    Sequence: "write a list: [a, b] on one line, or one '- item' line each, indented under this one",
    dt.date: "write the date as YYYY-MM-DD",
}


def _type_name(t: type) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", Mapping: "a mapping",
            Sequence: "a list", dt.date: "a date (YYYY-MM-DD)", type(None): "empty"}.get(t, t.__name__)


def _text(value: str) -> str:
    """Fold the whitespace YAML's folded scalars and line wraps leave behind."""
    return " ".join(value.split())


# ------------------------------------------------------------- publisher

# A disclaimer's text and label are text, or a mapping of language tag -> text (one wording
# per language the house publishes in: docs/authoring.md, "Languages").
DISCLAIMER_SPEC: Spec = {"id": (STR, True), "text": ((str, Mapping), True), "label": ((str, Mapping), False),
                         "placement": (STR, False)}
UNTRANSLATED = ("error", "warn")
PUBLISHER_SPEC: Spec = {"name": (STR, True), "short_name": (STR, True), "place": ((str, Mapping), True),
                        "website": (STR, False), "disclaimers": ((Sequence,), True), "style": (STR, False),
                        "email": (STR, False), "citation_style": (STR, False), "language": (STR, False),
                        "untranslated_disclaimers": (STR, False), "crossmark_policy": (STR, False)}
# Enough to catch a name or a URL written where the address goes; the mail server decides the rest.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def load_publisher(content_dir: Path) -> Publisher:
    path = content_dir / PUBLISHER_FILE
    if not path.exists():
        raise ContentError([Problem(Location(path), "there is no house file: every publication needs the "
                                    f"{PUBLISHER_FILE} beside its folder",
                                    f"write {path} (`octavo new <slug>` writes one), or name the folder that holds "
                                    "the publications and their house file with --content")])
    problems = _Collector()
    read: dict = {}
    data = _load_mapping(path, "the house file", read)
    fields = _check_fields(data, PUBLISHER_SPEC, "the house file", Location(path, 1), problems)
    language = fields.get("language", "en")
    if not LANG_RE.fullmatch(language):
        problems.add(data.where("language"), f"language {language!r} is not a language tag",
                     "give the language the house writes its disclaimers in as a BCP 47 tag, e.g. 'en' or 'de'")
    untranslated = fields.get("untranslated_disclaimers", "error")
    if untranslated not in UNTRANSLATED:
        problems.add(data.where("untranslated_disclaimers"), f"untranslated_disclaimers '{untranslated}' is not known",
                     "write 'error' (a paper in a language a disclaimer lacks is refused) or 'warn' "
                     "(it carries the house-language wording, with a warning)")
    disclaimers = _disclaimers(fields.get("disclaimers", []), "house", problems, language)
    if "disclaimers" in fields and not disclaimers and not problems.problems:
        problems.add(data.where("disclaimers"), "the house file lists no disclaimers",
                     "every publication carries the house disclaimers; list at least one")
    if "website" in fields:
        _check_url(fields["website"], "website", data.where("website"), problems)
    if "email" in fields and not EMAIL_RE.fullmatch(fields["email"]):
        problems.add(data.where("email"), f"email '{fields['email']}' is not an e-mail address",
                     "write the publications office's address, e.g. publications@isdp.eu")
    style = fields.get("style")
    if style is not None:
        _check_style(style, content_dir, data.where("style"), problems)
    citation_style = fields.get("citation_style", DEFAULT_CITATION_STYLE)
    if citation_style not in CITATION_STYLES:
        close = difflib.get_close_matches(citation_style, CITATION_STYLES, n=1)
        problems.add(data.where("citation_style"), f"citation style '{citation_style}' is not one Octavo offers",
                     f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(CITATION_STYLES)}")
    places = _places(data, fields, language, problems)
    policy = fields.get("crossmark_policy")
    if policy is not None:
        from .identifiers import DOI_RE

        policy = policy.strip().removeprefix("https://doi.org/")
        if not DOI_RE.fullmatch(policy):
            problems.add(data.where("crossmark_policy"), f"crossmark_policy '{fields['crossmark_policy']}' is not a DOI",
                         "give the DOI of the house's Crossmark policy page, e.g. 10.5555/crossmark-policy")
    _warn_placeholders(data, problems)
    problems.raise_if_any()
    return Publisher(name=_text(fields["name"]), short_name=_text(fields["short_name"]), places=places,
                     place=places[0][1] if places else "", website=fields.get("website"), email=fields.get("email"),
                     disclaimers=tuple(disclaimers), location=Location(path, 1), style=style, read=read,
                     warnings=tuple(problems.warnings), citation_style=citation_style, language=language,
                     untranslated_disclaimers=untranslated, crossmark_policy=policy)


def house_styles(content_dir: Path) -> list[str]:
    """The styles a house may name: its own (content/styles/<name>/) and Octavo's."""

    folders = [Path(content_dir) / STYLES, default_templates() / STYLES]
    return sorted({p.name for f in folders if f.is_dir() for p in f.iterdir() if p.is_dir()})


def _check_url(url: str, key: str, where: Location, problems: _Collector) -> None:
    """Every address in a YAML field passes the same allow-list as a link in the text (markdown.refused_url)."""
    why = refused_url(url, link=False)
    if why:
        problems.add(where, f"the address {url[:80]!r} in '{key}' is refused: it {why}",
                     "write a web address starting with https:// (or http://), e.g. 'https://www.example.org'")


def _check_style(style: str, content_dir: Path, where: Location, problems: _Collector) -> None:
    known = house_styles(content_dir)
    if not SLUG_RE.fullmatch(style) or style not in known:
        close = difflib.get_close_matches(style, known, n=1)
        problems.add(where, f"house style '{style}' does not exist",
                     f"did you mean '{close[0]}'?" if close else
                     f"choose one of {', '.join(known) or '(none)'}, or make content/{STYLES}/{style}/")


def _disclaimers(items, source: str, problems: _Collector, language: str | None = None) -> list[Disclaimer]:
    """`language`: the language of a wording given as plain text (the house's; None for a
    publication's own, which is in the paper's language)."""
    result, seen = [], set()
    for item in items:
        where = getattr(items, "location", None)
        fields = _check_fields(item, DISCLAIMER_SPEC, "a disclaimer", where, problems)
        if "id" not in fields or "text" not in fields:
            continue
        location = item.where("id")
        if not SLUG_RE.fullmatch(fields["id"]):
            problems.add(location, f"disclaimer id '{fields['id']}' is not a simple id",
                         "use lower-case letters, digits and hyphens, e.g. 'personal-capacity'")
        if fields["id"] in seen:
            problems.add(location, f"disclaimer id '{fields['id']}' is used twice", "give each disclaimer its own id")
        seen.add(fields["id"])
        placement = fields.get("placement", "imprint")
        if placement not in PLACEMENTS:
            problems.add(item.where("placement"), f"placement '{placement}' is not known",
                         f"use one of: {', '.join(PLACEMENTS)}")
        wordings = _wordings(item, fields, language, problems)
        text, label = (wordings[0][1], wordings[0][2]) if wordings else (_text(fields["text"]), fields.get("label"))
        result.append(Disclaimer(id=fields["id"], text=text, source=source, label=label, placement=placement,
                                 location=location, wordings=wordings))
    return result


def _wordings(item: Mapping, fields: dict, language: str | None, problems: _Collector
              ) -> tuple[tuple[str, str, str | None], ...]:
    """A disclaimer's wordings, (language, text, label), when its text is given per language;
    () when it is one text. The house's own language comes first: the wording it falls back to."""
    text, label = fields["text"], fields.get("label")
    if isinstance(text, str) and not isinstance(label, Mapping):
        return ((language, _text(text), label),) if language else ()
    texts = text if isinstance(text, Mapping) else {language or "": text}
    labels = label if isinstance(label, Mapping) else {language or "": label} if label else {}
    found = []
    for key, field_name, given in [(k, "text", texts) for k in texts] + [(k, "label", labels) for k in labels]:
        value = given[key]
        if not LANG_RE.fullmatch(str(key)):
            problems.add(given.where(key) if hasattr(given, "where") else item.where(field_name),
                         f"'{key}' in the disclaimer's {field_name} is not a language tag",
                         "give each wording under its language's BCP 47 tag, e.g. 'en:', 'ko:', 'zh-Hant:'")
        elif not isinstance(value, str) or not value.strip():
            problems.add(given.where(key) if hasattr(given, "where") else item.where(field_name),
                         f"the disclaimer's {field_name} in '{key}' is empty or not text", "write the wording as text")
        elif field_name == "label" and key not in texts:
            problems.add(given.where(key), f"the disclaimer has a label in '{key}' but no text in it",
                         f"add its text under 'text:' as '{key}: …', or remove the label")
        elif field_name == "text":
            found.append(key)
    by_tag = {str(k): (str(k), _text(texts[k]), (labels.get(k) or None)) for k in found}
    first = [by_tag.pop(language)] if language in by_tag else []
    return tuple(first + list(by_tag.values()))


def _places(data: Mapping, fields: dict, language: str, problems: _Collector) -> tuple[tuple[str, str], ...]:
    """The house's place of publication, (tag, text) per language, its own language first: the
    imprint says where the house publishes in the paper's language ("Stockholm, Schweden")."""
    given = fields.get("place")
    if given is None:
        return ()
    if not isinstance(given, Mapping):
        return ((language, _text(given)),)
    found = []
    for tag, text in given.items():
        if not LANG_RE.fullmatch(str(tag)):
            problems.add(given.where(tag), f"'{tag}' in the place is not a language tag",
                         "give each wording under its language's BCP 47 tag, e.g. 'en:', 'de:'")
        elif not isinstance(text, str) or not text.strip():
            problems.add(given.where(tag), f"the place in '{tag}' is empty or not text", "write the place as text")
        else:
            found.append((str(tag), _text(text)))
    if given and not found and not problems.problems:
        problems.add(data.where("place"), "the place has no wording", "write the place as text")
    return tuple(sorted(found, key=lambda pair: pair[0] != language))


def place_in(publisher: Publisher, language: str) -> str:
    """The place a paper in `language` prints: its language's wording (matched as a disclaimer's
    is: in_language), else the house's own. A place name left untranslated is still a place."""
    if len(publisher.places) < 2:
        return publisher.place
    chosen = in_language(Disclaimer("place", publisher.place, "house",
                                    wordings=tuple((tag, text, None) for tag, text in publisher.places)), language)
    return chosen[0] if chosen else publisher.place


def in_language(disclaimer: Disclaimer, language: str) -> tuple[str, str | None, str] | None:
    """The wording of `disclaimer` a paper in `language` prints, (text, label, its language), or
    None where the house gives none in it. A wording matches the tag as written, then its script
    ("zh-Hant" for a paper in zh-TW), then its language alone; only English matches English, and
    Chinese in one script never stands for the other (MULTI_SCRIPT)."""
    from .languages import MULTI_SCRIPT, label_tags

    if not disclaimer.wordings:
        return disclaimer.text, disclaimer.label, language
    primary = language.split("-")[0].lower()
    by_tag = {tag.lower(): (text, label, tag) for tag, text, label in disclaimer.wordings}
    for tag in reversed(label_tags(language)):
        if tag.split("-")[0].lower() == primary and tag.lower() in by_tag:
            return by_tag[tag.lower()]
    if primary not in MULTI_SCRIPT:
        return next((w for t, w in by_tag.items() if t.split("-")[0] == primary), None)
    return None


# ----------------------------------------------------------- publication

AFFILIATION_SPEC: Spec = {"organisation": (STR, True), "place": (STR, False), "country": (STR, False),
                          "ror": (STR, False)}
CONTRIBUTOR_SPEC: Spec = {"id": (STR, True), "name": (STR, True), "native_name": (STR, False),
                          "native_name_lang": (STR, False),
                          "position": (STR, False), "affiliations": ((Sequence,), False),
                          "corporate": ((bool,), False), "role": (STR, False), "orcid": (STR, False),
                          "bio": (STR, False), "file_as": (STR, False)}
SERIES_SPEC: Spec = {"name": (STR, True), "kind": (STR, False), "number": ((str, int), False)}
RIGHTS_SPEC: Spec = {"holder": (STR, True), "year": ((int,), True)}
# An ISBN written without hyphens is read by YAML as a number; it is one all the same.
IDENTIFIERS_SPEC: Spec = {"print_isbn": ((str, int), False), "ebook_isbn": ((str, int), False), "doi": (STR, False),
                          "url": (STR, False)}
PUBLICATION_SPEC: Spec = {"title": (STR, True), "subtitle": (STR, False), "series": ((Mapping,), False),
                          "date": ((dt.date, str), True), "language": (STR, True),
                          "rights": ((Mapping,), True), "identifiers": ((Mapping,), False),
                          "contributors": ((Sequence,), True), "house_disclaimers": ((Sequence,), True),
                          "disclaimers": ((Sequence,), False), "sections": ((Sequence,), True),
                          "editions": ((Sequence,), False), "trim_size": (STR, False),
                          "translation_of": ((str, Mapping), False), "version": ((int,), False),
                          "corrections": ((Sequence,), False)}
# One entry of corrections: (docs/authoring.md, "Versions and corrections").
CORRECTION_SPEC: Spec = {"date": ((dt.date, str), True), "text": (STR, True), "version": ((int,), False),
                         "section": (STR, False)}
# An original named by what is known of it, when it is not a publication in content/.
ORIGINAL_SPEC: Spec = {"title": (STR, True), "language": (STR, True), "doi": (STR, False),
                       "isbn": ((str, int), False), "url": (STR, False)}
SECTION_SPEC: Spec = {"title": (STR, True), "role": (STR, False), "authors": ((Sequence,), True),
                      "perspective_of": ((Sequence,), False), "label": (STR, False),
                      "translators": ((Sequence,), False)}
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def load_publication(folder: Path, publisher: Publisher | None = None) -> Publication:
    """Load content/<slug>/ and the house file beside it into a validated Publication."""
    folder = Path(folder)
    publisher = publisher or load_publisher(folder.parent)
    path = folder / PUBLICATION_FILE
    if not folder.is_dir() and not folder.is_symlink():  # a loop of links is a folder that cannot be read: below
        near = difflib.get_close_matches(folder.name, sorted(p.name for p in folder.parent.iterdir()
                                                             if (p / PUBLICATION_FILE).is_file()), n=1) \
            if folder.parent.is_dir() else []
        raise ContentError([Problem(Location(folder), "there is no such folder",
                                    f"did you mean '{folder.parent / near[0]}'?" if near else
                                    "name a publication's folder, e.g. content/<slug>; 'octavo new <slug>' makes one")])
    if not path.is_file():
        raise ContentError([Problem(Location(folder), f"no {PUBLICATION_FILE} in this folder",
                                    "a publication is a folder with a publication.yaml; 'octavo new <slug>' makes one")])
    problems = _Collector()
    read = dict(publisher.read)
    data = _load_mapping(path, "the publication", read)
    house = ", ".join(d.id for d in publisher.disclaimers)
    fields = _check_fields(data, PUBLICATION_SPEC, "the publication", Location(path, 1), problems, {
        "house_disclaimers": f"add 'house_disclaimers: [{house}]': every publication carries the house's "
                             f"disclaimers, by their ids in {PUBLISHER_FILE}",
        "date": "add the day of publication as 'date: YYYY-MM-DD', e.g. 'date: 2018-02-05'"})

    slug = folder.name
    if not SLUG_RE.fullmatch(slug):
        problems.add(Location(path), f"the folder name '{slug}' is not a valid slug",
                     "rename the folder with lower-case letters, digits and hyphens")
    contributors = _contributors(fields.get("contributors", Sequence()), problems)
    by_id = {c.id: c for c in contributors}
    language = fields.get("language", "en")
    if not LANG_RE.fullmatch(language):
        problems.add(data.where("language"), f"language {language!r} is not a language tag",
                     "use a BCP 47 tag such as 'en' or 'en-GB'")
    disclaimers = _publication_disclaimers(data, fields, publisher, language, problems)
    sections = _sections(folder, data, fields.get("sections", Sequence()), by_id, problems, read)
    _check_inline_disclaimers(disclaimers, sections, path, problems)
    references = _references(folder, sections, read, problems)
    _check_cross_references(sections, problems)
    date = _date(data, fields.get("date"), problems)
    version, corrections = _corrections(folder, data, fields, sections, date, problems)
    rights = _check_fields(fields.get("rights", Mapping()), RIGHTS_SPEC, "rights", data.where("rights"), problems)
    identifiers = _identifiers(data, fields, problems)
    series = None
    if "series" in fields:
        s = _check_fields(fields["series"], SERIES_SPEC, "the series", data.where("series"), problems)
        series = Series(s["name"], s.get("kind"), str(s["number"]) if "number" in s else None) if "name" in s else None
    if contributors and not any(c.role == "author" for c in contributors):
        problems.add(data.where("contributors"), "no contributor has the role 'author'",
                     "a publication needs at least one author")
    editions = _editions(data, fields, problems)
    trim_size = _trim_size(data, fields, problems)
    _warn_uncredited(contributors, sections, problems)
    _warn_placeholders(data, problems)
    original = _original(folder, data, fields, language, read, problems)
    if original is None and any(c.role == "translator" for c in contributors):
        problems.add(data.where("contributors"), "a contributor is a translator, but the publication does not say "
                     "what it translates", "add 'translation_of:' with the original's slug in content/, or its "
                     "title and language")
    if LANG_RE.fullmatch(language):
        _warn_missing_labels(folder, publisher, language, data.where("language"), problems)
    problems.warnings[:0] = publisher.warnings  # every publication the house prints carries its TODOs
    problems.raise_if_any()
    return Publication(
        slug=slug, folder=folder, title=_text(fields["title"]),
        subtitle=_text(fields["subtitle"]) if "subtitle" in fields else None,
        series=series, date=date, language=language,
        rights_holder=_text(rights["holder"]), rights_year=rights["year"],
        identifiers=dict(identifiers), publisher=replace(publisher, place=place_in(publisher, language)),
        contributors=tuple(contributors),
        disclaimers=tuple(disclaimers), sections=tuple(sections), editions=editions, trim_size=trim_size,
        warnings=tuple(problems.warnings), read=read, references=references, translation_of=original,
        translations=_translations(folder, read), version=version, corrections=corrections)


def _original(folder: Path, data: Mapping, fields: dict, language: str, read: dict,
              problems: _Collector) -> Original | None:
    """translation_of: the slug of the original in content/ (its title, language and identifiers
    read from its publication.yaml), or a mapping of what is known of an original published
    elsewhere."""
    given = fields.get("translation_of")
    where = data.where("translation_of")
    if given is None:
        return None
    if isinstance(given, str):
        source = folder.parent / given / PUBLICATION_FILE
        if not SLUG_RE.fullmatch(given) or given == folder.name or not source.is_file():
            known = sorted(p.parent.name for p in folder.parent.glob(f"*/{PUBLICATION_FILE}") if p.parent != folder)
            close = difflib.get_close_matches(given, known, n=1)
            problems.add(where, f"translation_of names '{given}', which is no other publication in {folder.parent}",
                         f"did you mean '{close[0]}'?" if close else "give the original's folder name, or its title and "
                         "language: 'translation_of: {title: …, language: en}'")
            return None
        try:
            other = _load_mapping(source, "the original's publication.yaml", read)
        except ContentError as exc:
            problems.problems.extend(exc.problems)
            return None
        found = {k: other.get(k) for k in ("title", "language")}
        numbers = other.get("identifiers") if isinstance(other.get("identifiers"), Mapping) else {}
        if not all(isinstance(v, str) for v in found.values()):
            problems.add(where, f"the original '{given}' has no title or language", f"complete {source}")
            return None
        isbn = numbers.get("print_isbn") or numbers.get("ebook_isbn")
        title = _text(found["title"])
        if isinstance(other.get("subtitle"), str):  # as its title page and metadata give it (metadata.join_title)
            title += (" " if title[-1:] in "?!.:;" else ": ") + _text(other["subtitle"])
        original = Original(title, found["language"], given, numbers.get("doi"),
                            str(isbn) if isbn else None, numbers.get("url"))
    else:
        known = _check_fields(given, ORIGINAL_SPEC, "translation_of", where, problems)
        if "title" not in known or "language" not in known:
            return None
        isbn = str(known["isbn"]) if "isbn" in known else None
        if isbn and (problem := ids.isbn_problem(isbn)):
            problems.add(given.where("isbn"), f"the original's ISBN '{isbn}' {problem}", "copy it from the original")
        if "doi" in known and (problem := ids.doi_problem(known["doi"])):
            problems.add(given.where("doi"), f"the original's doi '{known['doi']}' {problem}", "e.g. 'doi: 10.5555/x'")
        if "url" in known:
            _check_url(known["url"], "url", given.where("url"), problems)
        original = Original(_text(known["title"]), known["language"], None, known.get("doi"), isbn, known.get("url"))
    if not LANG_RE.fullmatch(original.language):
        problems.add(where, f"the original's language {original.language!r} is not a language tag", "e.g. 'en'")
    elif original.language.split("-")[0] == language.split("-")[0]:
        problems.warn(where, f"the original is in '{original.language}', this paper's language too",
                      "a translation is in another language: check 'language:' here and in the original")
    return original


def _translations(folder: Path, read: dict) -> tuple[tuple[str, str, str | None, str | None], ...]:
    """The publications in content/ that say they translate this one, each with its language and
    URL. Each one's publication.yaml is read (and kept in `read`: what the build is made from),
    so that a new translation changes the original's fingerprint and its web page is built again."""
    from .catalog import translation_of

    found = []
    for path in sorted(folder.parent.glob(f"*/{PUBLICATION_FILE}")):
        if path.parent == folder or not SLUG_RE.fullmatch(path.parent.name) \
                or translation_of(path) != folder.name:
            continue
        try:
            other = load_yaml_file(path, {})
        except ContentError:
            continue  # its own build reports it
        if isinstance(other, Mapping) and other.get("translation_of") == folder.name \
                and isinstance(other.get("language"), str):
            load_yaml_file(path, read)
            numbers = other.get("identifiers") if isinstance(other.get("identifiers"), Mapping) else {}
            found.append((path.parent.name, other["language"], numbers.get("url"), numbers.get("doi")))
    return tuple(found)


def _references(folder: Path, sections: list[Section], read: dict, problems: _Collector) -> References | None:
    """The bibliography (citations.py, bibliography.py): every entry well-formed, every cited
    key in it; an entry nothing cites is worth a warning (it would not be printed)."""
    path = reference_file(folder, problems.problems)
    references = None
    if path is not None:
        try:
            references = load_references(path, read)
        except ContentError as exc:
            problems.problems.extend(exc.problems)
            return None
    cited = set(check_citations(sections, references, problems.problems))
    for entry in references.entries if references else ():
        if entry.id not in cited:
            problems.warn(Location(references.path, entry.line), f"the source '{entry.id}' is never cited",
                          f"cite it in the text with [@{entry.id}], or delete the entry: "
                          "the bibliography lists only the sources the text cites")
    return references


def _identifiers(data: Mapping, fields: dict, problems: _Collector) -> dict[str, str]:
    """The publication's standard numbers, each checked; ISBNs kept hyphenated as printed."""
    if "identifiers" not in fields:
        return {}
    given = fields["identifiers"]
    if isinstance(given, Mapping) and "isbn" in given:
        problems.add(given.where("isbn"), "'isbn' does not say which edition the ISBN belongs to",
                     "write 'print_isbn:' for the printed book and 'ebook_isbn:' for the EPUB (each format has its own ISBN)")
        rest = Mapping({k: v for k, v in given.items() if k != "isbn"})
        rest.location, rest.key_lines = given.location, given.key_lines
        given = rest
    identifiers = _check_fields(given, IDENTIFIERS_SPEC, "identifiers", data.where("identifiers"), problems)
    for key in ("print_isbn", "ebook_isbn"):
        if key in identifiers:
            identifiers[key] = str(identifiers[key])
            problem = ids.isbn_problem(identifiers[key])
            if problem:
                problems.add(given.where(key), f"{key} '{identifiers[key]}' {problem}",
                             "copy the ISBN from the agency's allocation (it is also under the barcode)")
            else:
                identifiers[key] = ids.isbn_hyphenated(identifiers[key])
    if identifiers.get("print_isbn") and identifiers.get("print_isbn") == identifiers.get("ebook_isbn"):
        problems.add(given.where("ebook_isbn"), "print_isbn and ebook_isbn are the same number",
                     "the EPUB needs an ISBN of its own; retailers refuse an e-book sold under the print ISBN")
    if "doi" in identifiers and (problem := ids.doi_problem(identifiers["doi"])):
        problems.add(given.where("doi"), f"doi '{identifiers['doi']}' {problem}", "e.g. 'doi: 10.5555/isdp.2018.2'")
    if "url" in identifiers:
        _check_url(identifiers["url"], "url", given.where("url"), problems)
    return dict(identifiers)


def _editions(data: Mapping, fields: dict, problems: _Collector) -> tuple[str, ...]:
    if "editions" not in fields:
        return EDITION_NAMES
    names = []
    for name in fields["editions"]:
        if name not in EDITION_NAMES:
            close = difflib.get_close_matches(str(name), EDITION_NAMES, n=1)
            problems.add(data.where("editions"), f"unknown edition '{name}'",
                         f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(EDITION_NAMES)}")
        elif name not in names:
            names.append(name)
    if not fields["editions"]:
        problems.add(data.where("editions"), "the publication lists no editions",
                     f"list some of {', '.join(EDITION_NAMES)}, or remove the field to build them all")
    return tuple(names)


def _trim_size(data: Mapping, fields: dict, problems: _Collector) -> str:
    value = " ".join(fields.get("trim_size", "A4").split())
    keyword = next((k for k in TRIM_KEYWORDS if k.lower() == value.lower()), None)
    if keyword:
        return keyword
    match = TRIM_MM_RE.fullmatch(value)
    if match and all(90 <= float(side) <= 500 for side in match.groups()):
        return value
    problems.add(data.where("trim_size"), f"trim size '{value}' is not a page size Octavo knows",
                 f"use one of {', '.join(TRIM_KEYWORDS)}, or width and height such as '170mm 240mm' (90 to 500 mm)")
    return "A4"


def _load_mapping(path: Path, what: str, read: dict | None = None) -> Mapping:
    """A YAML file whose top level must be a mapping; anything else (empty, a list) stops here."""
    data = load_yaml_file(path, read)
    if not isinstance(data, Mapping):
        found = "empty" if data is None else _type_name(type(data))
        line = getattr(getattr(data, "location", None), "line", None) or 1
        raise ContentError([Problem(Location(path, line), f"{what} must be a mapping of fields, but the file is {found}",
                                    "write 'field: value' lines, e.g. 'title: My paper'")])
    return data


def _contributors(items, problems: _Collector) -> list[Contributor]:
    result, seen = [], set()
    for item in items:
        fields = _check_fields(item, CONTRIBUTOR_SPEC, "a contributor", items.location, problems)
        if "id" not in fields or "name" not in fields:
            continue
        cid, where = fields["id"], item.where("id")
        if not SLUG_RE.fullmatch(cid):
            problems.add(where, f"contributor id {cid!r} is not a simple id",
                         "use lower-case letters, digits and hyphens, e.g. 'zhu-feng' (the name goes in 'name:')")
        if cid in seen:
            problems.add(where, f"contributor id '{cid}' is used twice", "give each contributor its own id")
        seen.add(cid)
        role = fields.get("role", "author")
        if role not in ROLES:
            problems.add(item.where("role"), f"contributor '{cid}' has role '{role}'",
                         f"use one of: {', '.join(ROLES)}")
        affiliations = []
        for aff in fields.get("affiliations", []):
            a = _check_fields(aff, AFFILIATION_SPEC, f"an affiliation of '{cid}'", item.where("affiliations"), problems)
            if "ror" in a and (problem := ids.ror_problem(a["ror"])):
                problems.add(aff.where("ror"), f"ROR ID '{a['ror']}' of '{cid}' {problem}",
                             "look the organisation up on https://ror.org and copy its ID")
            if "organisation" in a:
                affiliations.append(Affiliation(_text(a["organisation"]), a.get("place"), a.get("country"), a.get("ror")))
        corporate = fields.get("corporate", False)
        if not affiliations and not corporate and "affiliations" not in fields:
            # An independent analyst has none, and is attributed by name alone; an empty list
            # (`affiliations: []`) says so, a missing field may be an oversight.
            problems.warn(item.where("name") if "name" in item.key_lines else where,
                          f"contributor '{cid}' has no affiliation and will be attributed by name alone",
                          "add 'affiliations:' with an organisation, or write 'affiliations: []' if they have none")
        if "orcid" in fields and (problem := ids.orcid_problem(fields["orcid"])):
            problems.add(item.where("orcid"), f"ORCID '{fields['orcid']}' of '{cid}' {problem}",
                         "copy the iD from the contributor's ORCID record")
        for key in ("name", "native_name", "file_as"):
            if isinstance(fields.get(key), str) and (hidden := _format_characters(fields[key])):
                problems.add(item.where(key), f"the {key.replace('_', ' ')} of '{cid}' holds {hidden}, an invisible "
                             "character that reorders or hides letters", "delete it: type the name as it is "
                             "written (a name in Arabic or Hebrew runs right to left by itself)")
        native_name_lang = _native_name_lang(item, fields, cid, problems)
        result.append(Contributor(
            id=cid, name=_text(fields["name"]), role=role, native_name=fields.get("native_name"),
            native_name_lang=native_name_lang,
            position=fields.get("position"), affiliations=tuple(affiliations), corporate=corporate,
            orcid=fields.get("orcid"), bio=_text(fields["bio"]) if "bio" in fields else None,
            file_as=fields.get("file_as"), location=where))
    return result


# Invisible format characters (Unicode category Cf) a name may hold: the joiners some scripts
# need to shape their letters (Persian, Devanagari, emoji sequences). Every other one, a bidi
# override (U+202E) above all, makes a name read otherwise than its letters, in a byline, the
# metadata and every catalogue record.
NAME_JOINERS = ("\u200c", "\u200d")


def _format_characters(text: str) -> str:
    """The first format character in a name that is not a joiner, as 'U+202E', or ''."""
    found = next((ch for ch in text if unicodedata.category(ch) == "Cf" and ch not in NAME_JOINERS), "")
    return f"U+{ord(found):04X} ({unicodedata.name(found, 'a format character').lower()})" if found else ""


def _native_name_lang(item: Mapping, fields: dict, cid: str, problems: _Collector) -> str | None:
    """The language of a native-script name: as written, else read from its script (names.py)."""
    if "native_name_lang" in fields:
        tag = fields["native_name_lang"]
        if not LANG_RE.fullmatch(tag):
            problems.add(item.where("native_name_lang"), f"native_name_lang {tag!r} of '{cid}' is not a language tag",
                         "use a BCP 47 tag such as 'ja', 'ko', 'zh-Hans' or 'zh-Hant'")
        if "native_name" not in fields:
            problems.add(item.where("native_name_lang"), f"'{cid}' has a native_name_lang but no native_name",
                         "add 'native_name:' (the name in its own script) or remove 'native_name_lang:'")
        return tag
    if "native_name" not in fields:
        return None
    guess = name_language(fields["native_name"])
    if not guess.certain:
        problems.warn(item.where("native_name"),
                      f"the language of '{fields['native_name']}' ({cid}) is a guess: '{guess.tag}' from its script",
                      "write 'native_name_lang:' with its language (e.g. 'ja' for a Japanese name in kanji, "
                      "'zh-Hant' for Traditional Chinese) so it is set in the right font and read in the right voice")
    return guess.tag


def _publication_disclaimers(data: Mapping, fields: dict, publisher: Publisher, language: str,
                             problems: _Collector) -> list[Disclaimer]:
    """House disclaimers first (every one required), then the publication's own; each in the
    wording of the paper's language (_worded_in)."""
    named = fields.get("house_disclaimers", Sequence())
    house = {d.id: d for d in publisher.disclaimers}
    named = [d_id for d_id in named if _is_id(d_id, data.where("house_disclaimers"), "house_disclaimers", problems)]
    for d_id in named:
        if d_id not in house:
            problems.add(data.where("house_disclaimers"), f"house disclaimer '{d_id}' does not exist in {PUBLISHER_FILE}",
                         f"known house disclaimers: {', '.join(house)}")
    for d_id in house:
        if "house_disclaimers" in fields and d_id not in named:
            problems.add(data.where("house_disclaimers"), f"the house disclaimer '{d_id}' is missing",
                         f"every publication must carry it: add '{d_id}' to house_disclaimers")
    own = _disclaimers(fields.get("disclaimers", []), "publication", problems)
    for d in own:
        if d.id in house:
            problems.add(d.location, f"disclaimer id '{d.id}' is already a house disclaimer", "choose another id")
    if not LANG_RE.fullmatch(language):
        return list(publisher.disclaimers) + own  # refused above: no wording can be chosen
    where = data.where("language")  # the mapping's own line where the language is not written
    return [_worded_in(d, language, publisher, where, problems) for d in [*publisher.disclaimers, *own]]


def _worded_in(d: Disclaimer, language: str, publisher: Publisher, where: Location | None,
               problems: _Collector) -> Disclaimer:
    """`d` in the wording a paper in `language` prints; where there is none, the house's own
    wording with a warning if the house allows it (untranslated_disclaimers: warn), else an error:
    a disclaimer a reader cannot read disclaims nothing."""
    found = in_language(d, language)
    if found:
        text, label, tag = found
        labelled = [t for t, _, other in d.wordings if other]
        if label is None and labelled:
            whose = f"'{d.id}' ({PUBLISHER_FILE}, line {d.location.line})" if d.source == "house" and d.location \
                else f"'{d.id}'"
            problems.warn(where, f"the disclaimer {whose} has a label in {', '.join(labelled)} but none in "
                                 f"'{tag}': the paper prints its text without a label",
                          f"give the label one wording per language, as the text: "
                          f"label: {{{labelled[0]}: \"…\", {tag}: \"…\"}}")
        return replace(d, text=text, label=label, language=None)  # a wording in the paper's own language
    given = ", ".join(t for t, _, _ in d.wordings)
    whose = f"the house disclaimer '{d.id}' ({PUBLISHER_FILE}, line {d.location.line})" if d.source == "house" \
        and d.location else f"the disclaimer '{d.id}'"
    if d.source == "house" and publisher.untranslated_disclaimers == "warn":
        problems.warn(where, f"{whose} has no wording in '{language}', the paper's language: it is printed "
                             f"in '{d.wordings[0][0]}'", f"add its '{language}:' wording under its text")
        return replace(d, language=d.wordings[0][0])
    problems.add(where, f"{whose} has no wording in '{language}', the paper's language (it has {given})",
                 f"give 'text:' one wording per language, each on its own indented line under it: "
                 f"'{d.wordings[0][0] if d.wordings else 'en'}: …' and '{language}: …' "
                 f"(docs/authoring.md, \"The house file\")" + (
                     f"; or, to print the house's own wording with a warning, set "
                     f"'untranslated_disclaimers: warn' in {PUBLISHER_FILE}" if d.source == "house" else ""))
    return d


# What one publication may hold (issue 22): a build that asks more is refused at `validate`,
# with the place and the limit, rather than run for many minutes (5,000 sections or 10,000
# notes ran past 300 s without a verdict). The notes are some six times what the 300-page paper
# of `make bench` holds (321), which builds in about a minute; the sections leave room for the
# CommonMark corpus's paper of 655 one-example sections (tests/test_corpus_commonmark.py).
MAX_SECTIONS = 1_000
MAX_NOTES = 2_000
NOTE_DEFINITION_RE = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:", re.MULTILINE)


def _sections(folder: Path, data: Mapping, items, contributors: dict[str, Contributor],
              problems: _Collector, read: dict | None = None) -> list[Section]:
    result, seen, ids = [], {}, {}
    if len(items) > MAX_SECTIONS:
        problems.add(data.where("sections"), f"the publication lists {len(items):,} sections, over the limit of "
                     f"{MAX_SECTIONS:,} a publication may hold", "publish it as several publications (a series), "
                     "or join short sections into chapters")
        return result
    notes = 0
    for index, entry in enumerate(items):
        where = Location(data.location.path, data.key_lines.get("sections", 0) + index + 1)
        if not isinstance(entry, str):
            problems.add(where, "each section must be a file path",
                         "write it as '- sections/01-introduction.md', relative to the publication folder")
            continue
        path = _section_path(folder, entry, where, problems)
        if path is None:
            continue
        key = path.resolve()
        if key in seen:
            first, line = seen[key]
            problems.add(where, f"section '{entry}' is listed twice"
                         + (f" (as '{first}' at line {line})" if first != entry else ""), "list each section file once")
            continue
        seen[key] = (entry, where.line)
        section_id = f"sec-{path.stem}"
        if section_id in ids:
            first, line = ids[section_id]
            problems.add(where, f"sections '{first}' (line {line}) and '{entry}' have the same file name "
                         f"'{path.stem}', so the same id in every edition",
                         "rename one of the files: each section needs its own file name")
            continue
        ids[section_id] = (entry, where.line)
        try:
            source = load_markdown_file(path, read)
        except ContentError as exc:
            problems.problems.extend(exc.problems)
            continue
        section = _section(folder, source, contributors, problems)
        if section:
            result.append(section)
        before, notes = notes, notes + len(NOTE_DEFINITION_RE.findall(source.body))
        if before <= MAX_NOTES < notes:
            problems.add(Location(source.path, source.body_line), f"with this section the publication holds "
                         f"{notes:,} notes, over the limit of {MAX_NOTES:,}", "publish it as several "
                         "publications, or move long notes into the text or an appendix")
    if not items and "sections" in data:
        problems.add(data.where("sections"), "the publication has no sections",
                     "list its section files under 'sections:', e.g. '- sections/01-introduction.md'")
    return result


def _section_path(folder: Path, entry: str, where: Location, problems: _Collector) -> Path | None:
    """The section file an entry names, or None (and a problem): refused, never normalised."""
    parts = entry.replace("\\", "/").split("/")
    if entry.startswith(("/", "\\")) or Path(entry).is_absolute() or re.match(r"^[A-Za-z]:", entry):
        problems.add(where, f"section '{entry}' is an absolute path",
                     "write it relative to the publication folder, e.g. 'sections/01-introduction.md'")
        return None
    path = folder / entry
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL byte
        problems.add(where, f"section '{entry}' cannot be opened: its path is a loop of links or an impossible name",
                     "replace the link with the section file itself")
        return None
    if not inside:
        problems.add(where, f"section '{entry}' lies outside the publication folder",
                     "keep section files inside the publication's own folder")
        return None
    if ".." in parts or "." in parts or "" in parts:
        problems.add(where, f"section '{entry}' is refused: its path has '..', '.' or an empty part",
                     "write the path from the publication folder down, e.g. 'sections/01-introduction.md'")
        return None
    bad = next((part for part in parts if not SECTION_PART_RE.fullmatch(part)), None)
    if bad is not None:
        problems.add(where, f"section '{entry}' has a name that an edition cannot carry ('{bad}')",
                     "rename the file (and the entry here) with ASCII letters, digits, '-', '_' and '.' only, "
                     "no spaces or accents, e.g. 'sections/07-conclusion.md'")
        return None
    if not path.is_file():
        problems.add(where, f"section file '{entry}' does not exist",
                     "create it, or correct the path (it is relative to the publication folder)")
        return None
    return path


def _section(folder: Path, source: MarkdownSource, contributors: dict[str, Contributor],
             problems: _Collector) -> Section | None:
    front = source.front_matter
    fields = _check_fields(front, SECTION_SPEC, "the section's front matter", Location(source.path, 2), problems)
    _warn_placeholders(front, problems)  # a title the import could not tell ("TODO: a title for …")
    role = fields.get("role", "chapter")
    if "role" not in front:
        problems.warn(Location(source.path, 2), "the section has no 'role'; it is printed as a chapter",
                      f"add 'role:' with one of: {', '.join(SECTION_ROLES)}")
    if role not in SECTION_ROLES:
        problems.add(front.where("role"), f"section role '{role}' is unknown", f"use one of: {', '.join(SECTION_ROLES)}")
    people = {}
    for key in ("authors", "perspective_of", "translators"):
        people[key] = []
        for cid in fields.get(key, []):
            if not _is_id(cid, front.where(key), key, problems):
                continue
            if cid not in contributors:
                close = difflib.get_close_matches(str(cid), contributors, n=1)
                problems.add(front.where(key), f"{key} names '{cid}', but no contributor has that id",
                             f"did you mean '{close[0]}'?" if close else "add the contributor to publication.yaml")
            else:
                people[key].append(contributors[cid])
    if "authors" in fields and not fields["authors"]:
        problems.add(front.where("authors"), "the section lists no authors",
                     "name who wrote it by contributor id, e.g. 'authors: [first-author]'")
    if not source.body.strip():
        problems.add(Location(source.path, source.body_line), "the section has no text",
                     "write the section's text below the front matter, or remove it from publication.yaml")
    problems.problems.extend(check_body(source.body, source.path, source.body_line, folder))
    _warn_body(source, problems)
    if "title" not in fields:
        return None
    _warn_repeated_title(source, fields["title"], problems)
    return Section(id=f"sec-{source.path.stem}", path=source.path, title=_text(fields["title"]), role=role,
                   authors=tuple(people["authors"]), perspective_of=tuple(people["perspective_of"]),
                   body=source.body, body_line=source.body_line, label=fields.get("label"),
                   label_at=front.where("label") if "label" in fields else None,
                   # A translation's sections are each credited to its translators, unless one names its own.
                   translators=tuple(people["translators"]) if "translators" in fields else
                   tuple(c for c in contributors.values() if c.role == "translator"))


def _check_inline_disclaimers(disclaimers: list[Disclaimer], sections: list[Section], path: Path,
                              problems: _Collector) -> None:
    """An inline disclaimer is printed where the text places it: exactly once."""
    known = {d.id: d for d in disclaimers}
    placed: dict[str, int] = {}
    for section in sections:
        for d_id, line in placed_disclaimers(section.body, section.body_line):
            where = Location(section.path, line)
            if d_id not in known:
                problems.add(where, f"the text places disclaimer '{d_id}', which is not defined",
                             f"correct the name (defined: {', '.join(known) or 'none'}), or define it under "
                             f"'disclaimers:' in {path.name} with its id, text and 'placement: inline'")
            elif known[d_id].placement != "inline":
                problems.add(where, f"disclaimer '{d_id}' is printed on the imprint page, not inline",
                             "set 'placement: inline' on it, or remove the placeholder")
            placed[d_id] = placed.get(d_id, 0) + 1
    for d in disclaimers:
        if d.placement == "inline" and placed.get(d.id, 0) != 1:
            count = placed.get(d.id, 0)
            problems.add(d.location, f"inline disclaimer '{d.id}' is placed {count} times in the text",
                         f"put {{{{disclaimer:{d.id}}}}} in exactly one section")


def _check_cross_references(sections: list[Section], problems: _Collector) -> None:
    """Every reference names a label, and no label is given twice (xref.survey)."""
    found = xref.survey(sections)
    problems.problems.extend(found.problems)
    problems.warnings.extend(found.warnings)


def _corrections(folder: Path, data: Mapping, fields: dict, sections: list[Section], published: dt.date,
                 problems: _Collector) -> tuple[int, tuple[Correction, ...]]:
    """The paper's version and the corrections that made it: each dated on or after the paper's
    date, made in a version after the first and not after the paper's own, in a section the
    paper holds (named as sections: lists it)."""
    version = fields.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.add(data.where("version"), f"version {version!r} is not a version number",
                     "give a whole number: 1 as first published, 2 after the first correction, …")
        version = 1
    listed = {entry: section.id for entry, section in zip(fields.get("sections", ()), sections)
              if isinstance(entry, str)}
    found = []
    items = list(fields.get("corrections", ()))
    if items and version < 2:
        problems.add(data.where("version") if "version" in fields else data.where("corrections"),
                     f"the paper lists {len(items)} correction{'s' * (len(items) != 1)}, but is at version 1",
                     "a correction makes a new version: set 'version:' to the version the last correction made "
                     "(2 after the first)")
    for item in items:
        where = getattr(item, "location", None) or data.where("corrections")
        given = _check_fields(item, CORRECTION_SPEC, "a correction", where, problems)
        if "date" not in given or "text" not in given:
            continue
        day = _date(item, given["date"], problems)
        made_in = given.get("version", version)
        if day < published:
            problems.add(item.where("date"), f"the correction is dated {day}, before the paper's date ({published})",
                         "date it the day the correction was published")
        if version < 2:
            pass  # said once, above
        elif "version" not in given and version > 2:
            # With version 2 every correction made version 2; after it, one without a version would
            # take the paper's and be printed as made by a version that did not make it.
            problems.add(item.where("text"), f"the paper is at version {version}, and this correction does not "
                         "say which version it made", "give it 'version:' (2 for the first correction "
                         "released), so that its notice keeps the version it was published in")
        elif isinstance(made_in, bool) or not 2 <= made_in <= version:
            problems.add(item.where("version"), f"version {made_in!r} is not one a correction can make",
                         f"give a version from 2 to {version}, the paper's own")
        section = given.get("section")
        if section is not None and section not in listed:
            close = difflib.get_close_matches(section, sorted(listed), n=1)
            problems.add(item.where("section"), f"the correction names the section '{section}', which the paper "
                         "does not list", f"did you mean '{close[0]}'?" if close else
                         "name it as 'sections:' lists it, e.g. 'sections/03-outlook.md', or leave it out")
            section = None
        found.append(Correction(day, _text(given["text"]), made_in if isinstance(made_in, int) else version,
                                listed.get(section), item.where("text")))
    return version, tuple(sorted(found, key=lambda c: (c.version, c.date)))


def _date(data: Mapping, value, problems: _Collector) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            problems.add(data.where("date"), f"date '{value}' is not a valid date", "write it as YYYY-MM-DD")
    return dt.date(1970, 1, 1)


def _warn_missing_labels(folder: Path, publisher: Publisher, language: str, where: Location,
                         problems: _Collector) -> None:
    """A language no labels file speaks gets English furniture ("Contents", "Imprint"): said, with
    the file to write, in the house style or in Octavo's templates."""
    from .languages import missing_labels

    base = default_templates()
    folders = [f for f in (folder.parent / STYLES / (publisher.style or ""), base / STYLES / (publisher.style or ""))
               if publisher.style and f.is_dir()][:1] + [base]
    wanted = missing_labels(folders, language)
    if wanted:
        problems.warn(where, f"no labels file speaks '{language}': the words around the text "
                             f"(\"Contents\", \"Imprint\", the bylines' roles) are printed in English",
                      f"write {wanted} in the house style (content/{STYLES}/<style>/{wanted}), "
                      f"translating every label of Octavo's labels/en.yaml")


def _is_id(value, where: Location, key: str, problems: _Collector) -> bool:
    if isinstance(value, str):
        return True
    problems.add(where, f"'{key}' must list ids (text), not {_type_name(type(value))}",
                 f"write it as [{key.replace('_', '-')}-id, another-id]")
    return False


# ---------------------------------------------------------------- warnings
# Not wrong enough to stop a build, but worth an author's look; `--strict`
# (validate.py) promotes every one of them to an error.

LONG_PARAGRAPH_WORDS = 300
PLACEHOLDER_RE = re.compile(r"\b(TODO|FIXME|TK|XXX)\b")


def _warn_body(source: MarkdownSource, problems: _Collector) -> None:
    paragraph, start = [], source.body_line
    for offset, line in enumerate(source.body.splitlines() + [""]):
        match = PLACEHOLDER_RE.search(line)
        if match:
            problems.warn(Location(source.path, source.body_line + offset),
                          f"the text still holds the placeholder '{match.group(1)}'", "write the text, or remove the marker")
        if line.strip():
            if not paragraph:
                start = source.body_line + offset
            paragraph.append(line)
            continue
        words = len(" ".join(paragraph).split())
        if words > LONG_PARAGRAPH_WORDS:
            problems.warn(Location(source.path, start), f"a paragraph of {words} words",
                          f"readers lose their way in paragraphs over {LONG_PARAGRAPH_WORDS} words: split it")
        paragraph = []


HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def _warn_repeated_title(source: MarkdownSource, title: str, problems: _Collector) -> None:
    """Every edition prints the title from the front matter: a heading that repeats it prints it twice."""
    for offset, line in enumerate(source.body.splitlines()):
        if not line.strip():
            continue
        match = HEADING_RE.match(line)
        if match and _letters(match.group(1)) == _letters(title):
            problems.warn(Location(source.path, source.body_line + offset),
                          f"the heading '{line.strip()}' repeats the section's title",
                          "delete it: every edition prints the title from 'title:' in the front matter")
        return


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _warn_uncredited(contributors: list[Contributor], sections: list[Section], problems: _Collector) -> None:
    credited = {c.id for s in sections for c in s.attributed}
    for c in contributors:
        if c.role == "author" and c.id not in credited:
            problems.warn(c.location, f"author '{c.id}' is credited with no section",
                          "name them under 'authors:' or 'perspective_of:' in a section, or make them an editor")


def _warn_placeholders(data, problems: _Collector, where: Location | None = None) -> None:
    """Every text value in the YAML that still holds a TODO (as `octavo new` leaves them)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            _warn_placeholders(value, problems, data.where(key))
    elif isinstance(data, list):
        for value in data:
            _warn_placeholders(value, problems, getattr(data, "location", where))
    elif isinstance(data, str) and where is not None:
        match = PLACEHOLDER_RE.search(data)
        if match:
            problems.warn(where, f"'{data[:60]}' still holds the placeholder '{match.group(1)}'",
                          "fill in the real value")

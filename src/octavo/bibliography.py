"""A publication's bibliography: references.json (CSL-JSON) or references.bib (BibTeX) beside
publication.yaml, read into checked CSL-JSON entries, each with the line it starts on.

The file is read like every source (load.read_text: size limit, UTF-8, characters no font
draws refused) and its bytes go into the publication's `read`, so the editions, the
fingerprint and the archive use the same bytes. BibTeX is converted to CSL-JSON by pandoc's
BibTeX reader (citations.pandoc_binary), the same pandoc that formats the citations: its
handling of LaTeX accents, name parts and biblatex types is better than anything we would
write, and one reader means one reading of each entry.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import identifiers as ids
from .errors import ContentError, Location, Problem
from .load import read_text
from .markdown import refused_url

REFERENCE_FILES = ("references.json", "references.bib")

# CSL 1.0.2's item types (https://docs.citationstyles.org/en/stable/specification.html#appendix-iii-types).
CSL_TYPES = ("article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast",
             "chapter", "classic", "collection", "dataset", "document", "entry", "entry-dictionary",
             "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview", "legal_case",
             "legislation", "manuscript", "map", "motion_picture", "musical_score", "pamphlet", "paper-conference",
             "patent", "performance", "periodical", "personal_communication", "post", "post-weblog", "regulation",
             "report", "review", "review-book", "software", "song", "speech", "standard", "thesis", "treaty",
             "webpage")

# A key as the Markdown can cite it (pandoc's rule): a letter, digit or '_' first, then letters,
# digits and internal punctuation; never ending in punctuation.
KEY_RE = re.compile(r"[^\W][\w:.#$%&+?<>~/-]*(?<![:.#$%&+?<>~/-])")
BIBTEX_ENTRY_RE = re.compile(r"^[ \t]*@([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s{}()]+)[ \t]*,", re.MULTILINE)
BIBTEX_NOT_ENTRIES = ("comment", "string", "preamble")
PANDOC_SECONDS = 120
# pandoc's heap (its runtime's -M): a BibTeX file it cannot read in this fails at once, where a
# crossref cycle once took 17 GB and two minutes. Every pandoc Octavo runs runs under it.
PANDOC_HEAP = "1g"
PANDOC_LIMITS = ["+RTS", f"-M{PANDOC_HEAP}", "-RTS"]
# The longest string a bibliography entry may hold (an abstract of some 1,500 words), and how
# deep a chain of BibTeX crossrefs may go (a chapter in a book in a series is 2).
MAX_FIELD_CHARS = 10_000
MAX_CROSSREF_DEPTH = 4
# A BibTeX entry this long is refused before pandoc reads it (pandoc took 18 s on a 1,000,000-
# character title): room for a few fields at the limit; the limit itself is checked after.
MAX_BIBTEX_ENTRY_CHARS = 4 * MAX_FIELD_CHARS
BIBTEX_CROSSREF_RE = re.compile(r"\bcrossref\s*=\s*(?:\{\s*([^{}]*?)\s*\}|\"\s*([^\"]*?)\s*\")", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    id: str
    data: dict = field(compare=False, repr=False)  # the CSL-JSON item, as pandoc reads it
    line: int = 0


@dataclass(frozen=True)
class References:
    path: Path
    entries: tuple[Reference, ...]

    def __contains__(self, key: str) -> bool:
        return any(entry.id == key for entry in self.entries)

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def where(self, key: str) -> Location:
        return Location(self.path, next((e.line for e in self.entries if e.id == key), None))


def reference_file(folder: Path, problems: list[Problem]) -> Path | None:
    """The publication's bibliography file, if it has one; both kinds at once is a problem."""
    found = [folder / name for name in REFERENCE_FILES if (folder / name).exists()]
    if len(found) > 1:
        problems.append(Problem(Location(found[1]), f"the publication has both {' and '.join(REFERENCE_FILES)}",
                                "keep one bibliography: delete or rename the other file"))
    return found[0] if found else None


def load_references(path: Path, read: dict | None = None) -> References:
    """Every entry of a bibliography file, checked, or a ContentError naming each bad one by line."""
    text = read_text(path, read)
    if path.suffix == ".bib":
        cycles = crossref_problems(text, path)
        if cycles:
            raise ContentError(cycles)
    raw = _bibtex_entries(text, path) if path.suffix == ".bib" else _json_entries(text, path)
    problems, entries, seen = [], [], {}
    for item, line in raw:
        where = Location(path, line)
        reference = _check_entry(item, where, problems)
        if reference is None:
            continue
        folded = reference.id.casefold()
        if folded in seen:
            first = seen[folded]
            problems.append(Problem(where, f"the key '{reference.id}' is given twice: first at line {first.line}"
                                    + (f" (as '{first.id}')" if first.id != reference.id else ""),
                                    "give each entry its own key; if both are the same work, delete one"))
            continue
        seen[folded] = reference
        entries.append(reference)
    if problems:
        raise ContentError(problems)
    return References(path, tuple(entries))


def _check_entry(item, where: Location, problems: list[Problem]) -> Reference | None:
    if not isinstance(item, dict):
        problems.append(Problem(where, "a bibliography entry must be an object of fields",
                                'write it as {"id": "key", "type": "book", "title": "…", …}'))
        return None
    key = item.get("id")
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not key.strip():
        problems.append(Problem(where, "a bibliography entry has no key ('id')",
                                "give it the key the text cites it by, e.g. \"id\": \"smith-2016\""))
        return None
    if not KEY_RE.fullmatch(key):
        problems.append(Problem(where, f"the key '{key}' cannot be cited",
                                "a key begins with a letter, a digit or '_' and holds letters, digits and "
                                "':.#$%&-+?<>~/' inside it (no spaces), e.g. 'smith-2016'"))
        return None
    bad = len(problems)
    longest = _longest_string(item)
    if len(longest) > MAX_FIELD_CHARS:
        problems.append(Problem(where, f"the entry '{key}' holds a field of {len(longest):,} characters, over the "
                                f"limit of {MAX_FIELD_CHARS:,} ('{longest[:40]}…')",
                                "a bibliography field is a title, a name, a date: shorten it, or leave a long "
                                "abstract out of the bibliography"))
        return None
    kind = item.get("type")
    if not kind:
        problems.append(Problem(where, f"the entry '{key}' has no type",
                                f"add \"type\": one of CSL's types, e.g. book, chapter, article-journal, report, "
                                "webpage, article-newspaper"))
    elif kind not in CSL_TYPES:
        close = difflib.get_close_matches(str(kind), CSL_TYPES, n=1)
        problems.append(Problem(where, f"the entry '{key}' has the type '{kind}', which CSL does not know",
                                f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(CSL_TYPES)}"))
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(where, f"the entry '{key}' has no title", "add its title"))
    url = item.get("URL")
    if url is not None and (not isinstance(url, str) or refused_url(url, link=False)):
        problems.append(Problem(where, f"the URL of '{key}' is refused: it "
                                f"{refused_url(url, link=False) if isinstance(url, str) else 'is not text'}",
                                "write a web address starting with https:// (or http://)"))
    doi = item.get("DOI")
    if doi is not None and (not isinstance(doi, str) or ids.doi_problem(doi)):
        problems.append(Problem(where, f"the DOI of '{key}' {ids.doi_problem(str(doi))}",
                                "e.g. \"DOI\": \"10.1086/690235\""))
    return None if len(problems) > bad else Reference(key, {**item, "id": key}, where.line)


def _longest_string(value) -> str:
    """The longest string anywhere in a CSL-JSON item (its fields, names, dates)."""
    if isinstance(value, str):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_longest_string(v) for v in items), key=len, default="")


def crossref_problems(text: str, path: Path) -> list[Problem]:
    """A BibTeX entry longer than MAX_BIBTEX_ENTRY_CHARS, or whose crossref chain comes back to
    itself or runs deeper than MAX_CROSSREF_DEPTH: refused at once, at the entry's line, before
    pandoc reads it."""
    starts = [m for m in BIBTEX_ENTRY_RE.finditer(text) if m.group(1).lower() not in BIBTEX_NOT_ENTRIES]
    parent, line_of, problems = {}, {}, []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        key = match.group(2).casefold()
        line_of.setdefault(key, (match.group(2), text.count("\n", 0, match.start()) + 1))
        if end - match.start() > MAX_BIBTEX_ENTRY_CHARS:
            problems.append(Problem(Location(path, text.count("\n", 0, match.start()) + 1),
                                    f"the entry '{match.group(2)}' is {end - match.start():,} characters long, over "
                                    f"the limit of {MAX_BIBTEX_ENTRY_CHARS:,} (a field may hold {MAX_FIELD_CHARS:,})",
                                    "a bibliography field is a title, a name, a date: shorten it, or leave a long "
                                    "abstract out of the bibliography; check for a runaway brace"))
        found = BIBTEX_CROSSREF_RE.search(text, match.end(), end)
        if found:
            parent[key] = (found.group(1) if found.group(1) is not None else found.group(2)).casefold()
    for key in parent:
        chain, at = [key], key
        while at in parent:
            at = parent[at]
            if at in chain:
                names = " → ".join(line_of.get(k, (k, 0))[0] for k in chain[chain.index(at):] + [at])
                if at == key:
                    problems.append(Problem(Location(path, line_of[key][1]), f"the crossref fields form a cycle: {names}",
                                            "an entry's crossref names the work that contains it (a book for a "
                                            "chapter); remove the crossref that points back"))
                break
            chain.append(at)
            if len(chain) > MAX_CROSSREF_DEPTH + 1:
                problems.append(Problem(Location(path, line_of[key][1]),
                                        f"the crossref chain from '{line_of[key][0]}' runs deeper than "
                                        f"{MAX_CROSSREF_DEPTH} entries", "a chapter's crossref names its book; "
                                        "a book's its series at most: shorten the chain"))
                break
    return problems


def _json_entries(text: str, path: Path) -> list[tuple[object, int]]:
    """A CSL-JSON array read one entry at a time, so that each keeps the line it starts on."""
    decoder = json.JSONDecoder()
    at = _skip_space(text, 0, path)
    if not text.startswith("[", at):
        raise ContentError([Problem(Location(path, text.count("\n", 0, at) + 1),
                                    "a CSL-JSON bibliography must be a list of entries, [ {…}, {…} ]",
                                    "export the library as CSL JSON (Zotero: 'CSL JSON'), which is such a list")])
    at, entries = _skip_space(text, at + 1, path), []
    while not text.startswith("]", at):
        try:
            item, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise ContentError([Problem(Location(path, exc.lineno), f"the JSON is not well-formed: {exc.msg}",
                                        "look for a missing comma, quote or bracket near this line")]) from None
        entries.append((item, text.count("\n", 0, at) + 1))
        at = _skip_space(text, end, path)
        if text.startswith(",", at):
            at = _skip_space(text, at + 1, path)
        elif not text.startswith("]", at):
            line = text.count("\n", 0, at) + 1
            raise ContentError([Problem(Location(path, line), "the JSON is not well-formed: expected ',' or ']'",
                                        "separate the entries with commas and close the list with ']'")])
    if text[at + 1:].strip():
        line = text.count("\n", 0, at) + 1
        raise ContentError([Problem(Location(path, line), "the JSON goes on after the list of entries ends",
                                    "delete what follows the closing ']'")])
    return entries


def _skip_space(text: str, at: int, path: Path) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    if at >= len(text):
        raise ContentError([Problem(Location(path, text.count("\n") + 1), "the JSON ends before the list of entries is closed",
                                    "close the list with ']'")])
    return at


def _bibtex_entries(text: str, path: Path) -> list[tuple[object, int]]:
    """BibTeX read by pandoc into CSL-JSON, each entry paired with the line its '@type{key,' stands on."""
    from .citations import pandoc_binary

    try:
        result = subprocess.run([pandoc_binary(), "--sandbox", "-f", "bibtex", "-t", "csljson", *PANDOC_LIMITS], input=text,
                                capture_output=True, text=True, timeout=PANDOC_SECONDS)
    except subprocess.TimeoutExpired:
        raise ContentError([Problem(Location(path), f"reading the BibTeX took more than {PANDOC_SECONDS} s",
                                    "check the file for a runaway brace")]) from None
    if result.returncode == 251 or "heap" in result.stderr and "exhausted" in result.stderr:
        raise ContentError([Problem(Location(path), f"reading the BibTeX needed more than pandoc's "
                                    f"{PANDOC_HEAP}B of memory", "check the file for a runaway brace or an "
                                    "entry of enormous fields")])
    if result.returncode != 0:
        match = re.search(r"line (\d+)", result.stderr)
        message = result.stderr.strip().splitlines()
        why = next((m for m in message[1:] if m.strip() and not m.strip().startswith("^")), "")
        raise ContentError([Problem(Location(path, int(match.group(1)) if match else None),
                                    f"the BibTeX is not well-formed{': ' + why.strip() if why else ''}",
                                    "check the entry that ends before this line: every '{' needs its '}', "
                                    "and fields are separated by commas")])
    lines: dict[str, list[int]] = {}
    for match in BIBTEX_ENTRY_RE.finditer(text):
        if match.group(1).lower() not in BIBTEX_NOT_ENTRIES:
            lines.setdefault(match.group(2), []).append(text.count("\n", 0, match.start()) + 1)
    entries = []
    for item in json.loads(result.stdout or "[]"):
        line = lines.get(str(item.get("id")), [None]).pop(0) if lines.get(str(item.get("id"))) else None
        if item.get("type") == "":  # @misc: BibTeX's catch-all, CSL's 'document'
            item["type"] = "document"
        entries.append((item, line))
    return entries

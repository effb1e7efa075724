"""Stage 1, load: read YAML and Markdown files into plain data that keeps line numbers.

Nothing here knows what a publication is; model.py gives the data its meaning.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ContentError, Location, Problem

# A policy paper's sources are a few kilobytes; anything this large is a
# mistake (a PDF dropped into content/, a runaway generated file).
MAX_SOURCE_BYTES = 5 * 1024 * 1024

# Lists and mappings inside each other: a publication needs four levels
# (contributors, one contributor, its affiliations, one affiliation). Deeper
# than this is a mistake, and far deeper (400 '[') would exhaust Python's stack.
MAX_YAML_DEPTH = 50

# A line with characters no font draws gets a problem of its own, up to this many lines.
MAX_CHARACTER_LINES = 10


class Mapping(dict):
    """A YAML mapping that remembers where it and each of its keys stand."""

    # Defaults for a Mapping made in code (an absent optional field), not by the loader.
    location: Location | None = None
    key_lines: dict[str, int] = {}  # never mutated: the loader assigns each mapping its own

    def where(self, key: str | None = None) -> Location:
        if key is not None and key in self.key_lines:
            return Location(self.location.path, self.key_lines[key])
        return self.location


class Sequence(list):
    location: Location | None = None


class _Refused(Exception):
    """What the loader refuses in well-formed YAML, in its own words: a mark, a message and a hint."""

    def __init__(self, mark, message: str, hint: str):
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers, refuses aliases and deep nesting, and notes duplicate keys.

    Aliases are refused outright: content never needs them, and they are the
    vehicle of the "billion laughs" expansion bomb. Nesting deeper than
    MAX_YAML_DEPTH is refused as it is read, before PyYAML's recursive composer
    can exhaust the stack. A key given twice in one mapping is noted (PyYAML
    would keep the last value without a word) and reported with every other
    duplicate of the file once it is read.
    """

    def __init__(self, stream, path: Path, first_line: int = 1):
        super().__init__(stream)
        self._path = path
        self._offset = first_line - 1
        self._depth = 0
        self.duplicates: list[Problem] = []

    def _line(self, mark) -> int:
        return mark.line + 1 + self._offset

    def _location(self, node) -> Location:
        return Location(self._path, self._line(node.start_mark))

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _Refused(self.peek_event().start_mark, "YAML aliases (*name) are not allowed in content files",
                           "write the value out in full where it is needed")
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(self.peek_event().start_mark,
                               f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels deep",
                               "content needs only a few levels; look for a run of '[' or '{' that is never closed")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _note_duplicates(self, node) -> None:
        lines: dict[object, list[tuple[int, str]]] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)  # compared as the dict will: 'yes' is 'true'
            try:
                lines.setdefault(key, []).append((self._line(key_node.start_mark), key_node.value))
            except TypeError:  # unhashable: PyYAML's own error says so
                continue
        for given in lines.values():
            if len(given) < 2:
                continue
            (first, name), count = given[0], len(given)
            if count == 2 and given[1][1] == name:
                message = f"'{name}' is given twice: first at line {first}; the second would silently win"
            elif count == 2:  # e.g. 'yes' and 'true': YAML reads both as the same key
                message = (f"'{given[1][1]}' is the same key as '{name}' at line {first}; "
                           "the second would silently win")
            else:
                lines_given = ", ".join(str(line) for line, _ in given)
                written = {text: None for _, text in given}  # as written, in order, once each
                also = f" (written {', '.join(map(repr, written))})" if len(written) > 1 else ""
                message = f"'{name}' is given {count} times{also} at lines {lines_given}; the last would silently win"
            for line, _ in given[1:]:
                self.duplicates.append(Problem(
                    Location(self._path, line), message,
                    "keep the one you mean and delete the others; if they belong to two items of a list, "
                    "begin the second item with '- '"))

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self._note_duplicates(node)
        plain = super().construct_mapping(node, deep=True)
        mapping = Mapping(plain)
        mapping.location = self._location(node)
        mapping.key_lines = {
            key_node.value: key_node.start_mark.line + 1 + self._offset
            for key_node, _ in node.value
            if isinstance(key_node, yaml.ScalarNode)
        }
        return mapping

    def construct_sequence(self, node, deep=False):
        items = Sequence(super().construct_sequence(node, deep=True))
        items.location = self._location(node)
        return items


# Dates stay text here; model.py parses them so an impossible date is a content
# error with a line number, not a ValueError from deep inside PyYAML.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


# Characters that reach no reader: no font draws them, or they are the trace of
# text already lost. TAB, LF and CR are not among them (a tab is legitimate in a
# Markdown code block; YAML's own check refuses tabs in YAML); NUL is, but it is
# refused before, for the whole file (it says the file is not text, or not UTF-8).
_CONTROL_WHY = ("a control character that no font can draw",
                "delete it; it is invisible in most editors; it often comes from pasting from a PDF")
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
_UNPRINTABLE_RE = re.compile(f"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffd{_NONCHARACTERS}]")
_CHARACTER_NAMES = {0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                    0x1B: "escape", 0x7F: "delete", 0x85: "next line",
                    0x2028: "line separator", 0x2029: "paragraph separator", 0xFEFF: "byte order mark",
                    0xFFFD: "replacement character \ufffd"}


def _why_unprintable(char: str) -> tuple[str, str]:
    """What is wrong with one refused character, and what to do: (why, hint)."""
    code = ord(char)
    if code in (0x2028, 0x2029):
        return ("an invisible line break that some programs count as a new line and others do not",
                "replace it with an ordinary line break or a space; it often comes from pasting from a web page")
    if code == 0xFEFF:
        return ("an invisible byte order mark inside the text",
                "delete it; it usually comes from joining two files")
    if code == 0xFFFD:
        return ("the trace of a character lost when the text was converted",
                "type the character it stands for (often a quotation mark, a dash or an accented letter)")
    if 0x80 <= code <= 0x9F:
        return (_CONTROL_WHY[0], "delete it, or type the character it stands for; it often comes from text in the "
                "Windows-1252 encoding converted as if it were Latin-1, or from pasting from a PDF")
    if code < 0x20 or code == 0x7F:
        return _CONTROL_WHY
    return "not a character at all (a Unicode noncharacter)", "delete it; it is invisible in most editors"


def _label(char: str) -> str:
    code = ord(char)
    name = _CHARACTER_NAMES.get(code)
    if 0x80 <= code <= 0x9F and bytes([code]).decode("cp1252", "ignore"):
        name = f"probably {bytes([code]).decode('cp1252')} in Windows-1252"
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"


def _unprintable(text: str, path: Path) -> list[Problem]:
    """Every line holding a character no font draws, with the character as U+XXXX and its column."""
    if not _UNPRINTABLE_RE.search(text):
        return []
    problems, more = [], []
    for line, line_text in enumerate(text.split("\n"), 1):
        if not _UNPRINTABLE_RE.search(line_text):
            continue
        if len(problems) == MAX_CHARACTER_LINES:
            more.append(line)
            continue
        chars = list(dict.fromkeys(_UNPRINTABLE_RE.findall(line_text)))  # each once, in order
        why, hint = _why_unprintable(chars[0])
        message = f"{_label(chars[0])} at column {line_text.index(chars[0]) + 1} is {why}"
        if len(chars) > 1:
            others = ", ".join(map(_label, chars[1:6])) + (f" and {len(chars) - 6} more" if len(chars) > 6 else "")
            message += f"; this line also holds {others}"
        problems.append(Problem(Location(path, line), message, hint))
    if more:
        problems.append(Problem(Location(path, more[0]), f"{len(more)} more lines from here on hold such characters",
                                "the file was probably pasted from a PDF or converted badly: check it as a whole"))
    return problems


def _read(path: Path, read: dict | None = None) -> tuple[str, list[Problem]]:
    """A UTF-8 source file's text and the lines holding characters no font draws; what leaves no text
    to read (a missing, huge or non-UTF-8 file, a NUL byte) raises a ContentError. The bytes read
    go into `read` (path -> bytes): the build renders, fingerprints and archives exactly those."""
    location = Location(path)
    if not path.is_file():
        raise ContentError([Problem(location, "file not found",
                                    "check the path; it is relative to the publication folder")])
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise ContentError([Problem(location, f"file is {size:,} bytes, over the {MAX_SOURCE_BYTES:,}-byte limit for a source file",
                                    "content files hold text; keep images and data elsewhere")])
    raw = path.read_bytes()
    if read is not None:
        read[path] = raw
    data = raw.removeprefix(codecs.BOM_UTF8)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ContentError([Problem(Location(path, 1), "the file is saved as UTF-16, not UTF-8",
                                    "save it as UTF-8 in your editor")])
    if b"\x00" in data:  # one problem for the file: it is not text, or not UTF-8 text
        at, count = data.index(b"\x00"), data.count(b"\x00")
        raise ContentError([Problem(Location(path, data.count(b"\n", 0, at) + 1),
                                    f"the file holds {'a NUL byte' if count == 1 else f'{count:,} NUL bytes'} "
                                    "(U+0000), the first on this line",
                                    "delete it if it is a stray byte; if there are many, the file is not plain text "
                                    "or is saved as UTF-16: save it as UTF-8 text")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(Location(path, line), "the file is not valid UTF-8",
                                    "save it as UTF-8 in your editor")]) from None
    return text, _unprintable(text, path)


def read_text(path: Path, read: dict | None = None) -> str:
    """Read a UTF-8 source file, or raise a ContentError saying why not.

    Refused too, with every line that holds one: characters no font draws
    (control characters, invisible separators, noncharacters) and the
    replacement character, the trace of text already lost. A byte order mark
    at the start is dropped: editors write it, and it hides nothing.
    """
    text, problems = _read(path, read)
    if problems:
        raise ContentError(problems)
    return text


def parse_yaml(text: str, path: Path, first_line: int = 1):
    """Parse YAML text into Mapping/Sequence/scalars, with content-level errors."""
    if "\t" in text:
        line = text[: text.index("\t")].count("\n") + first_line
        raise ContentError([Problem(Location(path, line), "a tab character is used for indentation or spacing",
                                    "YAML allows spaces only; replace the tab with spaces")])
    loader = None
    try:
        loader = _LineLoader(text, path, first_line)  # its reader already scans for refused characters
        data = loader.get_single_data()
        if loader.duplicates:
            raise ContentError(sorted(loader.duplicates, key=lambda p: p.location.line))
        return data
    except _Refused as exc:
        raise ContentError([Problem(Location(path, exc.mark.line + first_line), exc.message, exc.hint)]) from None
    except RecursionError:  # a fallback: MAX_YAML_DEPTH stops nesting long before Python's stack would
        raise ContentError([Problem(Location(path), "the YAML is nested too deeply to be read",
                                    "content needs only a few levels of lists and mappings")]) from None
    except yaml.reader.ReaderError as exc:  # a control character, e.g. NUL, pasted from a PDF
        line = text[: exc.position].count("\n") + first_line
        raise ContentError([Problem(Location(path, line), f"the character U+{exc.character:04X} is not allowed in YAML",
                                    "delete it; it is invisible in most editors")]) from None
    except yaml.MarkedYAMLError as exc:
        # Where the construct began (an unclosed quote or bracket) is where the author must look;
        # where the parser gave up can be the file's end. Both lines are said when they differ.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + first_line if mark else None
        message = "; ".join(part for part in (exc.context, exc.problem) if part)
        if exc.context_mark and exc.problem_mark and exc.problem_mark.line != exc.context_mark.line:
            message += f" (on line {exc.problem_mark.line + first_line})"
        reason, hint, opened = _yaml_reason(exc, text)
        line = opened + first_line if opened is not None else line
        said = f"YAML syntax error: {reason} (the YAML reader: {message})" if reason else f"YAML syntax error: {message}"
        raise ContentError([Problem(Location(path, line), said, hint)]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(Location(path), f"YAML error: {exc}",
                                    "check the file's syntax; 'octavo new' shows a correct example")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_reason(exc, text: str) -> tuple[str, str, int | None]:
    """PyYAML's complaint said the way an author finds the mistake, where it is plain: a quote
    or a bracket opened and never closed, with the line (from 0) it opens on, if not PyYAML's
    ("" then: PyYAML's own words are all there is)."""
    context = exc.context or ""
    if "quoted scalar" in context:
        return "a quote opened on this line is never closed", "close the quote at the end of the value, or remove it", None
    if "flow sequence" in context or "flow mapping" in context:
        return ("a bracket opened on this line is never closed",
                "close it (] for [, } for {), or quote the value if the bracket is part of the text", None)
    # A quote left open runs on to the next quote in the file, and PyYAML stumbles on what
    # follows it: look between where it began to read the construct and where it gave up.
    marks = [m.line for m in (exc.context_mark, exc.problem_mark) if m is not None]
    lines = text.split("\n")
    for index in range(min(marks, default=0), min(max(marks, default=-1) + 1, len(lines))):
        if _opens_a_quote(lines[index]):
            return "a quote opened on this line is not closed on it", "close the quote at the end of the value", index
    return _indentation_reason(exc, lines)


def _indentation_reason(exc, lines: list[str]) -> tuple[str, str, int | None]:
    """PyYAML's words for a line indented wrong ("expected <block end>, but found '?'",
    "mapping values are not allowed here") said as the author's mistake, at the line that has it."""
    problem = exc.problem or ""
    at = exc.problem_mark.line if exc.problem_mark is not None and exc.problem_mark.line < len(lines) else None
    if "'\t'" in problem:
        return ("a tab indents this line", "indent with spaces only: YAML does not read tabs", at)
    if at is None:
        return "", "check indentation and quoting near this line", None
    if "expected <block end>" in problem or "did not find expected key" in (exc.context or "") + problem:
        return ("this line is indented neither as far as the fields above it nor as their parent",
                "indent it with as many spaces as the field it belongs with", at)
    if "mapping values are not allowed here" in problem:
        before = next((line for line in reversed(lines[:at]) if line.strip()), "")
        indent = len(lines[at]) - len(lines[at].lstrip(" "))
        if before and indent > len(before) - len(before.lstrip(" ")) and not before.rstrip().endswith(":"):
            return ("this line is indented further than the field above it, which already has its value",
                    "indent it with as many spaces as the field above it", at)
        return ("a value holds ': ', which YAML reads as a new field",
                "put the value in quotes: key: \"words: more words\"", at)
    return "", "check indentation and quoting near this line", None


def _opens_a_quote(line: str) -> bool:
    """Whether a `key: "value` line leaves its quote open: an odd number of the quote the value
    starts with."""
    _, colon, value = line.partition(": ")
    value = value.strip() if colon else line.strip().removeprefix("- ").strip()
    return bool(value) and value[0] in "\"'" and value.count(value[0]) % 2 == 1


def load_yaml_file(path: Path, read: dict | None = None):
    return parse_yaml(read_text(path, read), path)


@dataclass(frozen=True)
class MarkdownSource:
    path: Path
    front_matter: Mapping
    body: str
    body_line: int  # line of the file where the body starts


def load_markdown_file(path: Path, read: dict | None = None) -> MarkdownSource:
    """Split a section file into its YAML front matter and Markdown body.

    Characters no font draws are reported together with the front matter's own
    problems, unless they stand in the front matter (its YAML would refuse them again).
    """
    text, problems = _read(path, read)
    try:
        source = _split_markdown(text, path, problems[0].location.line if problems else None)
    except ContentError as exc:
        problems = sorted([*problems, *exc.problems], key=lambda p: p.location.line or 0)
    if problems:
        raise ContentError(problems)
    return source


def _split_markdown(text: str, path: Path, unprintable_from: int | None) -> MarkdownSource | None:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError([Problem(Location(path, 1), "the section has no front matter",
                                    "start the file with a '---' line, the title and authors, and another '---'")])
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError([Problem(Location(path, 1), "the front matter is not closed",
                                    "add a '---' line after the front matter")]) from None
    if unprintable_from is not None and unprintable_from <= "".join(lines[:end]).count("\n") + 1:
        return None  # a character no font draws stands in the front matter: that is reported already
    front = parse_yaml("".join(lines[1:end]), path, first_line=2)
    if not isinstance(front, Mapping):
        raise ContentError([Problem(Location(path, 2), "the front matter must be a mapping of fields",
                                    "write 'title: …' and 'authors: […]' lines between the two '---' lines")])
    return MarkdownSource(path, front, "".join(lines[end + 1:]), end + 2)

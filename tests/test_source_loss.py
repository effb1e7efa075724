"""No silent loss at the source: what the loader used to let through without a word.

A key given twice in a YAML mapping (the last value silently won), a character
no font draws in a source file (it reached the renderer), a NUL byte, and YAML
nested so deep that PyYAML's recursive reader ran out of stack (a traceback).
Each is a content error naming file:line, found alike by `octavo validate` and
`octavo build`: the same problems, exit code 2, no traceback, nothing built.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from octavo.cli import main
from octavo.errors import ContentError
from octavo.load import MAX_CHARACTER_LINES, MAX_YAML_DEPTH, parse_yaml
from octavo.model import load_publication

from conftest import copy_content, edit

PUB = "publication.yaml"
HOUSE = "../publisher.yaml"
CONCLUSION = "sections/07-conclusion.md"
SUMMARY = "sections/01-summary.md"

DUPLICATE_HINT = ("keep the one you mean and delete the others; if they belong to two items of a list, "
                  "begin the second item with '- '")
CONTROL_HINT = "delete it; it is invisible in most editors; it often comes from pasting from a PDF"


def line_of(folder: Path, file: str, anchor: str) -> int:
    """The line of the unbroken file that holds `anchor` (robust to edits of the seed elsewhere)."""
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if anchor in line)


def shown(folder: Path, file: str) -> str:
    """A file as messages name it: relative to the working folder (the test's tmp_path)."""
    return str((folder / file).resolve().relative_to(folder.parent.parent.resolve()))


def insert_after(file: str, anchor: str, text: str) -> Callable[[Path], None]:
    """Insert `text` (whole lines) after the line holding `anchor`."""
    def apply(folder: Path) -> None:
        path = folder / file
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if anchor in line)
        path.write_text("".join(lines[: at + 1]) + text + "".join(lines[at + 1:]), encoding="utf-8")
    return apply


def replace(file: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: edit(folder / file, old, new)


def both(*breaks: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        for one in breaks:
            one(folder)
    return apply


def write_bytes(file: str, data: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / file).write_bytes(data((folder / file).read_bytes()))
    return apply


@dataclass(frozen=True)
class Case:
    breaks: Callable[[Path], None]
    # (file, line, message, hint) for every problem the case must report, computed on the unbroken copy
    expects: Callable[[Path], list[tuple[str, int, str, str]]]
    only: bool = True  # the problems listed are all the problems reported


def duplicate(file: str, after: str, inserted: str, key: str, first: str) -> Case:
    """A key given again on the line after `after`; the message names the line of `first`."""
    return Case(insert_after(file, after, inserted + "\n"),
                lambda f: [(file, line_of(f, file, after) + 1,
                            f"'{key}' is given twice: first at line {line_of(f, file, first)}; "
                            "the second would silently win", DUPLICATE_HINT)])


CASES: dict[str, Case] = {
    # --- a key given twice: the second used to win without a word
    "duplicate key in publication.yaml": duplicate(PUB, "language: en", "title: Another Title", "title", "title: Breaking"),
    "duplicate key in publisher.yaml": duplicate(HOUSE, "place: Stockholm", "short_name: IDSP", "short_name",
                                                 "short_name:"),
    "duplicate key in a section's front matter": duplicate(CONCLUSION, "role: closing", "role: chapter", "role",
                                                           "role: closing"),
    "duplicate key inside a list item": duplicate(PUB, "name: Abraham Denmark", "    name: A. Denmark", "name",
                                                  "name: Abraham Denmark"),
    "every duplicate of a file, not just the first": Case(
        both(insert_after(PUB, "language: en", "subtitle: Five Perspectives\n"),
             insert_after(PUB, "name: Abraham Denmark", "    name: A. Denmark\n")),
        lambda f: [(PUB, line_of(f, PUB, "language: en") + 1,
                    f"'subtitle' is given twice: first at line {line_of(f, PUB, 'subtitle:')}; "
                    "the second would silently win", DUPLICATE_HINT),
                   (PUB, line_of(f, PUB, "name: Abraham Denmark") + 2,  # one line more: the first insertion
                    f"'name' is given twice: first at line {line_of(f, PUB, 'name: Abraham Denmark') + 1}; "
                    "the second would silently win", DUPLICATE_HINT)]),
    # --- characters no font draws, in a section (the body and the front matter)
    "form feed in a section body": Case(
        replace(CONCLUSION, "In so doing,", "In so doing,\x0c"),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "In so doing,"),
                    f"U+000C (form feed) at column {_column(f, CONCLUSION, 'In so doing,', 12)} "
                    "is a control character that no font can draw", CONTROL_HINT)]),
    "C1 control (a Windows-1252 apostrophe read as Latin-1)": Case(
        replace(CONCLUSION, "no side’s interest", "no side\x92s interest"),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "no side’s interest"),
                    f"U+0092 (probably ’ in Windows-1252) at column {_column(f, CONCLUSION, 'no side’s', 7)} "
                    "is a control character that no font can draw",
                    "delete it, or type the character it stands for; it often comes from text in the Windows-1252 "
                    "encoding converted as if it were Latin-1, or from pasting from a PDF")]),
    "DEL and escape on one line, each line once": Case(
        both(replace(CONCLUSION, "In so doing,", "In so\x7f doing,\x1b"),
             replace(CONCLUSION, "For over a decade", "For over\x0b a decade")),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "In so doing,"),
                    f"U+007F (delete) at column {_column(f, CONCLUSION, 'In so doing,', 5)} is a control character "
                    "that no font can draw; this line also holds U+001B (escape)", CONTROL_HINT),
                   (CONCLUSION, line_of(f, CONCLUSION, "For over a decade"),
                    "U+000B (vertical tab) at column 9 is a control character that no font can draw", CONTROL_HINT)]),
    "replacement character": Case(
        replace(CONCLUSION, "no side’s interest", "no side\ufffds interest"),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "no side’s interest"),
                    f"U+FFFD (replacement character \ufffd) at column {_column(f, CONCLUSION, 'no side’s', 7)} "
                    "is the trace of a character lost when the text was converted",
                    "type the character it stands for (often a quotation mark, a dash or an accented letter)")]),
    "line separator": Case(
        replace(CONCLUSION, "In so doing,", "In so doing,\u2028"),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "In so doing,"),
                    f"U+2028 (line separator) at column {_column(f, CONCLUSION, 'In so doing,', 12)} is an invisible "
                    "line break that some programs count as a new line and others do not",
                    "replace it with an ordinary line break or a space; it often comes from pasting from a web page")]),
    "control character in a section's front matter (reported once)": Case(
        replace(CONCLUSION, "title: Conclusion", "title: Conclu\x08sion"),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "title: Conclusion"),
                    "U+0008 (backspace) at column 14 is a control character that no font can draw", CONTROL_HINT)]),
    "control character in publication.yaml": Case(
        replace(PUB, "subtitle: Four Perspectives", "subtitle: Four\x07 Perspectives"),
        lambda f: [(PUB, line_of(f, PUB, "subtitle: Four"),
                    "U+0007 (bell) at column 15 is a control character that no font can draw", CONTROL_HINT)]),
    "a duplicate key and a control character in one section": Case(
        both(insert_after(CONCLUSION, "role: closing", "role: chapter\n"),
             replace(CONCLUSION, "In so doing,", "In so doing,\x0c")),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "role: closing") + 1,
                    f"'role' is given twice: first at line {line_of(f, CONCLUSION, 'role: closing')}; "
                    "the second would silently win", DUPLICATE_HINT),
                   (CONCLUSION, line_of(f, CONCLUSION, "In so doing,") + 1,
                    f"U+000C (form feed) at column {_column(f, CONCLUSION, 'In so doing,', 12)} "
                    "is a control character that no font can draw", CONTROL_HINT)]),
    # --- a NUL byte, in any source file
    "NUL byte in a section": Case(
        write_bytes(CONCLUSION, lambda data: data.replace(b"In so doing,", b"In so doing,\x00")),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "In so doing,"), "the file holds a NUL byte (U+0000), "
                    "the first on this line", "delete it if it is a stray byte; if there are many, the file is not "
                    "plain text or is saved as UTF-16: save it as UTF-8 text")]),
    "NUL byte in publication.yaml": Case(
        write_bytes(PUB, lambda data: data.replace(b"language: en", b"language: en\x00")),
        lambda f: [(PUB, line_of(f, PUB, "language: en"), "the file holds a NUL byte (U+0000), "
                    "the first on this line", "delete it if it is a stray byte; if there are many, the file is not "
                    "plain text or is saved as UTF-16: save it as UTF-8 text")]),
    "a section saved as UTF-16": Case(
        write_bytes(CONCLUSION, lambda data: data.decode("utf-8").encode("utf-16")),
        lambda f: [(CONCLUSION, 1, "the file is saved as UTF-16, not UTF-8", "save it as UTF-8 in your editor")]),
    # --- YAML nested deeper than content ever needs (400 '[' used to be a RecursionError)
    "deep nesting: 400 '[' in publication.yaml": Case(
        lambda f: (f / PUB).write_text("title: x\nkeywords: " + "[" * 400 + "]" * 400 + "\n", encoding="utf-8"),
        lambda f: [(PUB, 2, f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels deep",
                    "content needs only a few levels; look for a run of '[' or '{' that is never closed")]),
    "deep nesting: an unclosed run of '{' in front matter": Case(
        insert_after(CONCLUSION, "role: closing", "keywords: " + "{a: " * 300 + "\n"),
        lambda f: [(CONCLUSION, line_of(f, CONCLUSION, "role: closing") + 1,
                    f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels deep",
                    "content needs only a few levels; look for a run of '[' or '{' that is never closed")]),
    "deep nesting: block mappings indented 60 levels": Case(
        insert_after(PUB, "language: en", "notes:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 61))),
        lambda f: [(PUB, line_of(f, PUB, "language: en") + 1 + MAX_YAML_DEPTH,
                    f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels deep",
                    "content needs only a few levels; look for a run of '[' or '{' that is never closed")]),
}


def _column(folder: Path, file: str, anchor: str, offset: int) -> int:
    """The 1-based column just after `offset` characters of `anchor` on its line."""
    line = (folder / file).read_text(encoding="utf-8").splitlines()[line_of(folder, file, anchor) - 1]
    return line.index(anchor) + offset + 1


PROBLEM_RE = re.compile(r"^(?:error: |  )(\S+:\d+: .*)$|^    (hint: .*)$")


def _problems(text: str) -> list[str]:
    """Every problem line ('file:line: message') and hint line of a command's output, in order."""
    return [m.group(1) or m.group(2) for m in map(PROBLEM_RE.match, text.splitlines()) if m]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _validate_and_build(folder: Path, tmp_path: Path, capsys) -> tuple[list[str], list[str]]:
    """Run `octavo validate` and `octavo build` on the folder; both must fail as content errors."""
    code = main(["validate", str(folder), "--content", str(folder.parent)])
    validated = capsys.readouterr()
    assert code == 2, validated.out + validated.err
    assert "Traceback" not in validated.out + validated.err

    out = tmp_path / "build"
    code = main(["build", str(folder), "--out", str(out)])
    built = capsys.readouterr()
    assert code == 2, built.out + built.err
    assert "Traceback" not in built.out + built.err
    assert _files(out) == [], "a failed build left files behind"
    return _problems(validated.err), _problems(built.out + built.err)


@pytest.mark.parametrize("name", list(CASES))
def test_source_loss_is_a_content_error(name, tmp_path, monkeypatch, capsys):
    case = CASES[name]
    folder = copy_content(tmp_path)
    expected = case.expects(folder)
    case.breaks(folder)
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder

    validated, built = _validate_and_build(folder, tmp_path, capsys)
    wanted = [line for file, line, message, hint in expected
              for line in (f"{shown(folder, file)}:{line}: {message}", f"hint: {hint}")]
    if case.only:
        assert validated == wanted, "\n".join(validated)
    else:
        assert all(line in validated for line in wanted), "\n".join(validated)
    assert built == validated, "validate and build disagree"


# --- what is not refused: a tab in a code block, a byte order mark at the start, ordinary nesting

def test_what_stays_legitimate(tmp_path, monkeypatch, capsys):
    folder = copy_content(tmp_path)
    with open(folder / SUMMARY, "a", encoding="utf-8") as handle:
        handle.write("\n```\n\tindented with a tab\n```\n")
    path = folder / CONCLUSION
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as some Windows editors save UTF-8
    depth = MAX_YAML_DEPTH - 1  # the publication's own mapping is the first level
    edit(folder / PUB, "language: en", "language: en\nkeywords: " + "[" * depth + "x" + "]" * depth)
    monkeypatch.chdir(tmp_path)
    # 'keywords' is no field of a publication: that is the only problem, and not its nesting
    code = main(["validate", str(folder), "--content", str(folder.parent)])
    err = capsys.readouterr().err
    assert code == 2 and "unknown field 'keywords'" in err and "nested" not in err, err
    assert err.count("error: ") == 1, err

    edit(folder / PUB, "keywords: ", "# keywords: ")
    code = main(["validate", str(folder), "--content", str(folder.parent)])
    assert code == 0, capsys.readouterr().err
    sections = {s.title: s for s in load_publication(folder).sections}
    assert "```\n\tindented with a tab\n```" in sections["Summary"].body
    assert sections["Conclusion"].body_line == 6 and "\ufeff" not in sections["Conclusion"].body


# --- the loader's rules, directly

def _problems_of(text: str, first_line: int = 1) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_yaml(text, Path("x.yaml"), first_line)
    return [str(p) for p in caught.value.problems]


def test_a_key_given_three_times():
    assert _problems_of("a: 1\nb: 2\na: 3\na: 4\n") == [
        f"x.yaml:{line}: 'a' is given 3 times at lines 1, 3, 4; the last would silently win\n    hint: {DUPLICATE_HINT}"
        for line in (3, 4)]


def test_keys_that_yaml_reads_as_the_same():
    # 'yes' and 'true' are both the boolean true, 2 and 0x2 both the number 2: the dict would keep one of each
    assert [p.split("\n")[0] for p in _problems_of("yes: a\ntrue: b\n2: c\n0x2: d\n")] == [
        "x.yaml:2: 'true' is the same key as 'yes' at line 1; the second would silently win",
        "x.yaml:4: '0x2' is the same key as '2' at line 3; the second would silently win"]
    # and true is 1 in Python: four spellings, one key
    assert _problems_of("yes: a\ntrue: b\n1: c\n0x1: d\n")[0].split("\n")[0] == (
        "x.yaml:2: 'yes' is given 4 times (written 'yes', 'true', '1', '0x1') at lines 1, 2, 3, 4; "
        "the last would silently win")


def test_duplicates_in_flow_mappings_and_front_matter_lines():
    assert _problems_of("m: {x: 1, x: 2}\n", first_line=2)[0].startswith(
        "x.yaml:2: 'x' is given twice: first at line 2")


def test_a_merge_key_is_not_a_duplicate():
    assert parse_yaml("<<: {a: 1}\na: 2\n", Path("x.yaml")) == {"a": 2}


def test_nesting_at_the_limit_is_read_and_one_more_is_refused():
    assert parse_yaml("[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH, Path("x.yaml")) is not None
    assert "nested more than" in _problems_of("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1))[0]


def test_a_recursion_error_is_still_a_content_error():
    """The fallback: with little stack left, even allowed nesting gives a one-line error, not a traceback."""
    import inspect
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 120)
    try:
        problems = _problems_of("[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH)
    finally:
        sys.setrecursionlimit(limit)
    assert problems == ["x.yaml: the YAML is nested too deeply to be read\n"
                        "    hint: content needs only a few levels of lists and mappings"]


def test_many_lines_of_control_characters_are_capped(tmp_path):
    folder = copy_content(tmp_path)
    with open(folder / CONCLUSION, "a", encoding="utf-8") as handle:
        handle.write("\x0c\n" * (MAX_CHARACTER_LINES + 5))
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    problems = [p for p in caught.value.problems if p.location.path.name == "07-conclusion.md"]
    assert len(problems) == MAX_CHARACTER_LINES + 1
    assert problems[-1].message == "5 more lines from here on hold such characters"

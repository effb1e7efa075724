"""The matrix of bad inputs: each gives a clear message naming its file (and line),
a non-zero exit, no traceback, and nothing written to build/.

Every case breaks a private copy of the seed publication in one way, then runs
the real command line (`main`, as the console script does) twice: `octavo
validate` (which renders nothing) and `octavo build`. One more test runs a few
cases through a separate process, to see the real exit status and stderr.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from octavo.cli import main
from octavo.load import MAX_SOURCE_BYTES

from conftest import SEED_SLUG, copy_content, copy_templates, edit

PUB = "publication.yaml"
SUMMARY = "sections/01-summary.md"
CONCLUSION = "sections/07-conclusion.md"


@dataclass(frozen=True)
class Case:
    breaks: Callable[[Path], None]  # damages the copied publication folder
    where: str | Callable[[Path], str]  # the file (and line) the message must name
    message: str                    # words the message must contain
    exit: int = 2
    validate: bool = True           # also run `octavo validate` (False: only rendering can see it)
    templates: Callable[[Path], Path] | None = None  # a damaged copy of the templates


def at(file: str, anchor: str, offset: int = 0) -> Callable[[Path], str]:
    """'<file>:<line>' of the first line holding `anchor` (plus `offset`) in the unbroken file:
    robust to edits of the seed elsewhere in the file."""
    def where(folder: Path) -> str:
        lines = (folder / file).read_text(encoding="utf-8").splitlines()
        return f"{Path(file).name}:{next(i for i, line in enumerate(lines, 1) if anchor in line) + offset}"
    return where


def replace(file: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: edit(folder / file, old, new)


def append(file: str, text: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        with open(folder / file, "a", encoding="utf-8") as handle:
            handle.write(text)
    return apply


def _non_utf8(folder: Path) -> None:
    path = folder / CONCLUSION
    path.write_bytes(path.read_bytes().replace("’".encode(), b"\x92"))


def _huge(folder: Path) -> None:
    path = folder / CONCLUSION
    head = path.read_text(encoding="utf-8")
    path.write_text(head + ("All work and no play. " * (MAX_SOURCE_BYTES // 22 + 10)), encoding="utf-8")


def _empty_section(folder: Path) -> None:
    path = folder / CONCLUSION
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("---", 3) + 4] + "\n\n", encoding="utf-8")


def _image_without_alt(folder: Path) -> None:
    (folder / "images").mkdir()
    (folder / "images" / "map.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    append(SUMMARY, "\n![](images/map.png)\n")(folder)


def _css_reads_passwd(tmp_path: Path) -> Path:
    templates = copy_templates(tmp_path)
    css = templates / "print" / "print.css"  # @import must come first in a sheet to be honoured
    css.write_text("@import url(file:///etc/passwd);\n" + css.read_text(encoding="utf-8"), encoding="utf-8")
    return templates


ALIAS_BOMB = """
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
"""

CASES: dict[str, Case] = {
    # --- YAML itself
    "malformed YAML": Case(replace(PUB, "subtitle: Four Perspectives", "subtitle: [Four Perspectives"),
                           f"{PUB}:", "YAML syntax error"),
    "tab character": Case(replace(PUB, "language: en", "language:\ten"), at(PUB, "language: en"), "tab character"),
    "YAML alias": Case(replace(PUB, "language: en", "language: &l en\nlang2: *l"), at(PUB, "language: en", 1), "aliases"),
    "YAML alias bomb": Case(append(PUB, ALIAS_BOMB), f"{PUB}:", "aliases (*name) are not allowed"),
    "empty publication file": Case(lambda f: (f / PUB).write_text("", encoding="utf-8"),
                                   f"{PUB}:1", "must be a mapping of fields, but the file is empty"),
    "publication file is a list": Case(lambda f: (f / PUB).write_text("- title: x\n", encoding="utf-8"),
                                       f"{PUB}:1", "must be a mapping of fields, but the file is a list"),
    "non-UTF-8 file": Case(_non_utf8, "07-conclusion.md:6", "not valid UTF-8"),
    "huge file": Case(_huge, "07-conclusion.md", "-byte limit for a source file"),
    # --- fields
    "missing required field": Case(replace(PUB, "title: Breaking Deadlock on the Korean Peninsula?\n", ""),
                                   at(PUB, "title: Breaking"), "the publication has no 'title'"),
    "unknown key": Case(replace(PUB, "    affiliations:\n      - organisation: Handong",
                                "    affiliation:\n      - organisation: Handong"),
                        at(PUB, "Handong", -1), "did you mean 'affiliations'?"),
    "wrong type (number)": Case(replace(PUB, "  year: 2018", "  year: twenty-eighteen"),
                                at(PUB, "  year: 2018"), "'year' in rights must be a whole number"),
    "wrong type (list)": Case(replace(SUMMARY, "authors: [isdp]", "authors: isdp"),
                              "01-summary.md:4", "'authors' in the section's front matter must be a list, not text"),
    "wrong type (mapping in an id list)": Case(replace(PUB, "house_disclaimers: [house-opinions]",
                                                       "house_disclaimers: [{id: house-opinions}]"),
                                               at(PUB, "house_disclaimers:"), "'house_disclaimers' must list ids (text), not a mapping"),
    "invalid date": Case(replace(PUB, "date: 2018-02-05", "date: 2018-02-30"), at(PUB, "date: 2018"), "is not a valid date"),
    "duplicate contributor id": Case(replace(PUB, "  - id: abraham-denmark", "  - id: zhu-feng"),
                                     at(PUB, "- id: abraham-denmark"), "contributor id 'zhu-feng' is used twice"),
    "duplicate disclaimer id": Case(replace(PUB, "  - id: isdp-position", "  - id: personal-capacity"),
                                    at(PUB, "- id: isdp-position"), "disclaimer id 'personal-capacity' is used twice"),
    "duplicate section": Case(replace(PUB, "  - sections/07-conclusion.md", "  - sections/06-united-states.md"),
                              at(PUB, "07-conclusion.md"), "section 'sections/06-united-states.md' is listed twice"),
    # --- references between files
    "unknown author id": Case(replace("sections/05-china.md", "perspective_of: [zhu-feng]", "perspective_of: [zhu-fong]"),
                              "05-china.md:5", "did you mean 'zhu-feng'?"),
    # --- standard numbers (a contributor left without affiliation is a warning: test_names.py)
    "ISBN check digit": Case(replace(PUB, "language: en\n", "language: en\nidentifiers:\n  print_isbn: 978-91-88551-12-3\n"),
                             at(PUB, "language: en", 2), "print_isbn '978-91-88551-12-3' has a wrong check digit"),
    "ISBN-10": Case(replace(PUB, "language: en\n", "language: en\nidentifiers:\n  ebook_isbn: 91-88551-12-2\n"),
                    at(PUB, "language: en", 2), "is an ISBN-10"),
    "ISBN without its edition": Case(replace(PUB, "language: en\n", "language: en\nidentifiers:\n  isbn: 978-91-88551-12-2\n"),
                                     at(PUB, "language: en", 2), "'isbn' does not say which edition"),
    "print ISBN as e-book ISBN": Case(replace(PUB, "language: en\n", "language: en\nidentifiers:\n"
                                              "  print_isbn: 978-91-88551-12-2\n  ebook_isbn: 9789188551122\n"),
                                      at(PUB, "language: en", 3), "print_isbn and ebook_isbn are the same number"),
    "DOI as a link": Case(replace(PUB, "language: en\n", "language: en\nidentifiers:\n  doi: https://doi.org/10.5555/x\n"),
                          at(PUB, "language: en", 2), "is written as a link"),
    "ORCID check digit": Case(replace(PUB, "    name: Zhu Feng\n", "    name: Zhu Feng\n    orcid: 0000-0002-1825-0098\n"),
                              at(PUB, "name: Zhu Feng", 1), "ORCID '0000-0002-1825-0098' of 'zhu-feng' has a wrong check digit"),
    "ROR as a link": Case(replace(PUB, "      - organisation: Wilson Center\n",
                                  "      - organisation: Wilson Center\n        ror: https://ror.org/00dkspv48\n"),
                          at(PUB, "organisation: Wilson Center", 1), "is written as a link"),
    "native_name_lang not a tag": Case(replace(PUB, "    native_name: 김준형\n", "    native_name: 김준형\n    native_name_lang: Korean\n"),
                                       at(PUB, "native_name: 김준형", 1), "native_name_lang 'Korean' of 'joon-hyung-kim' is not a language tag"),
    "missing section file": Case(replace(PUB, "sections/07-conclusion.md", "sections/07-conclusions.md"),
                                 at(PUB, "07-conclusion.md"), "section file 'sections/07-conclusions.md' does not exist"),
    "section outside the folder": Case(replace(PUB, "sections/07-conclusion.md", "../../../../etc/passwd"),
                                       at(PUB, "07-conclusion.md"), "lies outside the publication folder"),
    "empty section": Case(_empty_section, "07-conclusion.md:6", "the section has no text"),
    "section without front matter": Case(lambda f: (f / CONCLUSION).write_text("Just text.\n", encoding="utf-8"),
                                         "07-conclusion.md:1", "the section has no front matter"),
    # --- disclaimers
    "missing house disclaimer": Case(replace(PUB, "house_disclaimers: [house-opinions]", "house_disclaimers: []"),
                                     at(PUB, "house_disclaimers:"), "the house disclaimer 'house-opinions' is missing"),
    "no house_disclaimers field": Case(replace(PUB, "house_disclaimers: [house-opinions]\n", ""),
                                       at(PUB, "title:"), "add 'house_disclaimers: [house-opinions]'"),
    "empty disclaimer text": Case(replace(PUB, "    text: >-\n      Beyond providing", "    text: ''\n    x: >-\n      Beyond providing"),
                                  at(PUB, "Beyond providing", -1), "'text' in a disclaimer is empty"),
    "inline disclaimer not placed": Case(replace("sections/02-introduction.md", "{{disclaimer:isdp-position}}", ""),
                                         at(PUB, "- id: isdp-position"), "inline disclaimer 'isdp-position' is placed 0 times"),
    # --- what a section body may contain
    "raw HTML": Case(replace(SUMMARY, "ahead. (read", "ahead. <script>alert(1)</script> (read"),
                     "01-summary.md:6", "raw HTML"),
    "raw HTML block": Case(append(SUMMARY, "\n<div onclick=\"steal()\">Click</div>\n"),
                           "01-summary.md:8", "raw HTML '<div onclick=\"steal()\">' is not allowed"),
    "HTML comment": Case(append(SUMMARY, "\n<!-- TODO: check the figure -->\n"),
                         "01-summary.md:8", "an HTML comment ('<!-- TODO: check the figure -->') is not allowed"),
    # Inside a paragraph: the line the mistake is on, not the line the paragraph starts on.
    "HTML comment in a paragraph": Case(append(SUMMARY, "\nA closing line,\nthen <!-- check this --> a note.\n"),
                                        "01-summary.md:9", "an HTML comment ('<!-- check this -->') is not allowed"),
    "undefined disclaimer in a paragraph": Case(append(SUMMARY, "\nA closing line,\nthen {{disclaimer:nope}}.\n"),
                                                "01-summary.md:9", "places disclaimer 'nope', which is not defined"),
    "missing image": Case(append(SUMMARY, "\n![A map of the peninsula](images/map.png)\n"),
                          "01-summary.md:8", "image 'images/map.png' does not exist"),
    "image without alt text": Case(_image_without_alt, "01-summary.md:8", "image 'images/map.png' has no alt text"),
    "remote image URL": Case(append(SUMMARY, "\n![A map](https://example.org/map.png)\n"),
                             "01-summary.md:8", "is not a file in the publication folder"),
    "image outside the folder": Case(append(SUMMARY, "\n![The house file](../publisher.yaml)\n"),
                                     "01-summary.md:8", "lies outside the publication folder"),
    "image written from the section's file": Case(
        lambda f: (_image_without_alt(f), append(SUMMARY, "\n![A map](../images/map.png)\n")(f)),
        "01-summary.md:10", "image paths are written from the publication folder (breaking-deadlock/), "
                            "not from the section's file: write 'images/map.png'"),
    "file:///etc/passwd in Markdown (image)": Case(append(SUMMARY, "\n![secrets](file:///etc/passwd)\n"),
                                                  "01-summary.md:8", "'file:///etc/passwd' is refused"),
    "file:///etc/passwd in Markdown (link)": Case(append(SUMMARY, "\n[secrets](file:///etc/passwd)\n"),
                                                  "01-summary.md:8", "'file:///etc/passwd' is refused"),
    "javascript: link": Case(append(SUMMARY, "\n[click](javascript:alert(1))\n"),
                             "01-summary.md:8", "'javascript:alert(1' is refused"),
    # --- what only rendering can see: a stylesheet reaching outside the allowed roots
    "file:///etc/passwd in CSS": Case(lambda f: None, "file:///etc/passwd", "may not reach", exit=3,
                                      validate=False, templates=_css_reads_passwd),
    # --- no silent loss at the source (more in test_source_loss.py)
    "duplicate YAML key": Case(replace(PUB, "language: en", "language: en\ntitle: Another Title"),
                               at(PUB, "language: en", 1), "'title' is given twice: first at line"),
    "duplicate key in front matter": Case(replace(CONCLUSION, "role: closing", "role: closing\nrole: chapter"),
                                          "07-conclusion.md:4", "'role' is given twice: first at line 3"),
    "control character in a section": Case(replace(CONCLUSION, "In so doing,", "In so doing,\x0c"),
                                           "07-conclusion.md:6", "U+000C (form feed) at column"),
    "NUL byte": Case(replace(CONCLUSION, "In so doing,", "In so doing,\x00"),
                     "07-conclusion.md:6", "the file holds a NUL byte (U+0000)"),
    "deep YAML nesting": Case(replace(PUB, "language: en", "language: en\nkeywords: " + "[" * 400 + "]" * 400),
                              at(PUB, "language: en", 1), "nested more than 50 levels deep"),
}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path, monkeypatch, capsys):
    case = CASES[name]
    folder = copy_content(tmp_path)
    where = case.where(folder) if callable(case.where) else case.where
    case.breaks(folder)
    templates = ["--templates", str(case.templates(tmp_path))] if case.templates else []
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder

    if case.validate:
        code = main(["validate", str(folder), "--content", str(folder.parent)])
        text = capsys.readouterr()
        assert code == case.exit, text.err
        assert where in text.err and case.message in text.err, text.err
        assert "Traceback" not in text.err + text.out
        lines = text.err.splitlines()  # every error comes with a hint on the next line
        errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
        assert errors and all(lines[i + 1].startswith("    hint: ") for i in errors), text.err

    out = tmp_path / "build"
    code = main(["build", str(folder), "--out", str(out), *templates])
    text = capsys.readouterr()
    shown = text.out + text.err
    assert code == case.exit, shown
    assert where in shown and case.message in shown, shown
    assert "Traceback" not in shown
    assert _files(out) == [], "a failed build left files behind"


def test_the_matrix_is_at_least_twenty_cases():
    assert len(CASES) >= 20


def test_two_publications_with_the_same_slug(tmp_path, monkeypatch, capsys):
    first = copy_content(tmp_path)
    second = tmp_path / "elsewhere" / SEED_SLUG
    second.parent.mkdir()
    import shutil
    shutil.copytree(first, second)
    monkeypatch.chdir(tmp_path)
    code = main(["validate", str(first), str(second), "--content", str(first.parent)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"elsewhere/{SEED_SLUG}/publication.yaml:1: the slug '{SEED_SLUG}' is also the slug of" in err
    out = tmp_path / "build"
    code = main(["build", str(first), str(second), "--out", str(out)])
    shown = "".join(capsys.readouterr())
    # The same rule, the same words and the same exit code as validate.
    assert code == 2 and "Traceback" not in shown and _files(out) == []
    assert f"elsewhere/{SEED_SLUG}/publication.yaml:1: the slug '{SEED_SLUG}' is also the slug of" in shown


def test_missing_house_file(tmp_path, monkeypatch, capsys):
    folder = copy_content(tmp_path)
    (folder.parent / "publisher.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    code = main(["validate", "--content", str(folder.parent)])
    err = capsys.readouterr().err
    assert code == 2 and "content/publisher.yaml: there is no house file" in err and "--content" in err


def test_validate_reads_the_house_file_beside_the_publication_as_build_does(tmp_path, monkeypatch, capsys):
    """A publication named by its path outside content/ is judged by the house file beside it,
    as `octavo build` reads it: one verdict for both (a new-user trial found validate looking
    in content/ and saying the house file was missing)."""
    folder = copy_content(tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(folder.relative_to(tmp_path))]) == 0
    assert "1 publication valid" in capsys.readouterr().out
    edit(folder.parent / "publisher.yaml", "short_name: ISDP", "short_name: ''")
    assert main(["validate", str(folder.relative_to(tmp_path))]) == 2
    assert main(["build", str(folder.relative_to(tmp_path)), "--out", str(tmp_path / "out"), "--edition", "web"]) == 2
    err = capsys.readouterr().err
    assert err.count("elsewhere/content/publisher.yaml") >= 2, err


@pytest.mark.parametrize("name", ["malformed YAML", "raw HTML", "huge file"])
def test_the_console_script_exits_cleanly(name, tmp_path):
    """The same through a real process: exit status 2, the message on stderr, no traceback."""
    case = CASES[name]
    folder = copy_content(tmp_path)
    where = case.where(folder) if callable(case.where) else case.where
    case.breaks(folder)
    out = tmp_path / "build"
    run = subprocess.run([sys.executable, "-m", "octavo.cli", "build", str(folder), "--out", str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert where in run.stderr + run.stdout and case.message in run.stderr + run.stdout
    assert "Traceback" not in run.stderr + run.stdout
    assert _files(out) == []


def test_a_link_within_the_paper_to_nothing_is_refused_by_validate_and_build(tmp_path, capsys):
    """`[see](#conclusion)` where no element has that id: a dead link in the web page and
    EPUBCheck's RSC-012 in the EPUB. Refused with the section's file and the paragraph's line,
    and the id it most likely meant; a link to a section or a contributor's note passes."""
    folder = copy_content(tmp_path)
    section = folder / "sections" / "02-introduction.md"
    text = section.read_text(encoding="utf-8")
    edit(section, "After the dramatic escalation", "As [the conclusion](#sec-07-conclusion) and "
         "[Zhu Feng's note](#contributor-zhu-feng) say, after the dramatic escalation")
    assert main(["validate", "--content", str(folder.parent), str(folder)]) == 0
    section.write_text(text.replace("After the dramatic escalation", "As [the conclusion](#sec-07-conclusions) says, "
                                    "after the dramatic escalation", 1), encoding="utf-8")
    line = next(n for n, l in enumerate(section.read_text(encoding="utf-8").splitlines(), 1) if "#sec-07-conclusions" in l)
    capsys.readouterr()
    assert main(["validate", "--content", str(folder.parent), str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"02-introduction.md:{line}: the link to '#sec-07-conclusions' leads to nothing in the paper" in err
    assert "did you mean '#sec-07-conclusion'?" in err
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--edition", "web"]) == 2
    assert "leads to nothing in the paper" in capsys.readouterr().err
    assert not (tmp_path / "out" / f"{SEED_SLUG}.html").exists()

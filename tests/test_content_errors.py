"""Bad content: a clear message with file and line, a non-zero exit, no traceback, nothing in build/."""

from __future__ import annotations

import pytest

from octavo.build import build_publication
from octavo.errors import ContentError, RenderError
from octavo.model import load_publication

from conftest import CONTENT, SEED_SLUG, copy_content, copy_templates, edit

PUB = "publication.yaml"


# The matrix of bad inputs (malformed YAML, tabs, aliases, wrong types, unknown keys,
# missing files, raw HTML, images, ...) is in test_bad_inputs.py.


def test_all_problems_are_reported_at_once(tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / PUB, "title: Breaking", "titel: Breaking")
    edit(folder / "sections" / "05-china.md", "[zhu-feng]", "[nobody]")
    with pytest.raises(ContentError) as caught:
        build_publication(folder, tmp_path / "out")
    messages = [p.message for p in caught.value.problems]
    assert any("unknown field 'titel'" in m for m in messages)
    assert any("'nobody'" in m for m in messages)


def test_templates_autoescape_content(tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / PUB, "subtitle: Four Perspectives", 'subtitle: "Four <b>Perspectives</b>"')
    result = build_publication(folder, tmp_path / "out", editions=("screen", "epub"))
    import zipfile
    with zipfile.ZipFile(next(p for p in result.outputs if p.suffix == ".epub")) as zf:
        title_page = zf.read("EPUB/titlepage.xhtml").decode()
    assert "Four &lt;b&gt;Perspectives&lt;/b&gt;" in title_page


def test_a_template_using_a_missing_field_fails_instead_of_printing_blank(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "disclaimer.html", "{{ d.text }}</p>", "{{ d.wording }}</p>")
    with pytest.raises(RenderError, match="wording"):
        build_publication(CONTENT / SEED_SLUG, tmp_path / "out", templates)
    assert not any((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "https://example.org/x.css"],
                         ids=["a file outside the publication", "the network"])
def test_the_renderer_reaches_nothing_outside_the_publication(url, tmp_path):
    templates = copy_templates(tmp_path)
    css = templates / "print" / "print.css"  # @import must come first in a sheet to be honoured
    css.write_text(f"@import url({url});\n" + css.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RenderError, match=f"may not reach: {url}"):
        build_publication(CONTENT / SEED_SLUG, tmp_path / "out", templates)


@pytest.mark.parametrize("broken, also, plain, found, later", [
    ('title: "Breaking Deadlock', None, "a quote opened on this line is never closed",
     "found unexpected end of stream", True),  # gives up at the file's end
    ('title: "Breaking Deadlock', ("language: en", 'language: "en"'), "a quote opened on this line is not closed",
     "expected <block end>, but found", True),  # runs on to the next quote, and stumbles after it
    ("title: [Breaking Deadlock", None, "a bracket opened on this line is never closed",
     "expected ',' or ']', but got '?'", False)])  # on the same line
def test_an_unclosed_quote_or_bracket_is_reported_where_it_opens(broken, also, plain, found, later, tmp_path):
    """PyYAML gives up at the file's end (or the next key); the author must look where the quote
    or bracket was opened, which the message names first, in plain words, with PyYAML's own
    and the line it gave up on after."""
    folder = copy_content(tmp_path)
    yaml = folder / PUB
    lines = yaml.read_text(encoding="utf-8").splitlines()
    opened = next(i for i, line in enumerate(lines, start=1) if line.startswith("title:"))
    edit(yaml, "title: Breaking Deadlock", broken)
    if also:
        edit(yaml, *also)
    with pytest.raises(ContentError) as caught:
        build_publication(folder, tmp_path / "out")
    [problem] = caught.value.problems
    assert (problem.location.path.name, problem.location.line) == (PUB, opened), str(caught.value)
    assert problem.message.startswith(f"YAML syntax error: {plain}"), problem.message
    assert found in problem.message and ("(on line " in problem.message) == later
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("markdown, place", [
    ("# Findings {{disclaimer:personal-capacity}}\n", "a heading"),
    ("| Source | Note |\n|---|---|\n| ISDP | {{disclaimer:personal-capacity}} |\n", "a table cell"),
    ("The talks resumed.[^1]\n\n[^1]: {{disclaimer:personal-capacity}}\n", "a footnote"),
], ids=["heading", "table-cell", "footnote"])
def test_a_disclaimer_placed_where_it_is_not_read_in_place_is_a_content_error(tmp_path, markdown, place):
    """A disclaimer inside a footnote (an EPUB pop-up), a table cell or a heading: refused at its
    line (issue 20: an author could put one where an EPUB shows it only when opened)."""
    folder = copy_content(tmp_path)
    section = folder / "sections" / "07-conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + "\n" + markdown, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    messages = [str(p) for p in caught.value.problems]
    assert any(f"the disclaimer 'personal-capacity' is placed in {place}" in m and "07-conclusion.md:" in m
               for m in messages), messages


@pytest.mark.parametrize("name, shown", [("Zhu \u202eFeng", "U+202E (right-to-left override)"),
                                         ("Zhu\u2066 Feng", "U+2066 (left-to-right isolate)")])
def test_a_name_holding_a_bidi_control_is_refused(tmp_path, name, shown):
    """A right-to-left override in a name makes every byline and catalogue record read it
    reversed (issue 22): refused at its line; a joiner, which some scripts need, is not."""
    folder = copy_content(tmp_path)
    edit(folder / "publication.yaml", "name: Zhu Feng", f"name: \"{name}\"")
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    assert any(f"the name of 'zhu-feng' holds {shown}" in str(p) and "publication.yaml:" in str(p)
               for p in caught.value.problems), [str(p) for p in caught.value.problems]
    edit(folder / "publication.yaml", f"name: \"{name}\"", "name: \"Zhu Fe\u200cng\"")
    assert "Zhu Fe\u200cng" in [c.name for c in load_publication(folder).contributors]


@pytest.mark.parametrize("text, line, reason", [
    ("title: A\ncontributors:\n  - id: a\n    name: A\n     affiliations: []\n", 5,
     "this line is indented further than the field above it, which already has its value"),
    ("title: A\ncontributors:\n  - id: a\n    name: A\n   role: author\n", 5,
     "this line is indented neither as far as the fields above it nor as their parent"),
    ("title: Peace: A Plan\n", 1, "a value holds ': ', which YAML reads as a new field"),
])
def test_a_yaml_mistake_is_said_as_the_authors_mistake_at_its_line(tmp_path, text, line, reason):
    """What a new user met: 'expected <block end>, but found '<block mapping start>'' for a line
    indented one space short. The parser's words stay, in brackets, after the author's."""
    from octavo.load import parse_yaml

    with pytest.raises(ContentError) as caught:
        parse_yaml(text, tmp_path / PUB)
    [problem] = caught.value.problems
    assert problem.location.line == line and problem.message.startswith(f"YAML syntax error: {reason} (the YAML reader:")


def test_a_folder_that_does_not_exist_is_said_so_with_the_name_meant(tmp_path, capsys, monkeypatch):
    from octavo.cli import main

    folder = copy_content(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "content/breaking-deadlok", "--content", "content"]) == 2
    err = capsys.readouterr().err
    assert "content/breaking-deadlok: there is no such folder" in err
    assert f"did you mean 'content/{folder.name}'?" in err


def test_a_missing_date_says_how_to_write_one(tmp_path):
    folder = copy_content(tmp_path)
    text = (folder / PUB).read_text(encoding="utf-8")
    (folder / PUB).write_text("\n".join(line for line in text.split("\n") if not line.startswith("date:")),
                              encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    [problem] = caught.value.problems
    assert problem.message == "the publication has no 'date'" and "'date: YYYY-MM-DD'" in problem.hint

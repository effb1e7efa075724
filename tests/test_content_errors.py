"""Bad content: a clear message with file and line, a non-zero exit, no traceback, nothing in build/."""

from __future__ import annotations

import subprocess
import sys

import pytest

from octavo.build import build_publication
from octavo.errors import ContentError, RenderError

from conftest import CONTENT, REPO, SEED_SLUG, copy_content, copy_templates, edit

PUB = "publication.yaml"


def _break(folder, file, old, new):
    edit(folder / file, old, new)


CASES = {
    "malformed YAML": (PUB, "subtitle: Four Perspectives", "subtitle: [Four Perspectives",
                       f"{PUB}:", "YAML syntax error"),
    "missing required field": (PUB, "title: Breaking Deadlock on the Korean Peninsula?\n", "",
                               f"{PUB}:3", "the publication has no 'title'"),
    "unknown key": (PUB, "    affiliations:\n      - organisation: Handong",
                    "    affiliation:\n      - organisation: Handong", f"{PUB}:", "did you mean 'affiliations'?"),
    "unknown author id": ("sections/05-china.md", "perspective_of: [zhu-feng]", "perspective_of: [zhu-fong]",
                          "05-china.md:5", "did you mean 'zhu-feng'?"),
    "missing section file": (PUB, "sections/07-conclusion.md", "sections/07-conclusions.md",
                             f"{PUB}:", "section file 'sections/07-conclusions.md' does not exist"),
    "missing house disclaimer": (PUB, "house_disclaimers: [house-opinions]", "house_disclaimers: []",
                                 f"{PUB}:", "the house disclaimer 'house-opinions' is missing"),
    "affiliation dropped": (PUB, "    affiliations:\n      - organisation: Wilson Center\n"
                                 "        place: Washington D.C.\n        country: United States\n", "",
                            f"{PUB}:", "contributor 'abraham-denmark' has no affiliation"),
    "inline disclaimer not placed": ("sections/02-introduction.md", "{{disclaimer:isdp-position}}", "",
                                     f"{PUB}:", "inline disclaimer 'isdp-position' is placed 0 times"),
    "wrong type": (PUB, "  year: 2018", "  year: twenty-eighteen", f"{PUB}:", "'year' in rights must be a whole number"),
    "invalid date": (PUB, "date: 2018-02-05", "date: 2018-02-30", f"{PUB}:", "is not a valid date"),
    "tab character": (PUB, "language: en", "language:\ten", f"{PUB}:", "tab character"),
    "YAML alias": (PUB, "language: en", "language: &l en\nlang2: *l", f"{PUB}:", "aliases"),
    "raw HTML": ("sections/01-summary.md", "ahead. (read", "ahead. <script>alert(1)</script> (read",
                 "01-summary.md:6", "raw HTML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_content_is_reported_with_file_and_line(case, tmp_path):
    file, old, new, where, message = CASES[case]
    folder = copy_content(tmp_path)
    _break(folder, file, old, new)
    out = tmp_path / "build"
    run = subprocess.run([sys.executable, "-m", "octavo.cli", "build", str(folder), "--out", str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert where in run.stderr and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() or not any(out.iterdir())


def test_all_problems_are_reported_at_once(tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / PUB, "title: Breaking", "titel: Breaking")
    edit(folder / "sections" / "05-china.md", "[zhu-feng]", "[nobody]")
    with pytest.raises(ContentError) as caught:
        build_publication(folder, tmp_path / "out")
    messages = [p.message for p in caught.value.problems]
    assert any("unknown field 'titel'" in m for m in messages)
    assert any("'nobody'" in m for m in messages)


def test_non_utf8_section(tmp_path):
    folder = copy_content(tmp_path)
    path = folder / "sections" / "07-conclusion.md"
    path.write_bytes(path.read_bytes().replace("’".encode(), b"\x92"))
    with pytest.raises(ContentError) as caught:
        build_publication(folder, tmp_path / "out")
    assert "not valid UTF-8" in str(caught.value) and "07-conclusion.md:" in str(caught.value)


def test_templates_autoescape_content(tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / PUB, "subtitle: Four Perspectives", 'subtitle: "Four <b>Perspectives</b>"')
    result = build_publication(folder, tmp_path / "out")
    import zipfile
    with zipfile.ZipFile(result.outputs[1]) as zf:
        title_page = zf.read("EPUB/titlepage.xhtml").decode()
    assert "Four &lt;b&gt;Perspectives&lt;/b&gt;" in title_page


def test_a_template_using_a_missing_field_fails_instead_of_printing_blank(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "disclaimer.html", "{{ d.text }}</p>", "{{ d.wording }}</p>")
    with pytest.raises(RenderError, match="wording"):
        build_publication(CONTENT / SEED_SLUG, tmp_path / "out", templates)
    assert not any((tmp_path / "out").glob("*.pdf"))


def test_the_renderer_cannot_read_outside_the_publication(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", "@page {", "@import url(file:///etc/passwd);\n@page {")
    with pytest.raises(RenderError, match="/etc/passwd"):
        build_publication(CONTENT / SEED_SLUG, tmp_path / "out", templates)


def test_the_renderer_never_reaches_the_network(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", "@page {", "@import url(https://example.org/x.css);\n@page {")
    with pytest.raises(RenderError, match="https://example.org"):
        build_publication(CONTENT / SEED_SLUG, tmp_path / "out", templates)

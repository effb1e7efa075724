"""The web edition's checkers (tests/webcheck.py) can pass and can fail: the
Nu HTML Checker names each error on its line, axe-core names each
violation, at the width asked for. A missing tool fails the test, it does
not skip it: `make test` installs all of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import webcheck
from webcheck import PHONE_WIDTH, WebcheckUnavailable, axe_violations, describe, nu_errors

REPO = Path(__file__).resolve().parents[1]

# What the web edition promises, small: HTML5 with lang, landmarks, one h1 and
# no skipped heading level, an image with alt text, no script (its CSP says so).
GOOD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Breaking Deadlock</title>
<style>
body { font: 1rem/1.5 serif; color: #1a1a1a; background: #fff; max-width: 40rem; margin: 0 auto; padding: 0 1rem; }
a { color: #0645ad; }
</style>
</head>
<body>
<header><p>Octavo Policy Papers</p></header>
<nav aria-label="Contents"><ol><li><a href="#one">One perspective</a></li></ol></nav>
<main>
<h1>Breaking Deadlock</h1>
<section id="one" aria-labelledby="one-h">
<h2 id="one-h">One perspective</h2>
<p>A paragraph with a <a href="#note-1" id="ref-1">note</a>.</p>
<figure><img alt="A bar chart: two bars" width="20" height="10"
  src="data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20width='20'%20height='10'/%3E">
<figcaption>Figure 1.</figcaption></figure>
<h3>A detail</h3>
<p>More text.</p>
</section>
<aside aria-label="Notes"><ol><li id="note-1">The note. <a href="#ref-1">Back</a></li></ol></aside>
</main>
<footer><p>Published 2025.</p></footer>
</body>
</html>
"""


def page(tmp_path: Path, text: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


def test_nu_finds_no_error_in_a_valid_page(tmp_path):
    assert nu_errors(page(tmp_path, GOOD)) == []


def test_nu_names_each_error_on_its_line(tmp_path):
    bad = GOOD.replace("<p>More text.</p>", "\n".join([
        '<p id="one-h">A duplicate id.</p>',
        '<p colour="red">An attribute HTML does not have.</p>',
        "<div><em>Misnested</div></em>",
    ]))
    errors = nu_errors(page(tmp_path, bad))
    expected = [
        (line_of(bad, 'id="one-h">A duplicate'), "Duplicate ID “one-h”."),
        (line_of(bad, 'colour="red"'), "Attribute “colour” not allowed on element “p” at this point."),
        (line_of(bad, "Misnested"), "End tag “div” seen, but there were open elements."),
    ]
    for line, message in expected:
        assert f"line {line}: {message}" in errors, errors


def test_axe_finds_no_violation_in_an_accessible_page(tmp_path):
    path = page(tmp_path, GOOD)
    for width in (webcheck.DESKTOP_WIDTH, PHONE_WIDTH):
        violations = axe_violations(path, width=width)
        assert violations == [], f"at {width}px:\n{describe(violations)}"


def test_axe_names_each_violation_and_its_element(tmp_path):
    bad = (GOOD.replace('<html lang="en">', "<html>")
           .replace('<img alt="A bar chart: two bars"', '<img id="chart"')
           .replace("<p>More text.</p>", '<p id="faint" style="color: #bbb">Faint text.</p>'))
    path = page(tmp_path, bad)
    violations = axe_violations(path)
    assert {v["id"]: [n["target"] for n in v["nodes"]] for v in violations} == {
        "html-has-lang": [["html"]],
        "image-alt": [["#chart"]],
        "color-contrast": [["#faint"]],
    }, describe(violations)
    assert all(v["impact"] and v["help"] for v in violations)
    # The same page, the same verdict.
    assert axe_violations(path) == violations


def test_axe_lays_the_page_out_at_the_width_asked_for(tmp_path):
    # Text that turns faint only on a narrow screen: a phone-width check sees it.
    narrow = GOOD.replace("a { color: #0645ad; }",
                          "a { color: #0645ad; }\n@media (max-width: 500px) { h3 + p { color: #aaa; } }")
    path = page(tmp_path, narrow)
    assert axe_violations(path) == []
    violations = axe_violations(path, width=PHONE_WIDTH)
    assert [v["id"] for v in violations] == ["color-contrast"], describe(violations)


def test_axe_core_is_the_version_the_makefile_pins():
    pinned = re.search(r"^AXE_CORE_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.M).group(1)
    assert webcheck.axe_version() == pinned


def test_a_missing_tool_is_an_error_not_a_pass(tmp_path, monkeypatch):
    path = page(tmp_path, GOOD)
    monkeypatch.setattr(webcheck, "AXE_JS", tmp_path / "no-axe.min.js")
    with pytest.raises(WebcheckUnavailable, match="make test"):
        axe_violations(path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(WebcheckUnavailable, match="java"):
        nu_errors(path)
    with pytest.raises(WebcheckUnavailable, match="chromium"):
        webcheck._chromium()


def test_page_overflow_names_what_sticks_out_and_not_what_scrolls_in_its_own_box(tmp_path):
    from webcheck import page_overflow

    wide = "<table><tr>" + "".join(f"<td>column{n:02d}-with-a-long-unbreakable-heading</td>" for n in range(8)) + "</tr></table>"
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>t</title>"
            "<style>.scroll { display: block; overflow-x: auto; max-width: 100%; }</style></head><body><main>"
            f"<div class='scroll'>{wide}</div><div id='fixed' style='width: 800px'>wide</div>"
            f"<p id='word'>{'x' * 300}</p><div style='width: 100px'><p id='spill'>{'y' * 30}</p>"
            "<p id='padded'>a long line ending in a call<a href='#word' style='padding: 12px 9px; margin: 0 -9px'>1</a></p></div>"
            "</main></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    found = page_overflow(path, width=390)
    assert found["viewport"] == 390 and found["scrollWidth"] > 390
    # The table scrolls inside its box, and a tap target's padding is not text: neither is named.
    assert found["outside"] == ["div#fixed", "p#word", "p#spill"]

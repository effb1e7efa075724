"""The EPUB's and the web page's bylines and disclaimers judged by the engine that draws them
(seen.py, in Debian's Chromium; issue 20): each way a house style hid a disclaimer or moved a
byline from a new user's trial, which the stylesheet reader passed, is refused in both
editions with the width and why; a house style of legitimate design still proves."""

from __future__ import annotations

import random
import re

import pytest

from octavo.build import build_publication
from octavo.errors import OctavoError, VerificationError

from conftest import copy_templates
from test_exact_proof import paper

DISPUTE = "The two coastal states claim the same banks.\n"


def house(tmp_path, css: str):
    templates = copy_templates(tmp_path)
    for name in ("epub", "web"):
        sheet = templates / name / "house.css"
        sheet.write_text(sheet.read_text(encoding="utf-8") + "\n" + css + "\n", encoding="utf-8")
    return templates


@pytest.mark.parametrize("css, why", [
    (".disclaimer { position: absolute; left: -9999px; }", "outside the page"),
    (".disclaimer { display: block; height: 0; overflow: hidden; }", "covered or cut off"),
    (".disclaimer { display: inline-block; transform: scale(0); }", "not drawn"),
    (".disclaimer { display: block; clip-path: inset(50%); }", "covered or cut off"),
    (".disclaimer { display: block; text-indent: -9999px; overflow: hidden; }", "outside the page"),
    (".disclaimer { font-size: 0.01px; }", "not drawn"),
    (".disclaimer { filter: opacity(0); }", "opacity 0.00"),
    (".disclaimer { opacity: 0.02; }", "opacity 0.02"),
    (".disclaimer { color: rgba(0, 0, 0, 0.03); }", "contrast 1.1:1"),
    (".disclaimer { color: #c8c8c8; }", "contrast 1.7:1"),
    ("@media (max-width: 600px) { .disclaimer { display: none; } }", "not drawn"),
    ("@supports (display: grid) { .disclaimer { visibility: hidden; } }", "visibility: hidden"),
    (":root { --ghost: rgba(0, 0, 0, 0.02); } .disclaimer { color: var(--ghost); }", "contrast 1.0:1"),
    (".disclaimer { color: transparent; }", "contrast 1.0:1"),
    (".disclaimer { content-visibility: hidden; }", "covered or cut off"),
    (".disclaimer { color: #fff !important; } p.disclaimer { color: #000; }", "contrast 1.0:1"),
], ids=["off-page", "zero-height", "scale-0", "clip-path", "text-indent", "tiny-font", "filter-opacity",
        "opacity", "ghost-colour", "pale-grey", "media-query", "supports", "custom-property", "transparent",
        "content-visibility", "important-cascade"])
def test_a_disclaimer_a_browser_does_not_show_is_hidden_in_the_epub_and_the_web_page(tmp_path, css, why):
    templates = house(tmp_path, css)
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, DISPUTE), tmp_path / "build", templates, editions=("epub", "web"))
    failures = caught.value.report.failures
    assert {(f.edition.kind, f.what) for f in failures} == {("EPUB", "disclaimer"), ("HTML", "disclaimer")}
    assert all(f.problem.startswith("hidden (at 390 px, " + why) for f in failures), [f.problem for f in failures]


def _data_url(media_type: str, data: bytes) -> str:
    import base64

    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _noise_png() -> bytes:
    import io

    from PIL import Image

    chance = random.Random(7)  # the same pattern every run
    image = Image.new("1", (64, 64))
    image.putdata([chance.choice((0, 0, 0, 255)) for _ in range(64 * 64)])  # three pixels in four black
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _rot13_font(tmp_path) -> bytes:
    from test_ink import rot13_font

    rot13_font(tmp_path / "rot13.ttf")
    return (tmp_path / "rot13.ttf").read_bytes()


@pytest.mark.parametrize("case", ["noise-behind-black-text", "gradient-of-the-text-colour", "letter-swapping-font"])
def test_what_the_layout_passes_is_judged_by_its_ink(tmp_path, case):
    """Where a background image stands behind the text, no colour can be compared: the element
    is screenshot with and without its text, and its ink read by OCR; so is a font whose
    glyphs draw other letters ("Qvfpynvzre" for "Disclaimer")."""
    css = {
        "noise-behind-black-text": f".disclaimer {{ color: #000; background: url({_data_url('image/png', _noise_png())}); }}",
        "gradient-of-the-text-colour": ".disclaimer { color: #204060; background: linear-gradient(#204060, #204060); }",
        "letter-swapping-font": f"@font-face {{ font-family: Rot; src: url({_data_url('font/ttf', _rot13_font(tmp_path))}); }}"
                                " .disclaimer, .byline, .byline * { font-family: Rot !important; }",
    }[case]
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, DISPUTE), tmp_path / "build", house(tmp_path, css), editions=("epub", "web"))
    failures = caught.value.report.failures
    disclaimers = [f for f in failures if f.what == "disclaimer"]
    assert {f.edition.kind for f in disclaimers} == {"EPUB", "HTML"} and len(disclaimers) == 4
    assert all(re.match(r"hidden \(at (390|1280) px, (OCR reads '.*': \d+% of its letters|it leaves no ink)", f.problem)
               for f in disclaimers), [f.problem for f in disclaimers]
    if case == "letter-swapping-font":
        assert any("Qvfpynvzre" in f.problem for f in disclaimers)
        assert {f.what for f in failures} == {"disclaimer", "attribution"}


@pytest.mark.parametrize("css, why", [
    ("@media (max-width: 600px) { .section .body p { display: none; } }", "not drawn: it has no box"),
    (".section .body p { color: rgba(0, 0, 0, 0.05); }", "contrast 1.1:1 against its background"),
    (".section .body p { position: relative; left: -5000px; }", "outside the page"),
], ids=["media-query", "ghost-colour", "off-page"])
def test_a_block_a_browser_does_not_show_is_hidden(tmp_path, css, why):
    """The blocks too are judged by Chromium's layout, not by a reading of the stylesheets
    (which skipped every @-rule and knew opaque colours only)."""
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, DISPUTE), tmp_path / "build", house(tmp_path, css), editions=("epub", "web"))
    blocks = [f for f in caught.value.report.failures if f.what == "block"]
    assert {f.edition.kind for f in blocks} == {"EPUB", "HTML"} and len(blocks) == 6, [str(f) for f in blocks]
    assert all(f.problem.startswith(f"hidden (at 390 px, {why}") for f in blocks), [f.problem for f in blocks]


def test_a_byline_drawn_below_its_text_is_not_where_it_stands(tmp_path):
    """A flex 'order' draws the byline after the text, though the document has it first."""
    templates = house(tmp_path, ".section { display: flex; flex-direction: column; } .byline { order: 99; }")
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, DISPUTE), tmp_path / "build", templates, editions=("epub", "web"))
    failures = caught.value.report.failures
    assert {(f.edition.kind, f.what, f.subject) for f in failures} == {
        (kind, "attribution", who) for kind in ("EPUB", "HTML") for who in ("ada", "bob")}
    assert all("drawn below the text it credits" in f.problem for f in failures)


def test_a_house_style_of_legitimate_design_proves_in_the_browser(tmp_path):
    """A dark title band, small capitals, a coloured byline on a band, a faded but readable
    disclaimer label, a display face: all legitimate, all proven."""
    templates = house(tmp_path, ".title-page { background: #14213d; color: #ffffff; padding: 1em; }\n"
                                ".title-page * { color: #ffffff; }\n"
                                ".byline { background: #1d3557; padding: 4px; font-variant: small-caps; }\n"
                                ".byline, .byline *, .byline .name, .byline .affiliation { color: #f1faee; }\n"
                                ".disclaimer { opacity: 0.85; font-family: Georgia, serif; }\n"
                                "h1, h2 { font-family: 'Noto Serif Display', serif; letter-spacing: 0.05em; }")
    result = build_publication(paper(tmp_path, DISPUTE), tmp_path / "build", templates, editions=("epub", "web"))
    assert result.report.ok


def test_without_chromium_the_proof_fails_and_says_why(tmp_path, monkeypatch):
    """No browser, no verdict: the build fails with what to install, it never passes unjudged."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OctavoError, match="no `chromium` on PATH"):
        build_publication(paper(tmp_path, DISPUTE), tmp_path / "build", editions=("web",))


def test_a_files_own_script_cannot_rewrite_what_the_browser_measures(tmp_path):
    """A stranger's page (octavo check reads files from anywhere) with a script that would make
    every text box look on the page: its scripts do not run, and the hidden disclaimer is named."""
    from octavo.seen import unseen_required

    page = tmp_path / "p.html"
    page.write_text(
        '<html><body><p data-disclaimer="shown">Visible disclaimer words.</p>'
        '<p data-disclaimer="away" style="position: absolute; left: -9999px">Hidden disclaimer words.</p>'
        '<script>Range.prototype.getClientRects = function () {'
        ' return [{left: 10, top: 10, right: 200, bottom: 30, width: 190, height: 20}]; };</script>'
        '</body></html>', encoding="utf-8")
    verdicts = unseen_required([page])[page]
    assert verdicts[0] is None
    assert verdicts[1].startswith("at 390 px, outside the page") and "Hidden disclaimer words" in verdicts[1]


@pytest.mark.parametrize("css", [
    ".byline { float: right; width: 40%; margin-left: 1em; }",
    ".body { columns: 2; column-gap: 2em; }",
    "body { padding-top: 3em; } .title-page { position: sticky; top: 0; background: #fff; }",
], ids=["byline-floated-beside-the-text", "two-columns", "sticky-title"])
def test_a_layout_that_keeps_the_byline_at_the_head_of_its_text_proves(tmp_path, css):
    """Legitimate layouts a house may choose: the byline floated beside the text's first lines,
    the text in two columns, a title band that stays on screen. None is a byline drawn below
    its text or a disclaimer hidden."""
    result = build_publication(paper(tmp_path, DISPUTE * 8), tmp_path / "build", house(tmp_path, css),
                               editions=("epub", "web"))
    assert result.report.ok


def _chromium_of(files):
    """The process id of the Chromium that measures `files`, and its folder (browser.at_widths)."""
    from octavo import browser

    seen = []
    browser.at_widths(files, (390,), None, 60, 1.0, lambda b, session, url, path: seen.append((b.process.pid, b.folder)))
    return seen[0]


def test_one_chromium_is_kept_for_the_files_a_build_judges_and_closed_after(tmp_path):
    """Inside browser.kept() (a build, a `verify` of several editions) the EPUB and the web
    page are judged in one Chromium, started once; it is closed, its folder removed, at the
    end. Outside it, each measurement has its own. A process forked inside starts its own."""
    import os

    from octavo import browser

    page = tmp_path / "p.html"
    page.write_text("<!DOCTYPE html><html lang='en'><title>t</title><p>Words.</p></html>", encoding="utf-8")
    with browser.kept():
        first, second = _chromium_of([page]), _chromium_of([page])
        assert first == second
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:  # the child's measurement: its own browser, closed after
            pid, folder = _chromium_of([page])
            os.write(writer, b"1" if pid != first[0] and not folder.exists() else b"0")
            os._exit(0)
        os.waitpid(child, 0)
        assert os.read(reader, 1) == b"1"
        assert first[1].exists()
    assert not first[1].exists()
    with pytest.raises(ProcessLookupError):
        os.kill(first[0], 0)
    one, other = _chromium_of([page]), _chromium_of([page])
    assert one[0] != other[0] and not one[1].exists() and not other[1].exists()


def test_a_kept_chromium_that_failed_is_never_used_again(tmp_path):
    from octavo import browser

    page = tmp_path / "p.html"
    page.write_text("<!DOCTYPE html><html lang='en'><title>t</title><p>Words.</p></html>", encoding="utf-8")

    def fails(*_):
        raise RuntimeError("a measurement that failed")

    with browser.kept():
        first = _chromium_of([page])
        with pytest.raises(RuntimeError):
            browser.at_widths([page], (390,), None, 60, 1.0, fails)
        assert not first[1].exists()  # closed, its folder removed
        second = _chromium_of([page])
        assert second[0] != first[0]

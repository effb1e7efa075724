"""Reading on any screen, in every edition, read back from the built files: names kept whole
on their line, footnote links large enough to tap, bare addresses made links, nothing wider
than a phone at 200 % text, and one heading hierarchy.

The reading fixture (tests/fixtures/epub-content/small-screens) has four authors with long
names (accents, hyphens, a Hangul native name), a table far wider than a phone, footnotes,
and bare URLs in a paragraph and in a note. The EPUB's XHTML and the web page are laid out
in Debian's Chromium (tests/webcheck.py) at a phone's 390 and a desktop's 1280 CSS px, with
the reader's text at 100 % and 200 %; the PDFs are read with PDFium and pypdf.

Each check is a function that returns what is wrong; each is also run once on a broken
input (the built file with the one rule or attribute that makes it hold taken out) to show
that it fails and names what is missing.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from lxml import etree, html as lxml_html
from pypdf import PdfReader

from octavo.build import build_publication
from octavo.editions import edition_for_file
from octavo.errors import VerificationError
from octavo.markdown import check_body, refused_url, render_body
from octavo.model import load_publication
from octavo.verify import skeleton

from conftest import FIXTURES, copy_templates, edit
from webcheck import (DESKTOP_WIDTH, PHONE_WIDTH, axe_violations, describe, note_calls, nu_errors, pages_overflow,
                      split_names, target_sizes)

SMALL = FIXTURES / "epub-content" / "small-screens"
LAYOUTS = [(PHONE_WIDTH, 1.0), (PHONE_WIDTH, 2.0), (DESKTOP_WIDTH, 1.0), (DESKTOP_WIDTH, 2.0)]
# The rules of the built stylesheets that each check is about (epub.css, web.css): the broken inputs lack them.
NAME_RULE = ".name, .native-name { display: inline-block; max-width: 100%; }"
TARGET_RULE = re.compile(r"\.footnote-ref a, a\.footnote-backref \{[^}]*\}")
# The bare addresses the fixture's text holds (a paragraph and a note).
BARE_URLS = {"https://niep.example.org/data/reserve-margins-2024.csv", "https://niep.example.org/reports/adequacy/",
             "https://archive.example.org/niep/2024/adequacy-reports-winter-2023-24.pdf"}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    """Every edition of the reading fixture, built and proven: {edition name: file}, and
    "xhtml": the folder the EPUB is unpacked into."""
    out = tmp_path_factory.mktemp("small-screens")
    built = {edition_for_file(p).name: p for p in build_publication(SMALL, out).outputs}
    built["xhtml"] = unpack(built["epub"], out / "unpacked")
    return built


def unpack(epub: Path, folder: Path) -> Path:
    with zipfile.ZipFile(epub) as zf:
        zf.extractall(folder)
    return folder / "EPUB"


def screens(small: dict[str, Path], folder: Path | None = None) -> list[Path]:
    """What Chromium lays out: every XHTML document of the EPUB, and the web page."""
    return sorted((folder or small["xhtml"]).glob("*.xhtml")) + [small["web"]]


def broken_copy(small: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """A private copy of the unpacked EPUB and of the web page, to break."""
    shutil.copytree(small["xhtml"], tmp_path / "EPUB")
    shutil.copy(small["web"], tmp_path / small["web"].name)
    return {"xhtml": tmp_path / "EPUB", "web": tmp_path / small["web"].name, "css": tmp_path / "EPUB/style/epub.css"}


def names_of(folder: Path) -> list[str]:
    publication = load_publication(folder)
    return [n for c in publication.contributors for n in (c.name, c.native_name) if n]


# ------------------------------------------------------ nothing wider than a phone

def overflow_problems(paths, width: int = PHONE_WIDTH, text_scale: float = 2.0) -> list[str]:
    """Each element that sticks out of the viewport without scrolling in a box of its own."""
    return [f"{path.name} at {width} px, text {text_scale:.0%}: {found['outside']} (page {found['scrollWidth']} px wide)"
            for path, found in pages_overflow(paths, width=width, text_scale=text_scale).items()
            if found["outside"] or found["scrollWidth"] > found["viewport"]]


@pytest.mark.parametrize("width, text_scale", LAYOUTS)
def test_nothing_sticks_out_of_the_screen_at_any_text_size(small, width, text_scale):
    assert overflow_problems(screens(small), width, text_scale) == []


def test_each_table_scrolls_in_a_labelled_region_of_its_own(small):
    for path in screens(small):
        root = lxml_html.parse(str(path)).getroot() if path.suffix == ".html" else etree.parse(str(path)).getroot()
        for table in root.iter("{*}table", "table"):
            wrap = table.getparent()
            assert wrap.get("class") == "table-wrap" and wrap.get("role") == "region", path.name
            # Named by its first row (it has no caption): a screen reader's list of regions says which table.
            assert wrap.get("tabindex") == "0" and wrap.get("aria-label") == (
                "Table: Interconnected system, Winter 2020–21, Winter 2021–22, Winter 2022–23…"), path.name


def test_the_overflow_check_names_a_table_that_does_not_scroll_in_its_own_box(small, tmp_path):
    broken = broken_copy(small, tmp_path)
    edit(broken["xhtml"] / "sec-02-tables.xhtml", 'class="table-wrap"', 'class="table"')
    edit(broken["web"], 'class="table-wrap"', 'class="table"')
    problems = overflow_problems([broken["xhtml"] / "sec-02-tables.xhtml", broken["web"]])
    assert len(problems) == 2
    assert all("'table#sec-02-tables-b2'" in p for p in problems), problems


# ---------------------------------------------------------------- names kept whole

def name_problems(paths, width: int, text_scale: float) -> list[str]:
    """Each name laid out on more than one line though it would fit on one."""
    return [f"{path.name} at {width} px, text {text_scale:.0%}: '{n['text']}' on {n['lines']} lines "
            f"({n['width']} px wide, the line {n['room']} px)"
            for path, found in split_names(paths, width=width, text_scale=text_scale).items() for n in found["split"]]


@pytest.mark.parametrize("width, text_scale", LAYOUTS)
def test_no_name_is_broken_across_lines_in_the_epub_or_the_web_page(small, width, text_scale):
    assert name_problems(screens(small), width, text_scale) == []


def test_a_name_longer_than_the_line_still_breaks_rather_than_run_off_the_screen(small):
    found = split_names([small["xhtml"] / "contributors.xhtml"], width=PHONE_WIDTH, text_scale=2.0)
    too_long = {n["text"] for n in next(iter(found.values()))["tooLong"]}
    assert "Bartholomew Featherstonehaugh-Cholmondeley" in too_long  # and it does not stick out: the overflow test


def test_the_name_check_finds_names_broken_without_the_rule(small, tmp_path):
    broken = broken_copy(small, tmp_path)
    edit(broken["css"], NAME_RULE, "")
    edit(broken["web"], NAME_RULE, "")
    problems = [p for width, scale in LAYOUTS for p in name_problems(screens(small, broken["xhtml"])[:-1]
                                                                    + [broken["web"]], width, scale)]
    assert any(p.startswith("small-screens.html") for p in problems), problems
    assert any(".xhtml" in p for p in problems), problems
    assert any("'María José Álvarez-Núñez'" in p for p in problems), problems


def pdf_name_problems(path: Path, names: list[str]) -> list[str]:
    """Each name that PDFium reads on two lines of a page (by its letters and digits, so a
    hyphen or a hyphenation at the line's end does not hide it)."""
    problems = []
    document = pdfium.PdfDocument(str(path))
    try:
        for number, page in enumerate(document, start=1):
            lines = page.get_textpage().get_text_range().splitlines()
            whole = skeleton("".join(lines))
            for name in names:
                key = skeleton(name)
                if whole.count(key) > sum(skeleton(line).count(key) for line in lines):
                    problems.append(f"{path.name}, page {number}: '{name}' is broken across two lines")
    finally:
        document.close()
    return problems


@pytest.mark.parametrize("edition", ["print", "screen", "archive"])
def test_no_name_is_broken_across_lines_in_the_pdfs(small, edition):
    names = names_of(SMALL)
    assert pdf_name_problems(small[edition], names) == []
    # The names are there to be found: each on the title page or in a byline.
    text = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(small[edition])))
    assert all(skeleton(n) in skeleton(text) for n in names)


def test_the_pdf_name_check_finds_a_name_broken_without_the_rule(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", ".name, .native-name { white-space: nowrap; }", "")
    pdf = build_publication(SMALL, tmp_path / "out", templates, editions=("screen",)).outputs[0]
    problems = pdf_name_problems(pdf, names_of(SMALL))
    assert "small-screens.pdf, page 1: 'Bartholomew Featherstonehaugh-Cholmondeley' is broken across two lines" \
        in problems, problems


def test_a_running_head_keeps_each_name_on_one_line(tmp_path):
    """A running head is a string in the page's margin box, where no element can carry
    `nowrap`: its names are joined unbreakable (render.keep_whole). A summary by the four
    authors, long enough to run on to a page with its running head, which wraps (as it must)
    between the names, never inside one; without the filter "Nguyễn Thị Minh / Khai" is split."""
    from conftest import copy_content

    folder = copy_content(tmp_path, "small-screens", FIXTURES / "epub-content")
    summary = folder / "sections" / "01-summary.md"
    summary.write_text(summary.read_text(encoding="utf-8") + "\n\nThe brief runs on. " * 160, encoding="utf-8")
    names = names_of(folder)
    pdf = build_publication(folder, tmp_path / "out", editions=("screen",)).outputs[0]
    heads = [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(pdf))]
    assert any("Summary ·" in h and skeleton(names[-1]) in skeleton(h) for h in heads), \
        "no running head with the four names was printed"
    assert pdf_name_problems(pdf, names) == []

    templates = copy_templates(tmp_path)
    edit(templates / "print" / "document.html", " | map('unbreakable')", "")
    broken = build_publication(folder, tmp_path / "broken", templates, editions=("screen",)).outputs[0]
    assert any("'Nguyễn Thị Minh Khai' is broken across two lines" in p
               for p in pdf_name_problems(broken, names)), pdf_name_problems(broken, names)


# ------------------------------------------------------- footnote links you can tap

MIN_TARGET = 24  # CSS px, WCAG 2.2 SC 2.5.8 (target size, minimum)


def target_problems(paths, width: int, text_scale: float = 1.0) -> list[str]:
    """Each footnote call and back-link smaller than 24 × 24 CSS px; and a file with none."""
    problems = []
    for path, targets in target_sizes(paths, width=width, text_scale=text_scale).items():
        roles = {t["role"] for t in targets}
        if roles != {"doc-noteref", "doc-backlink"}:
            problems.append(f"{path.name}: footnote calls and back-links not found (only {sorted(roles)})")
        problems += [f"{path.name} at {width} px: {t['role']} {t['href']} is {t['width']:.1f} × {t['height']:.1f} px"
                     for t in targets if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]
    return problems


@pytest.mark.parametrize("width, text_scale", LAYOUTS)
def test_footnote_calls_and_back_links_are_at_least_24_px_square(small, width, text_scale):
    assert target_problems([small["xhtml"] / "sec-02-tables.xhtml", small["web"]], width, text_scale) == []


def test_the_target_check_names_small_footnote_links(small, tmp_path):
    broken = broken_copy(small, tmp_path)
    for path in (broken["css"], broken["web"]):
        text = path.read_text(encoding="utf-8")
        assert len(TARGET_RULE.findall(text)) == 1, path
        path.write_text(TARGET_RULE.sub("", text), encoding="utf-8")
    problems = target_problems([broken["xhtml"] / "sec-02-tables.xhtml", broken["web"]], PHONE_WIDTH)
    assert any(p.startswith("sec-02-tables.xhtml at 390 px: doc-noteref #fn-sec-02-tables-1 is") for p in problems)
    assert any(p.startswith("small-screens.html at 390 px: doc-backlink") for p in problems), problems


MAX_CALL_GAP = 1.0  # CSS px between a word's last letter and its note's number: the font's own side bearings


def call_problems(paths, width: int, text_scale: float = 1.0) -> list[str]:
    """Each footnote call that comes loose from the words it follows: on another line (a number
    that starts a line alone), or with space between (a tap target that widens the line)."""
    problems = []
    for path, calls in note_calls(paths, width=width, text_scale=text_scale).items():
        if not calls:
            problems.append(f"{path.name}: no footnote calls found")
        for call in calls:
            if not call["before"] or call["before"][-1].isspace():
                continue  # a call the author set after a space
            where = f"{path.name} at {width} px{'' if text_scale == 1 else f', text {text_scale:.0%}'}: {call['href']}"
            if not call["sameLine"]:
                problems.append(f"{where} starts a line apart from '{call['before']}'")
            elif abs(call["gap"]) > MAX_CALL_GAP:
                problems.append(f"{where} stands {call['gap']:.1f} px from '{call['before']}'")
    return problems


@pytest.mark.parametrize("width, text_scale", LAYOUTS)
def test_note_calls_stay_with_their_words(small, width, text_scale):
    """Issue 22: the tap target made the call an inline block, with gaps on both sides of its
    number and a break opportunity before it (at 390 px a number started a line alone)."""
    assert call_problems([small["xhtml"] / "sec-02-tables.xhtml", small["web"]], width, text_scale) == []


def test_the_call_check_names_a_call_set_apart(small, tmp_path):
    broken = broken_copy(small, tmp_path)
    for path in (broken["css"], broken["web"]):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(".footnote-ref { line-height: 0; }",
                                     ".footnote-ref { line-height: 0; } sup.footnote-ref a { display: inline-block; "
                                     "min-width: 24px; margin: 0; padding: 0; text-align: center; }"), encoding="utf-8")
    problems = call_problems([broken["xhtml"] / "sec-02-tables.xhtml", broken["web"]], PHONE_WIDTH)
    assert any(p.startswith("sec-02-tables.xhtml at 390 px: #fn-sec-02-tables-1 stands") for p in problems), problems
    assert any(p.startswith("small-screens.html at 390 px:") for p in problems), problems


# ------------------------------------------------------------- bare URLs are links

def xhtml_links(path: Path) -> dict[str, str]:
    """{href: the link's text} of every link in an XHTML or HTML file."""
    root = lxml_html.parse(str(path)).getroot() if path.suffix == ".html" else etree.parse(str(path)).getroot()
    return {a.get("href"): "".join(a.itertext()) for a in root.iter("{*}a", "a") if a.get("href")}


def pdf_uris(path: Path) -> set[str]:
    """The web addresses of a PDF's link annotations."""
    uris = set()
    for page in PdfReader(str(path)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and action.get_object().get("/S") == "/URI":
                uris.add(str(action.get_object()["/URI"]))
    return uris


def link_problems(small: dict[str, Path]) -> list[str]:
    """Each bare URL of the fixture that is not a link showing its own address, by edition."""
    problems = []
    linked = {"epub": xhtml_links(small["xhtml"] / "sec-02-tables.xhtml"), "web": xhtml_links(small["web"])}
    for edition, links in linked.items():
        problems += [f"{edition}: {url} is not a link" for url in BARE_URLS if links.get(url) != url]
    for edition in ("screen", "archive"):
        problems += [f"{edition}: {url} has no link annotation" for url in BARE_URLS - pdf_uris(small[edition])]
    return problems


def test_bare_urls_are_links_in_every_edition(small):
    assert link_problems(small) == []
    # The print edition has no annotations (PDF/X allows none in the printable area); it prints the address.
    assert pdf_uris(small["print"]) == set()
    printed = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(small["print"])))
    assert all(skeleton(url) in skeleton(printed) for url in BARE_URLS)


def test_the_link_check_names_each_bare_url_left_as_text(tmp_path, monkeypatch):
    import octavo.markdown

    monkeypatch.setattr(octavo.markdown, "_bare_urls", lambda md: None)  # markdown-it without linkify
    out = tmp_path / "out"
    built = {edition_for_file(p).name: p
             for p in build_publication(SMALL, out, editions=("screen", "archive", "epub", "web")).outputs}
    built["xhtml"] = unpack(built["epub"], out / "unpacked")
    assert sorted(link_problems(built)) == sorted(f"{edition}: {url} {why}" for url in BARE_URLS for edition, why in
                                                 (("epub", "is not a link"), ("web", "is not a link"),
                                                  ("screen", "has no link annotation"),
                                                  ("archive", "has no link annotation")))


# Bare addresses as an author may write them, and what each becomes: a link only where the one
# allow-list (markdown.refused_url) allows that address as a link; otherwise it stays text.
BARE = {"https://ok.example/a_b?x=1": "https://ok.example/a_b?x=1",
        "http://localhost:8000/x": "http://localhost:8000/x",  # a web address: allowed, as [x](http://localhost…) is
        "mailto:office@niep.example.org": "mailto:office@niep.example.org",
        "office@niep.example.org": "mailto:office@niep.example.org",
        "https://ex.org/%E2%82%AC": "https://ex.org/%E2%82%AC",  # shown as written, not decoded to "€"
        "file:///etc/passwd": None, "javascript:alert(1)": None, "data:text/html,x": None,
        "ftp://files.example.org/f": None, "//evil.example/x": None, "www.example.org": None, "example.org": None}


def rendered_links(body: str) -> tuple[dict[str, str], str]:
    """{href: text} of the links a section body renders to, and the text of its blocks (what the proof reads)."""
    rendered = render_body(body, "s", lambda i: "", lambda i: "", 1, "Back")
    root = lxml_html.fromstring(f"<div>{rendered.html}</div>")
    return {a.get("href"): a.text_content() for a in root.iter("a")}, " ".join(b.text for b in rendered.blocks)


@pytest.mark.parametrize("address, href", BARE.items(), ids=list(BARE))
def test_a_bare_address_becomes_a_link_only_where_the_allow_list_allows_it(address, href, tmp_path):
    body = f"Written as {address} here.\n"
    links, text = rendered_links(body)
    assert links == ({href: address} if href else {})  # the link shows the address as written
    assert all(refused_url(h) is None for h in links)
    assert check_body(body, tmp_path / "s.md", 1, tmp_path) == []  # text the author wrote is never refused
    assert address in text  # the block the proof looks for holds it as every edition prints it


def test_a_bare_address_too_long_to_open_stays_text():
    """Past 2,048 characters a bare address is text, proven as text: as a link a PDF would
    repeat it in the annotation of every line it fills (markdown.LONGEST_BARE_LINK)."""
    from octavo.markdown import LONGEST_BARE_LINK

    longest = "https://example.org/" + "a" * (LONGEST_BARE_LINK - len("https://example.org/"))
    for address, linked in ((longest, True), (longest + "a", False)):
        for body in (f"See {address} here.\n", f"{address} opens it.\n"):  # linkify's core and inline rules
            links, text = rendered_links(body)
            assert links == ({address: address} if linked else {}), (len(address), body[:12])
            assert address in text


def test_a_bare_domain_is_made_a_link_by_writing_it_as_an_autolink():
    assert rendered_links("See <https://www.example.org> here.\n")[0] == {"https://www.example.org": "https://www.example.org"}


def test_the_allow_list_applies_to_what_linkify_makes(tmp_path, monkeypatch):
    """Were linkify to make a link of a scheme-less //host (its default), check_body would refuse it:
    the allow-list reads every link, whoever made it."""
    import octavo.markdown

    def default_linkify(md):
        md.enable("linkify")
    monkeypatch.setattr(octavo.markdown, "_bare_urls", default_linkify)
    problems = check_body("See //evil.example/x here.\n", tmp_path / "s.md", 1, tmp_path)
    assert [p.message for p in problems] == ["the address '//evil.example/x' is refused"]


@pytest.mark.parametrize("width", [DESKTOP_WIDTH, PHONE_WIDTH])
def test_the_web_page_with_regions_names_and_links_has_no_axe_violation(small, width):
    violations = axe_violations(small["web"], width=width)
    assert violations == [], describe(violations)


def test_the_web_page_with_regions_names_and_links_is_valid_html(small):
    assert nu_errors(small["web"]) == []


# ------------------------------------------------------------ heading hierarchy

def pdf_heading_problems(path: Path) -> list[str]:
    """The tagged PDF's headings (H1 to H6 in its structure tree, in order): the first is H1,
    and none is more than one level below the one before."""
    levels = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get"):
            return
        tag = str(node.get("/S", ""))
        if re.fullmatch(r"/H[1-6]", tag):
            levels.append(int(tag[2]))
        if "/K" in node:
            walk(node["/K"])

    walk(PdfReader(str(path)).trailer["/Root"]["/StructTreeRoot"])
    if not levels:
        return [f"{path.name}: no headings in the structure tree"]
    problems = [] if levels[0] == 1 else [f"{path.name}: the first heading is H{levels[0]}"]
    problems += [f"{path.name}: H{b} follows H{a}" for a, b in zip(levels, levels[1:]) if b > a + 1]
    return problems


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_the_tagged_pdfs_keep_one_heading_hierarchy(small, edition):
    assert pdf_heading_problems(small[edition]) == []
    # The imprint's heading stands under the title page's in the bookmarks, as in the tags.
    outline = PdfReader(str(small[edition])).outline
    assert outline[0].title == "Small Screens, Long Names" and outline[1][0].title == "Imprint"


def test_the_pdf_heading_check_names_a_skipped_level(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "document.html", "{{ imprint(p) }}", "{{ imprint(p, level=3) }}")
    pdf = build_publication(SMALL, tmp_path / "out", templates, editions=("screen",)).outputs[0]
    assert pdf_heading_problems(pdf) == ["small-screens.pdf: H3 follows H1"]


# ------------------------------------------------- link words that say nothing on paper

HERE = "Read the full report [here](https://example.org/report) before the talks.\n"


def test_a_link_whose_words_say_nothing_on_paper_prints_its_address_in_the_pdfs(tmp_path):
    """Issue 22: "here" means nothing on a printed page. The paged editions print the address
    after such a link's words, and the proof reads it there; the EPUB and the web page, where
    the link works, show the words alone."""
    from test_exact_proof import paper

    result = build_publication(paper(tmp_path, HERE), tmp_path / "build", editions=("print", "screen", "epub", "web"))
    assert result.report.ok
    built = {edition_for_file(p).name: p for p in result.outputs}
    for name in ("print", "screen"):
        words = " ".join(" ".join(pdfium.PdfDocument(str(built[name]))[i].get_textpage().get_text_range()
                                  for i in range(len(pdfium.PdfDocument(str(built[name]))))).split())
        assert "report here (https://example.org/report) before" in words.replace("\r", ""), name
    epub = zipfile.ZipFile(built["epub"])
    chapter = next(n for n in epub.namelist() if n.endswith("dispute.xhtml"))
    assert "(https://example.org/report)" not in "".join(etree.fromstring(epub.read(chapter)).itertext())
    assert "address-on-paper" in epub.read(chapter).decode()  # marked, and shown as words only


@pytest.mark.parametrize("words", ["hier", "ici", "aquí", "здесь", "여기", "こちら", "这里", "هنا", "כאן"])
def test_link_words_that_say_nothing_are_known_in_every_language(words):
    """A German paper's "hier" says as little on paper as "here": the address is printed."""
    from types import SimpleNamespace

    from octavo.markdown import ADDRESS_ON_PAPER, _addresses_on_paper, _parser

    def marked(text: str) -> list:
        tokens = _parser().parse(text, {})
        _addresses_on_paper(SimpleNamespace(tokens=tokens))
        return [c.meta.get(ADDRESS_ON_PAPER) for t in tokens for c in (t.children or []) if c.type == "link_open"]

    assert marked(f"Siehe [{words}](https://example.org/x).\n") == ["https://example.org/x"]
    assert marked("Siehe [den Bericht](https://example.org/x).\n") == [None]


def test_the_proof_refuses_a_print_style_that_drops_the_address(tmp_path):
    from test_exact_proof import paper

    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", 'a.address-on-paper::after { content: " (" attr(href) ")"; }', "")
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, HERE), tmp_path / "build", templates, editions=("screen",))
    failures = [f for f in caught.value.report.failures if f.what == "block"]
    assert len(failures) == 1 and failures[0].expected.startswith("Read the full report here"), failures
    assert "report here before the talks" in failures[0].seen  # what the page shows instead: no address

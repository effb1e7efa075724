"""The web edition, <slug>.html: valid HTML5 (the W3C Nu checker), no axe-core
violation at desktop and phone widths, Google Scholar's citation tags and
schema.org JSON-LD, an anchor for each page of the print edition, no script;
and the proof reads it back like every edition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html

from octavo.build import build_publication

from conftest import CONTENT, FIXTURES, SEED_SLUG, build_expecting_proof_failure, copy_content, copy_templates
from webcheck import PHONE_WIDTH, axe_violations, describe, nu_errors, page_overflow

FEATURES = FIXTURES / "epub-content" / "grid-resilience"


@pytest.fixture(scope="module")
def seed_build_web(tmp_path_factory):
    """The seed's web edition (whether or not its `editions:` field names it yet)."""
    return build_publication(CONTENT / SEED_SLUG, tmp_path_factory.mktemp("seed-web"), editions=("web",))


@pytest.fixture(scope="module")
def seed_web(seed_build_web) -> Path:
    return seed_build_web.outputs[0]


@pytest.fixture(scope="module")
def features_web(tmp_path_factory) -> dict[str, Path]:
    """The feature fixture (notes, a table, a figure, co-authors), as a web page and a screen PDF."""
    result = build_publication(FEATURES, tmp_path_factory.mktemp("features-web"), editions=("web", "screen"))
    return {p.suffix: p for p in result.outputs}


def page(path: Path):
    return lxml_html.parse(str(path)).getroot()


def test_the_seed_web_edition_is_built_and_proven(seed_build_web, seed_web):
    assert seed_web.name == f"{SEED_SLUG}.html"
    proven = [f for f in seed_build_web.report.findings if f.edition.path == seed_web]
    assert proven and all(f.ok for f in proven)
    assert {f.what for f in proven} == {"title", "blocks", "disclaimer", "attribution", "metadata"}


@pytest.mark.parametrize("which", ["seed", "features"])
def test_the_nu_html_checker_finds_no_error(which, seed_web, features_web):
    path = seed_web if which == "seed" else features_web[".html"]
    assert nu_errors(path) == []


@pytest.mark.parametrize("width", [1280, PHONE_WIDTH])
@pytest.mark.parametrize("which", ["seed", "features"])
def test_axe_core_finds_no_violation(which, width, seed_web, features_web):
    path = seed_web if which == "seed" else features_web[".html"]
    violations = axe_violations(path, width=width)
    assert violations == [], describe(violations)


def test_landmarks_language_and_one_heading_hierarchy(features_web):
    root = page(features_web[".html"])
    assert root.get("lang") == "en-GB"
    for landmark in ("header", "nav", "main", "footer"):
        assert len(root.findall(f".//body/{landmark}")) == 1, landmark
    levels = [int(h.tag[1]) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels  # no level skipped


def test_no_script_runs_and_everything_is_inside_the_file(features_web):
    root = page(features_web[".html"])
    scripts = root.findall(".//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json"]  # data, never run
    policy = root.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert not [a for e in root.iter() for a in e.attrib if a.startswith("on")]
    images = root.findall(".//img")
    assert images and all(i.get("src").startswith("data:image/") for i in images)
    assert not root.findall(".//link[@rel='stylesheet']")


def test_google_scholar_citation_tags(seed_web):
    tags = [(m.get("name"), m.get("content")) for m in page(seed_web).findall(".//head/meta") if m.get("name")]
    names = [n for n, _ in tags]
    values = dict(tags)
    assert values["citation_title"] == "Breaking Deadlock on the Korean Peninsula? Four Perspectives"
    assert values["citation_publication_date"] == "2018/02/05"
    assert values["citation_technical_report_institution"] == "Institute for Security and Development Policy"
    assert values["citation_pdf_url"] == f"{SEED_SLUG}.pdf" and values["citation_language"] == "en"
    authors = [v for n, v in tags if n == "citation_author"]
    assert authors == ["Ryang Tong Il", "Joon Hyung Kim", "Zhu Feng", "Abraham Denmark"]
    # Each author's institution follows the author (Scholar pairs them by order).
    at = names.index("citation_author", names.index("citation_author") + 1)  # Joon Hyung Kim
    assert tags[at + 1] == ("citation_author_institution", "Handong Global University")


def test_schema_org_report_with_authors_and_affiliations(seed_web):
    data = json.loads(page(seed_web).find(".//script[@type='application/ld+json']").text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Report"
    assert data["datePublished"] == "2018-02-05" and data["inLanguage"] == "en"
    zhu = next(a for a in data["author"] if a["name"] == "Zhu Feng")
    assert zhu["@type"] == "Person"
    assert zhu["affiliation"] == [{"@type": "Organization", "name": "Institute of International Studies, Nanjing University"}]
    assert data["publisher"]["name"] == "Institute for Security and Development Policy"
    assert data["isPartOf"] == {"@type": "CreativeWorkSeries", "name": "Focus Asia"}


def test_an_anchor_for_every_page_of_the_print_edition(features_web):
    pages = _page_count(features_web[".pdf"])
    ids = {e.get("id") for e in page(features_web[".html"]).iter() if (e.get("id") or "").startswith("page-")}
    assert ids == {f"page-{n}" for n in range(1, pages + 1)}


def _page_count(path: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(str(path)).pages)


def test_the_proof_fails_on_a_web_page_that_drops_the_imprint(tmp_path):
    """A house template that leaves out the imprint: the house disclaimer is missing, and the
    proof names it for the web edition, which is then not published."""
    templates = copy_templates(tmp_path)
    template = templates / "web" / "page.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{{ imprint(p) }}", ""), encoding="utf-8")
    report = build_expecting_proof_failure(copy_content(tmp_path), tmp_path / "out", templates, editions=("web",))
    assert {(f.edition.kind, f.what, f.subject) for f in report.failures} == {("HTML", "disclaimer", "house-opinions")}
    assert not (tmp_path / "out" / f"{SEED_SLUG}.html").exists()


def test_nothing_sticks_out_of_a_phone_screen(tmp_path):
    """WCAG 1.4.10 at 390 px: a table wider than the screen scrolls in its own box, and a long
    unbreakable string (a URL, an identifier) breaks instead of widening the page."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(FEATURES.parent, content)
    section = next((content / FEATURES.name / "sections").glob("02-*.md"))
    columns = [f"Interconnector capacity column {n}" for n in range(9)]
    table = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n| " + " | ".join("1,000 MW" for _ in columns) + " |\n"
    section.write_text(section.read_text(encoding="utf-8") + "\n" + table + "\nSee " + "x" * 400 + ".\n",
                       encoding="utf-8")
    path = build_publication(content / FEATURES.name, tmp_path / "out", editions=("web",)).outputs[0]
    found = page_overflow(path, width=PHONE_WIDTH)
    assert found["outside"] == [] and found["scrollWidth"] == found["viewport"] == PHONE_WIDTH, found


def test_at_200_percent_text_on_a_phone_tables_scroll_in_a_labelled_region(features_web):
    """WCAG 1.4.4: the reader's text at 200 % (the browser's default font size doubled) on a phone,
    and still nothing sticks out. Each table is in a region of its own that scrolls and takes the
    focus (the markup Readium and Apple Books expect, and axe's scrollable-region-focusable).
    This table fits the phone even so; test_reading.py has one that does not, and shows the
    check naming it without its region."""
    found = page_overflow(features_web[".html"], width=PHONE_WIDTH, text_scale=2.0)
    assert found["outside"] == [] and found["scrollWidth"] == PHONE_WIDTH, found
    table = page(features_web[".html"]).find(".//table")
    wrap = table.getparent()
    assert (wrap.get("class"), wrap.get("role"), wrap.get("tabindex"), wrap.get("aria-label")) == \
        ("table-wrap", "region", "0", "Table: Corridor, Capacity (MW), Longest outage (days)")  # its first row


def test_the_pdf_s_address_is_absolute_where_the_paper_s_address_is_known():
    """Scholar and Zotero take the tags out of the page: citation_pdf_url (and the JSON-LD's
    contentUrl) name the PDF beside the paper's own address (identifiers: url:), else beside
    the page (issue 22)."""
    import json

    from octavo.editions.web import citation_tags, json_ld
    from octavo.model import load_publication
    from octavo.render import Rendering

    from conftest import DISTRIBUTION, DISTRIBUTION_SLUG

    record = Rendering(load_publication(DISTRIBUTION / DISTRIBUTION_SLUG)).record
    url = record.identifiers["url"]
    expected = url.rsplit("/", 1)[0] + f"/{DISTRIBUTION_SLUG}.pdf"
    assert dict(citation_tags(record, DISTRIBUTION_SLUG))["citation_pdf_url"] == expected
    assert json.loads(json_ld(record, DISTRIBUTION_SLUG))["encoding"][0]["contentUrl"] == expected
    seed = Rendering(load_publication(CONTENT / SEED_SLUG)).record
    assert "url" not in seed.identifiers and dict(citation_tags(seed, SEED_SLUG))["citation_pdf_url"] == f"{SEED_SLUG}.pdf"

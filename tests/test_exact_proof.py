"""The proof finds each section through the edition's own structure (issue 19): a PDF's named
destinations, an EPUB's or web page's element ids. Text repeated elsewhere in the paper (a
heading's word used before, the title quoted in the body, a table or a rule opening a section)
can neither make it refuse a correct paper nor stand in for what is missing; and what it reports
says where a reader would look and what stands there instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from octavo.build import build_publication
from octavo.errors import VerificationError

from conftest import FIXTURES, copy_templates, edit

# Every edition that carries the text: the untagged print sheet, the tagged trimmed page,
# the EPUB (a document a section) and the web page (one document).
TEXT_EDITIONS = ("print", "screen", "epub", "web")
TITLE = "Fishing Rights in the Shared Waters of the Northern Sea"

PUBLICATION = f"""\
title: {TITLE}
date: 2024-05-02
language: en-GB
rights:
  holder: Nordic Institute for Energy Policy
  year: 2024
contributors:
  - id: ada
    name: Ada Berg
    affiliations:
      - organisation: Lund University
  - id: bob
    name: Bob Kimura
    affiliations:
      - organisation: Kyoto University
house_disclaimers: [house-views, house-fiction]
sections:
  - sections/01-history.md
  - sections/02-dispute.md
"""

HISTORY = """\
---
title: The History
authors: [bob]
---
The background to the dispute is a century of shared fishing grounds.

Yes.

| Name | Catch |
| --- | --- |
| Cod | 120 |
"""


def paper(tmp_path: Path, dispute: str, history: str = HISTORY) -> Path:
    """A two-section paper in the EPUB fixture's house: the second section's body is `dispute`."""
    content = tmp_path / "content"
    folder = content / "paper"
    (folder / "sections").mkdir(parents=True)
    shutil.copy(FIXTURES / "epub-content" / "publisher.yaml", content / "publisher.yaml")
    (folder / "publication.yaml").write_text(PUBLICATION, encoding="utf-8")
    (folder / "sections" / "01-history.md").write_text(history, encoding="utf-8")
    (folder / "sections" / "02-dispute.md").write_text(
        "---\ntitle: The Dispute\nauthors: [ada]\n---\n" + dispute, encoding="utf-8")
    return folder


def proven(tmp_path: Path, dispute: str, history: str = HISTORY):
    return build_publication(paper(tmp_path, dispute, history), tmp_path / "build", editions=TEXT_EDITIONS)


@pytest.mark.parametrize("dispute", [
    # A chapter that opens with a heading whose word the chapter before used.
    "## Background\n\nThe two coastal states claim the same banks.\n",
    # A first block of short text that stands earlier in the paper.
    "Yes.\n\nThe two coastal states claim the same banks.\n",
    # A table as the first block, its cells words used before.
    "| Name | Catch |\n| --- | --- |\n| Cod | 95 |\n\nThe two coastal states claim the same banks.\n",
    # No text block at all: a thematic break only. The section is its heading and byline.
    "***\n",
    # A paragraph of more than 40 letters that repeats the publication's title.
    f"{TITLE}\n\nThe two coastal states claim the same banks.\n",
], ids=["heading-word-used-before", "short-first-block-used-before", "table-first", "no-text-block",
        "title-repeated"])
def test_a_correct_paper_is_proven_whatever_its_first_block(tmp_path, dispute):
    result = proven(tmp_path, dispute)
    assert {p.name for p in result.outputs} >= {"paper.epub", "paper.html", "paper.pdf", "paper.print.pdf"}
    assert result.report.ok
    attributions = [f for f in result.report.findings if f.what == "attribution"]
    assert {(f.edition.kind, f.subject, f.where) for f in attributions if f.subject == "ada"} == {
        (kind, "ada", "The Dispute") for kind in ("PDF", "EPUB", "HTML")}


def test_the_words_of_a_missing_block_elsewhere_do_not_stand_for_it(tmp_path):
    """The second section's 'Yes.' is gone from the PDF's section; the first section's 'Yes.' does not count."""
    templates = copy_templates(tmp_path)
    # A house rule that hides the dispute's first paragraph in the print and screen PDFs.
    (templates / "print" / "house.css").write_text(
        (templates / "print" / "house.css").read_text(encoding="utf-8")
        + "\n#sec-02-dispute-b1 { display: none; }\n", encoding="utf-8")
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, "Yes.\n\nThe two coastal states claim the same banks.\n"),
                          tmp_path / "build", templates, editions=("screen", "epub"))
    report = caught.value.report
    assert [(f.edition.kind, f.what, f.subject, f.problem) for f in report.failures] == [
        ("PDF", "block", "paragraph sec-02-dispute-b1", "missing")]
    # Where a reader would look, and what stands there instead: the next paragraph, on its page.
    failure = report.failures[0]
    assert failure.seen.startswith("page ") and "The two coastal states claim the same banks" in failure.seen
    assert "found:    page " in report.summary()


def test_a_byline_on_another_section_is_not_this_sections(tmp_path):
    """Ada's name and affiliation printed above the history, not above her section: not proven,
    and said to be elsewhere rather than missing, with the page it is on."""
    templates = copy_templates(tmp_path)
    byline = templates / "partials" / "byline.html"
    # Every byline names Ada: the history's too; the dispute's names nobody.
    edit(byline, "{%- macro byline(section) -%}\n<div class=\"byline\" role=\"doc-credits\">",
         "{%- macro byline(section) -%}\n<div class=\"byline\" role=\"doc-credits\">"
         "{% if section.id == 'sec-01-history' %}<p>Ada Berg, Lund University</p>{% endif %}")
    edit(byline, "{% for c in people %}{{ attribution(c) }}", "{% for c in people if c.id != 'ada' %}{{ attribution(c) }}")
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, "The two coastal states claim the same banks.\n"),
                          tmp_path / "build", templates, editions=("print", "epub", "web"))
    failures = caught.value.report.failures
    # Ada is missing from her own section; the history's byline, which names her, is not its credits.
    assert {(f.edition.kind, f.what, f.subject, f.where, f.problem) for f in failures} == {
        (kind, what, subject, where, problem) for kind in ("PDF", "EPUB", "HTML")
        for what, subject, where, problem in (("attribution", "ada", "The Dispute", "missing"),
                                              ("byline", "sec-01-history", "The History", "not the credited byline"))}
    pdf = next(f for f in failures if f.edition.kind == "PDF" and f.what == "attribution")
    assert pdf.seen.startswith("page ") and "between the heading and the text: '(nothing)'" in pdf.seen


def test_a_byline_after_the_text_is_not_in_the_byline_and_says_where_it_is(tmp_path):
    templates = copy_templates(tmp_path)
    section = templates / "partials" / "section.html"
    edit(section, "{%- if s.section.attributed %}\n{{ byline(s.section) }}\n{%- endif %}\n<div class=\"body\">\n{{ s.html }}\n</div>",
         "<div class=\"body\">\n{{ s.html }}\n</div>{%- if s.section.attributed %}\n{{ byline(s.section) }}\n{%- endif %}")
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, "The two coastal states claim the same banks.\n"),
                          tmp_path / "build", templates, editions=("screen", "epub"))
    failures = {(f.edition.kind, f.subject): f for f in caught.value.report.failures if f.what == "attribution"}
    assert set(failures) == {("PDF", "ada"), ("PDF", "bob"), ("EPUB", "ada"), ("EPUB", "bob")}
    assert {f.problem for f in failures.values()} == {"not in the byline"}
    assert "Ada Berg, Lund University" in failures["PDF", "ada"].seen
    assert failures["PDF", "ada"].seen.startswith("page ")
    assert failures["EPUB", "ada"].seen.startswith("EPUB/") and "02-dispute" in failures["EPUB", "ada"].seen


def test_a_section_whose_element_is_gone_is_named(tmp_path):
    """A house template that drops a section's id: the proof cannot place the section, and says so."""
    templates = copy_templates(tmp_path)
    edit(templates / "epub" / "section.xhtml", 'id="{{ s.section.id }}"', 'id="x-{{ s.section.id }}"')
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, "The two coastal states claim the same banks.\n"),
                          tmp_path / "build", templates, editions=("screen", "epub"))
    failures = caught.value.report.failures
    assert {(f.edition.kind, f.what, f.subject) for f in failures if f.what == "section"} == {
        ("EPUB", "section", "sec-01-history"), ("EPUB", "section", "sec-02-dispute")}
    assert all(f.edition.kind == "EPUB" for f in failures)
    assert "no element or destination 'sec-02-dispute'" in caught.value.report.summary()


def test_a_byline_that_also_credits_someone_else_is_refused(tmp_path):
    """A house byline that puts 'By Bob Kimura, Kyoto University' above Ada's own credit: Ada is
    named, but her byline is not hers alone (issue 20: the proof checked that each credited person
    is named, never that nobody else is)."""
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "byline.html", '<div class="byline" role="doc-credits">',
         '<div class="byline" role="doc-credits">{% if section.id == \'sec-02-dispute\' %}'
         '<p>By Bob Kimura, Kyoto University</p>{% endif %}')
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, "The two coastal states claim the same banks.\n"),
                          tmp_path / "build", templates, editions=("print", "epub", "web"))
    failures = caught.value.report.failures
    assert {(f.edition.kind, f.what, f.subject, f.problem) for f in failures} == {
        (kind, "byline", "sec-02-dispute", "not the credited byline") for kind in ("PDF", "EPUB", "HTML")}
    pdf = next(f for f in failures if f.edition.kind == "PDF")
    assert pdf.expected == "Ada Berg, Lund University"
    assert "By Bob Kimura, Kyoto University" in pdf.seen and pdf.seen.startswith("page ")


def test_a_byline_in_a_house_style_of_its_own_still_proves(tmp_path):
    """Restyled, not reworded: names in small capitals, the affiliation in parentheses, the
    credits on a coloured band. The proof reads words, not punctuation or looks."""
    templates = copy_templates(tmp_path)
    byline = templates / "partials" / "byline.html"
    edit(byline, '<span class="name">{{ c.name }}</span>{% if c.affiliation_text %}, <span class="affiliation">'
                 '{{ c.affiliation_text }}</span>{% endif %}',
         '<span class="name">{{ c.name }}</span>{% if c.affiliation_text %} (<span class="affiliation">'
         '{{ c.affiliation_text }}</span>){% endif %}')
    for css in (templates / "print" / "house.css", templates / "epub" / "house.css", templates / "web" / "house.css"):
        css.write_text(css.read_text(encoding="utf-8") + "\n.byline { background: #1d3557; padding: 4pt; }\n"
                       ".byline, .byline .name { color: #ffffff; font-variant: small-caps; }\n", encoding="utf-8")
    result = build_publication(paper(tmp_path, "The two coastal states claim the same banks.\n"),
                               tmp_path / "build", templates, editions=TEXT_EDITIONS)
    assert result.report.ok


def test_words_a_house_style_generates_in_a_byline_are_read_in_every_edition(tmp_path):
    """CSS generated content is text a reader reads: '::after { content: " and John Smith, Acme
    Lobbying Group" }' on the byline fails the EPUB and the web page as it fails the PDFs (a new
    user's trial: the EPUB and web readers skipped it), and a rule for an element's ::before no
    longer styles the element itself (display: none there hid nothing but the generated box)."""
    templates = copy_templates(tmp_path)
    rule = ('\n.byline p::after { content: " and John Smith, Acme Lobbying Group"; }\n'
            '.body p::before { display: none; }\n')
    for css in (templates / "print" / "house.css", templates / "epub" / "house.css", templates / "web" / "house.css"):
        css.write_text(css.read_text(encoding="utf-8") + rule, encoding="utf-8")
    with pytest.raises(VerificationError) as caught:
        build_publication(paper(tmp_path, "The two coastal states claim the same banks.\n"),
                          tmp_path / "build", templates, editions=("screen", "epub", "web"))
    failures = caught.value.report.failures
    assert {(f.edition.kind, f.what, f.problem) for f in failures} == {
        (kind, "byline", "not the credited byline") for kind in ("PDF", "EPUB", "HTML")}
    assert all("and John Smith, Acme Lobbying Group" in f.seen for f in failures)

"""Citations (issue 12): `[@key, p. 12]` in the Markdown, formatted in Chicago notes-bibliography
(first note, short note, Ibid.) or author-date, a generated bibliography, every note and entry
proven in every edition, and bad references reported as content errors with file:line.

The fixture (tests/fixtures/citations-content/cited-paper) has 40 citations of 12 sources;
the assertions read the built files: PDF text through PDFium, the EPUB's and the web page's
XHTML through lxml."""

from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html as lxml_html

from conftest import FIXTURES, REPO, build_expecting_proof_failure, copy_content, copy_templates, edit
from octavo.build import build_publication
from octavo.citations import parse_citation
from octavo.cli import main
from octavo.errors import ContentError, RenderError
from octavo.model import load_publication
from octavo.render import Rendering
from octavo.verify import read_edition, skeleton

CONTENT = FIXTURES / "citations-content"
SLUG = "cited-paper"
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"

# Notes the fixture must print, by number, word for word (italics as *so*): each kind of source
# as a first note, "Ibid." and a short note, and the harder cases.
EXPECTED_NOTES = {
    "8": "Zadie Smith, *Swing Time* (Penguin Press, 2016), 315–16.",  # book, first
    "9": "Ibid., 320.",  # book, Ibid. with a new page
    "10": "Henry David Thoreau, “Walking,” in *The Making of the American Essay*, ed. John D’Agata "
          "(Graywolf Press, 2016), 177–78.",  # chapter in an edited volume, first
    "11": "Ibid., 182.",
    "16": "Thoreau, “Walking,” 182.",  # chapter, short
    "24": "Shao-Hsun Keng et al., “Expanding College Access in Taiwan, 1978–2014: Effects on Graduate Quality "
          "and Income Inequality,” *Journal of Human Capital* 11, no. 1 (2017): 9–10, "
          "https://doi.org/10.1086/690235.",  # journal article with a DOI, first
    "25": "Ibid., 23.",
    "22": "World Bank, *World Development Report 2017: Governance and the Law* (World Bank, 2017), 45.",  # report
    "23": "Ibid., 52.",
    "37": "World Bank, *World Development Report 2017*, 3.",  # report, short
    "26": "Google, “Privacy Policy,” Privacy & Terms, April 17, 2017, https://www.google.com/policies/privacy/.",
    "27": "Ibid.",  # web page, Ibid. without a page
    "28": "Farhad Manjoo, “Snap Makes a Bet on the Cultural Supremacy of the Camera,” *New York Times*, "
          "March 8, 2017, https://www.nytimes.com/2017/03/08/technology/"
          "snap-makes-a-bet-on-the-cultural-supremacy-of-the-camera.html.",  # newspaper article, first
    "29": "Ibid.",
    "36": "Manjoo, “Snap”; Google, “Privacy Policy.”",  # newspaper and web page, short, in one citation
    "3": "Keohane, *After Hegemony*, 9.",  # book, short
    "5": "*The Strategy of Conflict*, 21.",  # [-@key]: the author named in the sentence
    "7": "Ibid., 199; Schelling, *The Strategy of Conflict*, 83.",  # two sources in one citation
    # The page cited before, none now: not "Ibid." (it would say the same page), the short note.
    "21": "International Energy Agency, *World Energy Outlook 2023*.",
    # A citation inside the author's own note: its words in the note's sentence, its period once.
    "12": "The essay first appeared in 1862; the novel’s opening pages make the same turn Smith, *Swing Time*, 3.",
    "17": "This note cites nothing: it explains that the argument of this section is the author’s own.",  # ' printed ’
}
BIBLIOGRAPHY = [
    "Google. “Privacy Policy.” Privacy & Terms, April 17, 2017. https://www.google.com/policies/privacy/.",
    "Intergovernmental Panel on Climate Change. *Climate Change 2022: Mitigation of Climate Change*. "
    "Cambridge University Press, 2022. https://doi.org/10.1017/9781009157926.",
    "International Energy Agency. *World Energy Outlook 2023*. International Energy Agency, 2023. "
    "https://www.iea.org/reports/world-energy-outlook-2023.",
    "Jervis, Robert. “Cooperation Under the Security Dilemma.” *World Politics* 30, no. 2 (1978): 167–214. "
    "https://doi.org/10.2307/2009958.",
    "Keng, Shao-Hsun, Chun-Hung Lin, and Peter F. Orazem. “Expanding College Access in Taiwan, 1978–2014: "
    "Effects on Graduate Quality and Income Inequality.” *Journal of Human Capital* 11, no. 1 (2017): 1–34. "
    "https://doi.org/10.1086/690235.",
    "Keohane, Robert O. *After Hegemony: Cooperation and Discord in the World Political Economy*. "
    "Princeton University Press, 1984.",
    "Manjoo, Farhad. “Snap Makes a Bet on the Cultural Supremacy of the Camera.” *New York Times*, March 8, 2017. "
    "https://www.nytimes.com/2017/03/08/technology/snap-makes-a-bet-on-the-cultural-supremacy-of-the-camera.html.",
    "Ostrom, Elinor. “Beyond Markets and States: Polycentric Governance of Complex Economic Systems.” "
    "*American Economic Review* 100, no. 3 (2010): 641–72. https://doi.org/10.1257/aer.100.3.641.",
    "Schelling, Thomas C. *The Strategy of Conflict*. Harvard University Press, 1960.",
    "Smith, Zadie. *Swing Time*. Penguin Press, 2016.",
    "Thoreau, Henry David. “Walking.” In *The Making of the American Essay*, edited by John D’Agata. "
    "Graywolf Press, 2016.",
    "World Bank. *World Development Report 2017: Governance and the Law*. World Bank, 2017.",
]
AUTHOR_DATE = ["(Keohane 1984, 12)", "(Schelling 1960, 53)", "(1960, 21)", "(Smith 2016, 315–16)",
               "(Keng et al. 2017, 9–10)", "(World Bank 2017, 45)", "(Google 2017)", "(Manjoo 2017)",
               "(Jervis 1978, 199; Schelling 1960, 83)", "(Manjoo 2017; Google 2017)"]


def _outputs(result) -> dict[str, Path]:
    from octavo.editions import edition_for_file

    return {edition_for_file(p).name: p for p in result.outputs if edition_for_file(p)}


@pytest.fixture(scope="module")
def notes_build(tmp_path_factory):
    """The fixture in the house's style, Chicago notes and bibliography: every edition, proven."""
    return _outputs(build_publication(CONTENT / SLUG, tmp_path_factory.mktemp("notes-build")))


@pytest.fixture(scope="module")
def author_date_build(tmp_path_factory):
    """The same text with the house switched to Chicago author-date."""
    folder = copy_content(tmp_path_factory.mktemp("author-date"), SLUG, CONTENT)
    edit(folder.parent / "publisher.yaml", "citation_style: chicago-notes", "citation_style: chicago-author-date")
    return _outputs(build_publication(folder, folder.parent.parent / "build"))


# ------------------------------------------------------------ reading the built files

def _marked(element) -> str:
    """An element's words with its emphasis as *so*, whitespace folded."""
    parts = [element.text or ""]
    for child in element:
        local = etree.QName(child).localname
        if local == "span" and "footnote-number" in (child.get("class") or ""):
            parts.append(child.tail or "")
            continue
        if local == "a" and "footnote-backref" in (child.get("class") or ""):
            parts.append(child.tail or "")
            continue
        inner = _marked(child)
        parts.append(f"*{inner}*" if local in ("em", "i") else inner)
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _web_root(path: Path):
    """The web page (HTML5, not XML) as a tree, as a browser parses it."""
    return lxml_html.fromstring(path.read_bytes())


def _children(element, name: str) -> list:
    return [e for e in element.iter() if _local(e) == name]


def _epub_documents(path: Path) -> list:
    with zipfile.ZipFile(path) as zf:
        return [etree.fromstring(zf.read(n)) for n in sorted(zf.namelist()) if n.endswith(".xhtml")]


def _notes(elements) -> dict[str, str]:
    """Each note element's words, by the number it prints before them."""
    notes = {}
    for element in elements:
        number = next(e for e in _children(element, "span") if "footnote-number" in (e.get("class") or ""))
        notes[number.text.strip().rstrip(".")] = _marked(_children(element, "p")[0])
    return notes


def epub_notes(path: Path) -> dict[str, str]:
    """Each note of the EPUB (the pop-up <aside epub:type="footnote">), by its number."""
    notes = {}
    for document in _epub_documents(path):
        notes.update(_notes(a for a in _children(document, "aside") if a.get(f"{{{EPUB_NS}}}type") == "footnote"))
    return notes


def web_notes(path: Path) -> dict[str, str]:
    """Each note of the web page (li.footnote-item), by the number it prints."""
    return _notes(li for li in _children(_web_root(path), "li") if "footnote-item" in (li.get("class") or "").split())


def bibliography_of(root) -> list[str]:
    return [_marked(p) for p in _children(root, "p") if "csl-entry" in (p.get("class") or "").split()]


def _plain(marked: str) -> str:
    return marked.replace("*", "")


# ------------------------------------------------------------------ the notes style

@pytest.mark.parametrize("edition", ("print", "screen", "archive"))
def test_each_pdf_edition_prints_the_first_note_the_short_note_and_ibid(notes_build, edition):
    """Each expected note, with its number, in the PDF's text at the foot of a page."""
    reading = read_edition(notes_build[edition])
    text = skeleton(reading.text)
    for number, note in EXPECTED_NOTES.items():
        assert skeleton(f"{number}. {_plain(note)}") in text, f"note {number} of the {edition} edition"
    # Each note on the page of its call: note 9 ("Ibid., 320.") where the text calls it.
    page = next(p for p in reading.pages if "subject of a novel set between London" in " ".join(p.split()))
    assert skeleton("9. Ibid., 320.") in skeleton(page)


def test_the_epub_has_every_note_as_a_pop_up_note_word_for_word_in_italics(notes_build, epubcheck):
    notes = epub_notes(notes_build["epub"])
    assert len(notes) == 41  # 39 citations in the text, one in an author's note, two notes of the author's
    for number, note in EXPECTED_NOTES.items():
        assert notes[number] == note
    assert not epubcheck(notes_build["epub"]).messages


def test_the_web_page_has_the_same_notes_as_the_epub(notes_build):
    notes = web_notes(notes_build["web"])
    assert notes == epub_notes(notes_build["epub"])
    for number, note in EXPECTED_NOTES.items():
        assert notes[number] == note


def test_the_bibliography_ends_the_text_in_every_edition_and_is_in_the_contents(notes_build):
    for edition in ("epub", "web"):
        roots = _epub_documents(notes_build["epub"]) if edition == "epub" else [
            _web_root(notes_build["web"])]
        entries = [entry for root in roots for entry in bibliography_of(root)]
        assert entries == BIBLIOGRAPHY, edition
    # In the EPUB's navigation and the PDF's bookmarks, after the last section.
    with zipfile.ZipFile(notes_build["epub"]) as zf:
        nav = etree.fromstring(zf.read(next(n for n in zf.namelist() if n.endswith("nav.xhtml"))))
    toc = [" ".join("".join(a.itertext()).split()) for a in _children(nav, "a")]
    assert toc.index("Bibliography") == toc.index("The Evidence") + 1
    import pypdfium2

    for edition in ("print", "screen", "archive"):
        pdf = pypdfium2.PdfDocument(str(notes_build[edition]))
        try:
            titles = [item.get_title() for item in pdf.get_toc()]
        finally:
            pdf.close()
        assert titles.index("Bibliography") == titles.index("The Evidence") + 1, edition
        text = skeleton(read_edition(notes_build[edition]).text)
        at = text.find(skeleton("Bibliography Google. “Privacy Policy.”"))
        assert at > text.find(skeleton("Keohane said it first")) > 0, edition
        for entry in BIBLIOGRAPHY:  # in order, after the heading
            found = text.find(skeleton(_plain(entry)), at)
            assert found > 0, f"{entry} in the {edition} edition"
            at = found


def test_the_proof_counts_every_note_and_entry_as_a_block():
    """The document the proof reads holds each citation's note and each entry, with its source line."""
    document = Rendering(load_publication(CONTENT / SLUG)).document
    notes = [b for s in document.sections for b in s.blocks if b.kind == "footnote"]
    entries = [b for s in document.sections for b in s.blocks if b.kind == "bibliography entry"]
    assert len(notes) == 41 and len(entries) == 12
    ibid = next(b for b in notes if b.label == "9")
    assert (ibid.text, ibid.line) == ("Ibid., 320.", 12)  # the line of its call in 02-cooperation.md
    smith = next(b for b in entries if b.text.startswith("Smith, Zadie"))
    assert document.sections[-1].location(smith).line == 2  # its line in references.json
    # The references file is a source: fingerprinted, archived, attached, read once.
    names = dict(document.sources)
    assert f"{SLUG}/references.json" in names
    assert document.files[names[f"{SLUG}/references.json"]] == (CONTENT / SLUG / "references.json").read_bytes()


def test_the_proof_fails_when_an_edition_drops_a_note(tmp_path):
    """The web page's template drops note 9 ("Ibid., 320."): the proof names the note, its text and its line."""
    templates = copy_templates(tmp_path)
    edit(templates / "web" / "page.html", "<main id=\"main\">", "<main id=\"main\">{% filter replace('Ibid., 320.', '') %}")
    edit(templates / "web" / "page.html", "</main>", "{% endfilter %}</main>")
    report = build_expecting_proof_failure(CONTENT / SLUG, tmp_path / "build", templates, editions=("web",))
    failures = [(f.what, f.problem, f.expected, f.where.replace("\\", "/")) for f in report.failures]
    assert len(failures) == 1 and failures[0][:3] == ("block", "missing", "Ibid., 320."), failures
    assert failures[0][3].endswith("cited-paper/sections/02-cooperation.md:12"), failures
    assert report.failures[0].subject.startswith("footnote ")


def test_the_proof_fails_when_an_edition_drops_a_bibliography_entry(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "partials" / "bibliography.html", "{%- for block_id, html in entries %}",
         "{%- for block_id, html in entries if 'Swing Time' not in html %}")
    report = build_expecting_proof_failure(CONTENT / SLUG, tmp_path / "build", templates, editions=("web",))
    failures = [(f.subject, f.problem, f.expected, f.where.replace("\\", "/")) for f in report.failures]
    assert len(failures) == 1, failures
    assert failures[0][:3] == ("bibliography entry bibliography-b10", "missing",
                               "Smith, Zadie. Swing Time. Penguin Press, 2016."), failures
    assert failures[0][3].endswith("cited-paper/references.json:2"), failures


# -------------------------------------------------------------- the author-date style

def test_author_date_puts_the_citations_in_the_sentence_and_a_reference_list_at_the_end(author_date_build, epubcheck):
    for edition in ("print", "screen", "archive"):
        text = skeleton(read_edition(author_date_build[edition]).text)
        for citation in AUTHOR_DATE:
            assert skeleton(citation) in text, f"{citation} in the {edition} edition"
        assert skeleton("References Google. 2017. “Privacy Policy.”") in text
    epub = _epub_documents(author_date_build["epub"])
    web = _web_root(author_date_build["web"])
    for roots in (epub, [web]):
        words = " ".join(" ".join("".join(root.itertext()).split()) for root in roots)
        for citation in AUTHOR_DATE:
            assert citation in words
        entries = [entry for root in roots for entry in bibliography_of(root)]
        assert entries[-3:] == ["Smith, Zadie. 2016. *Swing Time*. Penguin Press.",
                                "Thoreau, Henry David. 2016. “Walking.” In *The Making of the American Essay*, "
                                "edited by John D’Agata. Graywolf Press.",
                                "World Bank. 2017. *World Development Report 2017: Governance and the Law*. World Bank."]
        assert len(entries) == 12
    # No citation is a note: only the author's two notes remain, numbered 1 and 2.
    assert sorted(epub_notes(author_date_build["epub"])) == ["1", "2"]
    assert web_notes(author_date_build["web"])["2"].startswith("This note cites nothing")
    assert not epubcheck(author_date_build["epub"]).messages


# ------------------------------------------------------------------ the syntax

@pytest.mark.parametrize("text, keys", [
    ("[@smith, p. 12]", ("smith",)),
    ("[-@smith]", ("smith",)),
    ("[@a; @b, 33]", ("a", "b")),
    ("[see @a, chap. 3; also @b:2020]", ("a", "b:2020")),
    ("[@fig:map]", None),  # a cross-reference (issue 12, part 2), not a citation
    ("[@sec:intro; @tbl:x]", None),
    ("[write to me@example.org]", None),
    ("[a plain bracket]", None),
])
def test_the_citation_syntax(text, keys):
    citation = parse_citation(text)
    assert (citation.keys if citation else None) == keys


def test_a_link_or_a_cross_reference_in_brackets_is_not_a_citation():
    from octavo.markdown import render_body

    body = "See [@a](https://example.org/x) and [the list @ home].\n"
    rendered = render_body(body, "s", str, str, 1, "Back")
    assert '<a href="https://example.org/x">@a</a>' in rendered.html
    assert "[the list @ home]" in rendered.html and rendered.notes == 0
    # [@fig:map] is a cross-reference (xref.py, tests/test_xref.py): a rendering with no labels refuses it.
    with pytest.raises(RenderError, match="'@fig:map' names no label"):
        render_body("See [@fig:map].\n", "s", str, str, 1, "Back")


def test_bibtex_gives_the_same_notes_as_csl_json(tmp_path):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    (folder / "references.json").unlink()
    (folder / "references.bib").write_text(BIBTEX, encoding="utf-8")
    for section in ("02-cooperation.md", "03-evidence.md"):
        (folder / "sections" / section).unlink()
    edit(folder / "publication.yaml", "  - sections/02-cooperation.md\n  - sections/03-evidence.md\n", "")
    edit(folder / "sections" / "01-summary.md", "where it fails [@schelling-strategy, 53].",
         "where it fails [@schelling-strategy, 53]. So said a novelist [@smith-swing-time, 315–16].")
    document = Rendering(load_publication(folder)).document
    notes = [b.text for s in document.sections for b in s.blocks if b.kind == "footnote"]
    assert notes == ["Robert O. Keohane, After Hegemony: Cooperation and Discord in the World Political Economy "
                     "(Princeton University Press, 1984), 12.",
                     "Thomas C. Schelling, The Strategy of Conflict (Harvard University Press, 1960), 53.",
                     _plain(EXPECTED_NOTES["8"])]
    assert document.sections[-1].location(document.sections[-1].blocks[-1]).line == 1  # smith: line 1 of the .bib


BIBTEX = """@book{smith-swing-time,
  author = {Smith, Zadie}, title = {Swing Time}, publisher = {Penguin Press}, year = 2016
}
@book{keohane-after-hegemony,
  author = {Keohane, Robert O.},
  title = {After Hegemony: Cooperation and Discord in the World Political Economy},
  shorttitle = {After Hegemony},
  publisher = {Princeton University Press}, year = {1984}
}
@book{schelling-strategy,
  author = {Schelling, Thomas C.}, title = {The Strategy of Conflict},
  publisher = {Harvard University Press}, year = {1960}
}
"""


# ------------------------------------------------------------------ content errors

def _validate(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder), "--content", str(folder.parent)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _build(folder: Path, capsys) -> tuple[int, str]:
    out = folder.parent.parent / "build"
    code = main(["build", str(folder), "--content", str(folder.parent), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _both_refuse(folder: Path, capsys, *expected: str) -> None:
    """`octavo validate` and `octavo build` give the same verdict: exit 2, each expected line, nothing built."""
    for run in (_validate, _build):
        code, output = run(folder, capsys)
        assert code == 2, (run.__name__, output)
        for line in expected:
            assert line in output, (run.__name__, line, output)
        assert "Traceback" not in output
    build = folder.parent.parent / "build"
    assert not build.exists() or not any(build.iterdir())


def test_an_unknown_key_is_a_content_error_at_its_markdown_line_with_the_nearest_key(tmp_path, capsys):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    edit(folder / "sections" / "03-evidence.md", "[@manjoo-snap]; the article", "[@manjo-snap]; the article")
    _both_refuse(folder, capsys, "sections/03-evidence.md:16: the text cites '@manjo-snap', which is not in "
                 "references.json", "did you mean '@manjoo-snap'?")


def test_a_duplicate_key_is_a_content_error_at_its_line(tmp_path, capsys):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    entries = json.loads((folder / "references.json").read_text(encoding="utf-8"))
    entries.insert(5, {**entries[0], "title": "Swing Time, Again"})
    (folder / "references.json").write_text("[\n" + ",\n".join(json.dumps(e) for e in entries) + "\n]\n")
    _both_refuse(folder, capsys, "references.json:7: the key 'smith-swing-time' is given twice: first at line 2")


@pytest.mark.parametrize("damage, expected", [
    (lambda t: t.replace('"type": "chapter", ', ""), "references.json:3: the entry 'thoreau-walking' has no type"),
    (lambda t: t.replace('"title": "Walking", ', ""), "references.json:3: the entry 'thoreau-walking' has no title"),
    (lambda t: t.replace('"type": "report"', '"type": "reprot"', 1),
     "references.json:5: the entry 'worldbank-wdr2017' has the type 'reprot', which CSL does not know"),
    (lambda t: t.replace('"Penguin Press", "publisher-place"', '"Penguin Press" "publisher-place"'),
     "references.json:2: the JSON is not well-formed: Expecting ','"),
    (lambda t: t.replace('"URL": "https://www.google.com', '"URL": "javascript://www.google.com'),
     "references.json:6: the URL of 'google-privacy' is refused"),
])
def test_a_malformed_json_entry_is_a_content_error_at_its_line(tmp_path, capsys, damage, expected):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    path = folder / "references.json"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    _both_refuse(folder, capsys, expected)


def test_malformed_bibtex_is_a_content_error_at_its_line(tmp_path, capsys):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    (folder / "references.json").unlink()
    (folder / "references.bib").write_text(BIBTEX.replace("year = {1984}\n}", "year = {1984}\n"), encoding="utf-8")
    _both_refuse(folder, capsys, "references.bib:10: the BibTeX is not well-formed")
    (folder / "references.bib").write_text(BIBTEX.replace("title = {The Strategy of Conflict},", ""),
                                           encoding="utf-8")
    _both_refuse(folder, capsys, "references.bib:10: the entry 'schelling-strategy' has no title")


def test_two_bibliographies_or_citations_without_one_are_content_errors(tmp_path):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    shutil.copy(folder / "references.json", folder / "references.bib")
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    assert "has both references.json and references.bib" in str(caught.value)
    (folder / "references.bib").unlink()
    (folder / "references.json").unlink()
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    assert "sections/01-summary.md:6: the text cites '@keohane-after-hegemony', but the publication has no " \
           "bibliography" in str(caught.value)


def test_an_entry_nothing_cites_is_a_warning_that_strict_makes_an_error(tmp_path):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    edit(folder / "sections" / "03-evidence.md", "[@ipcc-ar6-wg3, 60; @iea-weo-2023, 20]", "[@iea-weo-2023, 20]")
    edit(folder / "sections" / "03-evidence.md", "[@ipcc-ar6-wg3, 45]", "[@iea-weo-2023, 45]")
    edit(folder / "sections" / "03-evidence.md", "[@ipcc-ar6-wg3, 52]", "[@iea-weo-2023, 52]")
    edit(folder / "sections" / "03-evidence.md", "[@ipcc-ar6-wg3, 60]", "[@iea-weo-2023, 60]")
    publication = load_publication(folder)
    warnings = [str(w) for w in publication.warnings]
    assert any("references.json:12: the source 'ipcc-ar6-wg3' is never cited" in w for w in warnings), warnings
    entries = [b.text for s in Rendering(publication).document.sections for b in s.blocks
               if b.kind == "bibliography entry"]
    assert len(entries) == 11 and not any("Intergovernmental Panel" in e for e in entries)  # left out
    code = main(["validate", str(folder), "--content", str(folder.parent), "--strict"])
    assert code == 2


def test_the_house_names_a_citation_style_octavo_offers(tmp_path):
    folder = copy_content(tmp_path, SLUG, CONTENT)
    edit(folder.parent / "publisher.yaml", "citation_style: chicago-notes", "citation_style: chicago-note")
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    assert "publisher.yaml:7: citation style 'chicago-note' is not one Octavo offers" in str(caught.value)
    assert "did you mean 'chicago-notes'?" in str(caught.value)


# ------------------------------------------------------------------ the measurement

def test_pandoc_scores_what_the_docs_say_on_the_chicago_manuals_examples():
    """docs/dependencies.md: pandoc's citeproc gets 27 of the 36 Chicago cases right with the
    styles Octavo ships; the nine it misses are the ones the table names."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import compare_citeproc
    finally:
        sys.path.pop(0)
    from octavo.citations import pandoc_binary

    cases = json.loads((FIXTURES / "csl-cases" / "cases.json").read_text(encoding="utf-8"))
    references = json.loads((FIXTURES / "csl-cases" / "references.json").read_text(encoding="utf-8"))
    got = compare_citeproc.pandoc(pandoc_binary(), REPO / "templates" / "csl", references, cases["notes"],
                                  cases["author-date"]["citations"])
    rows = compare_citeproc.score("pandoc", got, cases)
    assert sum(ok for *_, ok, _ in rows) == 27
    missed = [(kind, case) for kind, case, ok, _ in rows if not ok]
    assert ("journal article with a DOI", "note: first") in missed and ("web page", "note: first") in missed
    assert all(kind != "book" for kind, _ in missed)


def test_a_citation_after_an_authors_note_that_cites_nothing_is_no_ibid(tmp_path):
    """CMOS 14.34: "Ibid." only when the note before cites the same source alone. An author's own
    note between two citations of Swing Time makes the second a short note, in every edition;
    the one after it, citing Swing Time again at once, is "Ibid." (issue 22)."""
    built = _one_section_paper(tmp_path, "The novel opens in London.[@smith-swing-time, 3]\n\n"
                               "The argument here is the author's own.[^own]\n\n"
                               "It returns to London at the end.[@smith-swing-time, 4]\n\n"
                               "And once more.[@smith-swing-time, 5]\n\n"
                               "[^own]: This note cites nothing: the reading is the author's.\n",
                               ("screen", "epub", "web"))
    expected = {"1": "Zadie Smith, *Swing Time* (Penguin Press, 2016), 3.",
                "2": "This note cites nothing: the reading is the author’s.",  # the apostrophe typed ' printed ’
                "3": "Smith, *Swing Time*, 4.", "4": "Ibid., 5."}
    assert epub_notes(built["epub"]) == expected
    assert web_notes(built["web"]) == expected
    text = skeleton(read_edition(built["screen"]).text)
    assert skeleton("3. Smith, Swing Time, 4.") in text and skeleton("Ibid., 4") not in text


def test_a_citation_after_a_note_citing_two_sources_is_no_ibid(tmp_path):
    """CMOS 14.34: "Ibid." refers to the one work cited in the note before. After a note citing
    Swing Time and The Strategy of Conflict, Swing Time again is a short note (issue 22)."""
    built = _one_section_paper(tmp_path, "The novel opens in London.[@smith-swing-time, 3]\n\n"
                               "Two readings meet.[@smith-swing-time, 4; @schelling-strategy, 21]\n\n"
                               "It returns to London at the end.[@smith-swing-time, 5]\n", ("epub",))
    assert epub_notes(built["epub"]) == {
        "1": "Zadie Smith, *Swing Time* (Penguin Press, 2016), 3.",
        "2": "Ibid., 4; Thomas C. Schelling, *The Strategy of Conflict* (Harvard University Press, 1960), 21.",
        "3": "Smith, *Swing Time*, 5."}


def test_the_first_citation_of_a_section_is_no_ibid_of_the_section_before(tmp_path):
    """A section that opens citing the source the section before ended on: a short note, not
    "Ibid." pointing into another author's text (issue 22's third case)."""
    folder = copy_content(tmp_path, SLUG, CONTENT)
    edit(folder / "publication.yaml", "  - sections/03-evidence.md\n", "")
    (folder / "sections" / "01-summary.md").write_text(
        "---\ntitle: Summary\nrole: summary\nauthors: [amara-okafor]\n---\n"
        "The novel opens in London.[@smith-swing-time, 3]\n", encoding="utf-8")
    (folder / "sections" / "02-cooperation.md").write_text(
        "---\ntitle: Cooperation\nrole: chapter\nauthors: [amara-okafor]\n---\n"
        "It returns to London at the end.[@smith-swing-time, 4]\n\nAnd once more.[@smith-swing-time, 5]\n",
        encoding="utf-8")
    built = _outputs(build_publication(folder, tmp_path / "build", editions=("screen", "epub")))
    expected = {"1": "Zadie Smith, *Swing Time* (Penguin Press, 2016), 3.", "2": "Smith, *Swing Time*, 4.",
                "3": "Ibid., 5."}
    assert epub_notes(built["epub"]) == expected
    text = skeleton(read_edition(built["screen"]).text)
    assert skeleton("2. Smith, Swing Time, 4.") in text and skeleton("3. Ibid., 5.") in text


def _one_section_paper(tmp_path: Path, body: str, editions: tuple[str, ...]) -> dict[str, Path]:
    """The fixture's house and sources with one section of `body`, built: its editions by name."""
    folder = copy_content(tmp_path, SLUG, CONTENT)
    for extra in ("sections/02-cooperation.md", "sections/03-evidence.md"):
        edit(folder / "publication.yaml", f"  - {extra}\n", "")
    (folder / "sections" / "01-summary.md").write_text(
        "---\ntitle: Summary\nrole: summary\nauthors: [amara-okafor]\n---\n" + body, encoding="utf-8")
    return _outputs(build_publication(folder, tmp_path / "build", editions=editions))


def test_the_archive_attaches_a_bibliography_with_its_media_type(tmp_path):
    """Issue 24: the bibliography went into the archive PDF as application/octet-stream, which
    tells an archivist nothing. BibTeX is text/x-bibtex (freedesktop.org; IANA has no type),
    CSL-JSON application/vnd.citationstyles.csl+json (IANA)."""
    from pypdf import PdfReader

    from octavo.build import build_publication

    def media_types(folder: Path) -> dict[str, str]:
        archive = build_publication(folder, folder.parent / "out", editions=("archive",)).outputs[0]
        root = PdfReader(str(archive)).trailer["/Root"]
        return {str(spec.get_object()["/UF"]): str(spec.get_object()["/EF"]["/F"].get_object()["/Subtype"])
                for spec in root["/AF"]}

    json_paper = copy_content(tmp_path / "json", SLUG, CONTENT)
    found = media_types(json_paper)
    assert found[f"{SLUG}/references.json"] == "/application/vnd.citationstyles.csl+json", found
    assert "/application/octet-stream" not in found.values(), found

    bib_paper = copy_content(tmp_path / "bib", SLUG, CONTENT)
    (bib_paper / "references.json").unlink()
    (bib_paper / "references.bib").write_text(BIBTEX, encoding="utf-8")
    for section in ("02-cooperation.md", "03-evidence.md"):
        (bib_paper / "sections" / section).unlink()
    edit(bib_paper / "publication.yaml", "  - sections/02-cooperation.md\n  - sections/03-evidence.md\n", "")
    found = media_types(bib_paper)
    assert found[f"{SLUG}/references.bib"] == "/text/x-bibtex", found

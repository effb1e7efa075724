"""Where pagemap.py puts a page-break marker in XHTML, for each kind of page start.

The layout side is tested against real PDFs in test_epub_edition.py; these
cases pin the placement rules on small documents.
"""

from __future__ import annotations

import pytest
from lxml import etree

from octavo import pagemap

XHTML = "http://www.w3.org/1999/xhtml"
DOC = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
       '<section id="s"><h1>Title</h1>'
       '<p id="s-b1">First paragraph, then a <em>stressed</em> word.</p>'
       '<p id="s-b2">Second.</p>'
       '<table id="s-b3"><tr><td>Cell one</td><td>Cell two</td></tr></table>'
       '<ol id="s-b4"><li id="s-b5">Item</li></ol>'
       '</section>'
       '<nav class="toc"><h1>Contents</h1><ol><li><a href="#s">Title</a></li></ol></nav>'
       '</body></html>')


def marked(chain: tuple[tuple[str, int], ...]) -> str:
    root = etree.fromstring(DOC)
    placements = pagemap.place([pagemap.PageStart(7, chain)], {"doc": root})
    pagemap.insert_markers(placements)
    text = etree.tostring(root, encoding="unicode")
    text = text.replace(' xmlns="http://www.w3.org/1999/xhtml"', "").replace(' xmlns:epub="http://www.idpf.org/2007/ops"', "")
    return text.replace('<span epub:type="pagebreak" role="doc-pagebreak" id="page-7" aria-label="7"></span>', "|7|")


@pytest.mark.parametrize("chain, expected", [
    # A page that begins with a section: before its heading, not inside it.
    ((("#s", 0),), '<section id="s">|7|<h1>Title</h1>'),
    # With a paragraph: before the paragraph.
    ((("#s-b2", 0), ("#s", 999)), '</p>|7|<p id="s-b2">Second.'),
    # Inside a paragraph: before the word holding the letter, even in mid-word ("First" = 5 letters).
    ((("#s-b1", 7), ("#s", 0)), '<p id="s-b1">First |7|paragraph,'),
    # At the start of inline markup: just before it, in the paragraph's text.
    ((("#s-b1", 24),), 'then a |7|<em>stressed</em>'),
    # In a table: inside the cell (a span may not stand in <table> or <tr>).
    ((("#s-b3", 7),), '<td>Cell one</td><td>|7|Cell two</td>'),
    # In a list: inside the item.
    ((("#s-b5", 0), ("#s-b4", 0)), '<li id="s-b5">|7|Item</li>'),
    # In a nav: before it (EPUB 3.3: a nav holds a heading and a list only).
    (((".toc", 3),), '|7|<nav class="toc">'),
    # The nearest named element the EPUB has wins; unknown ones are skipped.
    ((("#print-only", 2), ("#s-b2", 0)), '|7|<p id="s-b2">'),
])
def test_marker_placement(chain, expected):
    assert expected in marked(chain)


def test_a_page_the_epub_cannot_find_takes_the_next_page_s_place():
    root = etree.fromstring(DOC)
    starts = [pagemap.PageStart(1, (("#nowhere", 0),)), pagemap.PageStart(2, (("#s-b2", 0),))]
    placements = pagemap.place(starts, {"doc": root})
    assert [p.number for p in placements] == [1, 2]
    pagemap.insert_markers(placements)
    ids = [e.get("id") for e in root.iter(f"{{{XHTML}}}span")]
    assert ids == ["page-1", "page-2"]


def test_pages_after_the_last_the_epub_has_go_at_the_end():
    root = etree.fromstring(DOC)
    starts = [pagemap.PageStart(1, (("#s-b2", 0),)), pagemap.PageStart(2, (("#back-cover", 0),))]
    placements = pagemap.place(starts, {"doc": root})
    pagemap.insert_markers(placements)
    body = root.find(f"{{{XHTML}}}body")
    assert body[-1].get("id") == "page-2"


def test_a_footnote_floated_to_the_page_foot_does_not_shift_the_markers_after_it():
    """Print sets a note at the foot of the page (CSS GCPM `float: footnote`), inside the
    paragraph that calls it; the EPUB keeps it apart. Pages that begin later in that
    paragraph must still get their markers where the PDF's pages begin."""
    import pypdfium2
    from weasyprint import HTML

    from octavo.verify import skeleton

    words = " ".join(f"word{n}" for n in range(400))
    note = "A long note " + " ".join(f"note{n}" for n in range(25))
    print_html = (f'<html><head><style>@page {{ size: 100mm 120mm; margin: 8mm; }} '
                  f'body {{ font: 10pt/1.3 "Noto Serif", serif; }} .footnote {{ float: footnote; }} '
                  f'::footnote-call {{ content: counter(footnote); }}</style></head><body>'
                  f'<section id="s"><p id="s-b1">Opening {words[:60]}<span class="footnote" id="fn-s-1">{note}</span> '
                  f'{words}</p></section></body></html>')
    html = HTML(string=print_html)
    document = html.render()
    starts = pagemap._page_starts(document, html.etree_element)
    pdf = pypdfium2.PdfDocument(document.write_pdf())
    page_texts = [page.get_textpage().get_text_range() for page in pdf]
    assert len(page_texts) >= 4
    assert "note24" in page_texts[0]  # the note is set at the foot of page 1

    epub = etree.fromstring(
        f'<html xmlns="{XHTML}" xmlns:epub="http://www.idpf.org/2007/ops"><body><section id="s">'
        f'<p id="s-b1">Opening {words[:60]}<sup class="footnote-ref"><a epub:type="noteref" href="#fn-s-1">1</a></sup> '
        f'{words}</p><aside id="fn-s-1">{note}</aside></section></body></html>')
    pagemap.insert_markers(pagemap.place(starts, {"doc": epub}))
    flow = []

    def walk(element):
        if element.get("id", "").startswith("page-"):
            flow.append(f"\x00{element.get('id')}\x00")
        flow.append(element.text or "")
        for child in element:
            walk(child)
            flow.append(child.tail or "")

    walk(epub)
    parts = "".join(flow).split("\x00")
    after = {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    for number, page_text in enumerate(page_texts[1:], start=2):
        assert skeleton(page_text)[:12] in skeleton(after[f"page-{number}"])[:40], (number, page_text[:50])

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

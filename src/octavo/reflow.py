"""What the reflowable editions (the EPUB and the web page) add to the shared markup so
that it reads on any screen, at any text size.

A table is as wide as its columns need, and a phone at 200 % text (WCAG 1.4.4) is
narrower than most tables: each table goes into a box of its own that scrolls
sideways, so the page itself never does (WCAG 1.4.10) and no column is cut off.
The box is a labelled region that takes the keyboard's focus (`tabindex="0"`), so
a reader without a pointer can scroll it too (axe-core's scrollable-region-focusable),
and it is the markup Readium and Apple Books expect of a scrolling table.

The PDFs do not need it: their page has a fixed width, which the table is laid out to.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
TABLE_WRAP = "table-wrap"


def table_regions(trees: Iterable[etree._Element], label: str) -> None:
    """Wrap each table of the documents (in reading order) in
    `<div class="table-wrap" role="region" tabindex="0" aria-label="{label} N">`, N counting
    through the publication, so that every region's name is its own (one page may hold them all)."""
    number = 0
    for tree in trees:
        for table in list(tree.iter(f"{{{XHTML}}}table")):
            number += 1
            wrap = etree.Element(f"{{{XHTML}}}div", {"class": TABLE_WRAP, "role": "region", "tabindex": "0",
                                                     "aria-label": f"{label} {number}"})
            table.addprevious(wrap)
            wrap.tail, table.tail = table.tail, None
            wrap.append(table)

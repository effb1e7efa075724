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
    `<div class="table-wrap" role="region" tabindex="0" aria-label="…">`.

    A screen reader lists regions by name, so the name says which table it is: its caption
    where it has one ("Table 2. Catch by year", as printed); otherwise "{label}: " and its first
    row's cells. Every name is its own through the publication (one page may hold them all):
    a name given twice gets " (2)", " (3)". Not "Table N" for all: a labelled table's caption
    numbers only the labelled ones (xref.py), and the two counts would disagree."""
    seen: dict[str, int] = {}
    for tree in trees:
        for table in list(tree.iter(f"{{{XHTML}}}table")):
            name = _table_name(table, label)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} ({seen[name]})"
            wrap = etree.Element(f"{{{XHTML}}}div", {"class": TABLE_WRAP, "role": "region", "tabindex": "0",
                                                     "aria-label": name})
            table.addprevious(wrap)
            wrap.tail, table.tail = table.tail, None
            wrap.append(table)


def _table_name(table: etree._Element, label: str, longest: int = 80) -> str:
    """The table's caption, else `label` and its first row's cells, in one line of at most `longest`."""
    caption = table.find(f"{{{XHTML}}}caption")
    if caption is not None and _words(caption):
        name = _words(caption)
    else:
        row = next(table.iter(f"{{{XHTML}}}tr"), None)
        cells = [_words(cell) for cell in row if isinstance(cell.tag, str)] if row is not None else []
        name = f"{label}: {', '.join(c for c in cells if c)}" if any(cells) else label
    if len(name) <= longest:
        return name
    return name[:longest].rsplit(" ", 1)[0].rstrip(",;:") + "…"  # at a word's end


def _words(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())

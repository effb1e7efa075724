"""Stage 4b, part: the print edition's page boundaries, for the EPUB's page-list.

A citation names a page of the print edition ("p. 3"); the EPUB carries a
page-break marker where each printed page begins (EPUB 3.3 §D.4.1, the
`pagebreak` semantic, and the page-list nav, EPUB 3.3 §7.4.2), so a reader
can find that page. The boundaries come from WeasyPrint's own layout of the
print HTML, not from a guess: change the print page size and they move.

How a page start is named so that the other edition can find it:
- in the print layout, the first text (or image) box of each page, outside the
  page margins (running heads, folios) and outside generated content
  (leaders, list markers, `::after`);
- as a chain of its ancestors that the EPUB can also find, nearest first:
  an element id (markdown.render_body gives every block a stable id shared by
  both editions, sections and contributor notes have ids) or a front-matter
  class (title page, imprint, contents), each with how many letters and digits
  of that element were laid out on earlier pages.
Counting letters and digits only (as the proof does) makes the count survive
hyphenation at line ends, text-transform and whitespace.

insert_markers() then finds, in the EPUB's XHTML, the nearest of those
elements it has and puts the marker before the word holding that letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# Front matter without ids in the shared partials: named by the class both
# editions give it (print: templates/print/document.html; EPUB: templates/epub/).
FRONT_CLASSES = ("title-page", "imprint-page", "toc")
NOTE_CALL = "footnote-ref"  # the class markdown.py gives a footnote call's <sup>
# Elements whose content model allows a marker (a <span>) as a child
# (HTML "flow content" containers); the others hold it inside or beside.
FLOW = {"body", "section", "div", "blockquote", "li", "td", "th", "aside", "article", "header",
        "footer", "main", "figure", "figcaption", "dd"}
NO_PHRASING = {"html", "head", "ol", "ul", "table", "thead", "tbody", "tfoot", "tr", "dl", "colgroup"}


@dataclass(frozen=True)
class PageStart:
    """Where printed page `number` begins: (locator, letters before it in that element), nearest first."""

    number: int
    chain: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PrintLayout:
    """What the EPUB takes from one layout of the print edition."""

    starts: list[PageStart]


def layout_print(rendering) -> PrintLayout:
    """Name where each page of the trimmed page's layout begins (the screen edition's
    layout: in a build that makes both, WeasyPrint lays the pages out once)."""
    from .layout import TRIMMED, lay_out

    key = ("page starts", TRIMMED)  # kept when the layout is freed (build.py frees it once painted)
    if key not in rendering.shared:
        laid = lay_out(rendering, TRIMMED)
        rendering.shared[key] = PrintLayout(_page_starts(laid.document, laid.html.etree_element))
    return rendering.shared[key]


def _page_starts(document, root) -> list[PageStart]:
    parents = {child: parent for parent in root.iter() for child in parent}
    counts: dict[tuple[int, str], int] = {}  # (element, locator) -> letters laid out so far
    starts = []
    for number, page in enumerate(document.pages, start=1):
        first = {False: None, True: None}  # the first box of the text, and of the footnotes
        for box, note in _content_boxes(page._page_box):
            chain = _chain(box.element, parents, note)
            if chain is None:
                continue
            if first[note is not None] is None:
                first[note is not None] = tuple((loc, counts.get((key, loc), 0)) for key, loc in chain)
            letters = _letters(box.text) if hasattr(box, "text") else 0
            for key, loc in chain:
                counts[(key, loc)] = counts.get((key, loc), 0) + letters
        # A page begins with its text; with its footnotes only if it holds nothing else.
        starts.append(PageStart(number, first[False] or first[True] or ()))
    return starts


def _content_boxes(box, generated: bool = False, note=None):
    """(box, note) for text boxes with letters or digits and images, in layout order, outside
    margins and generated content; `note` is the footnote element a box belongs to, if any."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox):
        return
    if isinstance(box, boxes.FootnoteAreaBox):  # each child is one note, set at the page foot
        for child in box.children:
            yield from _content_boxes(child, generated, child.element)
        return
    generated = generated or "::" in (box.element_tag or "")
    if not generated and box.element is not None:
        if isinstance(box, boxes.TextBox) and _letters(box.text):
            yield box, note
        elif isinstance(box, boxes.ReplacedBox):
            yield box, note
    for child in getattr(box, "children", ()):
        yield from _content_boxes(child, generated, note)


def _chain(element, parents, note=None) -> list[tuple[int, str]] | None:
    """The element's locators, nearest first; None for a footnote call's number.

    A footnote floated to the page foot (CSS GCPM `float: footnote`) counts for
    itself only, not for the paragraph it was moved into: in the EPUB the note
    stands apart. Call numbers are left out on both sides (_text_nodes), as the
    print edition may make them generated content (`::footnote-call`).
    """
    chain = []
    while element is not None:
        if NOTE_CALL in (element.get("class") or "").split():
            return None
        chain.extend((id(element), loc) for loc in _locators(element))
        if element is note:
            break
        element = parents.get(element)
    return chain


def _locators(element) -> list[str]:
    """How the other edition may name this element: its id, a front-matter class."""
    found = ["#" + element.get("id")] if element.get("id") else []
    return found + ["." + c for c in (element.get("class") or "").split() if c in FRONT_CLASSES]


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


# ------------------------------------------------------------ the EPUB side

@dataclass(frozen=True)
class Placement:
    """Where page `number`'s marker goes: the document and the element/letter to put it before."""

    number: int
    document: str
    element: etree._Element
    letters: int


def place(starts: list[PageStart], documents: dict[str, etree._Element]) -> list[Placement]:
    """Find each page start in the EPUB's documents (name -> parsed XHTML), in reading order.

    A page whose start the EPUB lacks (a blank page, furniture only the print
    edition has) gets its marker where the next page's goes, or, after the
    last page the EPUB has, at the end of the last document, so the page-list
    stays complete and in order.
    """
    index = _index(documents)
    found: list[Placement | None] = []
    for start in starts:
        hit = next(((index[loc], letters) for loc, letters in start.chain if loc in index), None)
        found.append(Placement(start.number, hit[0][0], hit[0][1], hit[1]) if hit else None)
    last = list(documents)[-1]
    end = Placement(0, last, documents[last].find(f"{{{XHTML}}}body"), 1 << 62)  # past every letter: at the end
    placements, following = [], end
    for start, placement in reversed(list(zip(starts, found))):
        if placement is None and following is not None:
            placement = Placement(start.number, following.document, following.element, following.letters)
        if placement is not None:
            placements.append(placement)
            following = placement
    return list(reversed(placements))


def _index(documents: dict[str, etree._Element]) -> dict[str, tuple[str, etree._Element]]:
    index = {}
    for name, root in documents.items():
        for element in root.iter(etree.Element):
            for loc in _locators(element):
                index.setdefault(loc, (name, element))
    return index


def insert_markers(placements: list[Placement]) -> None:
    """Put `<span epub:type="pagebreak" role="doc-pagebreak" id="page-N" aria-label="N">` at each placement."""
    for p in placements:
        marker = etree.Element(f"{{{XHTML}}}span", nsmap={None: XHTML, "epub": EPUB_NS})
        marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
        marker.set("role", "doc-pagebreak")
        marker.set("id", f"page-{p.number}")
        marker.set("aria-label", str(p.number))
        marker.text = ""  # <span></span>, not <span/>: safe for HTML parsers too
        _insert(marker, p.element, p.letters)


def _insert(marker, anchor, letters: int) -> None:
    nav = _outermost(anchor, "nav")
    if nav is not None:
        # EPUB 3.3 §7.3.1: a nav holds a heading and one list, nothing else.
        _before(nav, marker)
        return
    spot = _find_letter(anchor, letters)
    if spot is None:  # the page starts past the element's last letter (an image, say): at its end
        if _name(anchor) in NO_PHRASING:
            _before(anchor.getnext(), marker) if anchor.getnext() is not None else anchor.getparent().append(marker)
        else:
            anchor.append(marker)
        return
    element, where, offset = spot
    text = getattr(element, where)
    offset = _word_start(text, offset)
    if offset > 0 or where == "tail":
        _split(element, where, offset, marker)
    else:
        _at_start_of(element, marker)


def _find_letter(anchor, letters: int):
    """The text node and offset of the letter after `letters` letters inside anchor."""
    seen = 0
    for element, where in _text_nodes(anchor):
        text = getattr(element, where) or ""
        for i, ch in enumerate(text):
            if ch.isalnum():
                if seen == letters:
                    return element, where, i
                seen += 1
    return None


def _text_nodes(element, top=True):
    if not isinstance(element.tag, str):
        return
    if NOTE_CALL not in (element.get("class") or "").split():  # its number is not counted (see _chain)
        yield element, "text"
        for child in element:
            yield from _text_nodes(child, top=False)
    if not top:
        yield element, "tail"


def _word_start(text: str, offset: int) -> int:
    """Back to the start of the word: a page that begins mid-word gets its marker before that word."""
    while offset > 0 and not text[offset - 1].isspace():
        offset -= 1
    return offset


def _split(element, where: str, offset: int, marker) -> None:
    text = getattr(element, where)
    setattr(element, where, text[:offset] or None)
    marker.tail = text[offset:]
    if where == "text":
        element.insert(0, marker)
    else:
        element.addnext(marker)


def _at_start_of(element, marker) -> None:
    """A marker at the very start of an element's text: climb out of headings and paragraphs
    (a heading's accessible name must stay its own) to the nearest place a span may stand."""
    target = element
    while _name(target) not in FLOW and _first_in_parent(target):
        target = target.getparent()
    if _name(target) in FLOW:
        marker.tail, target.text = target.text, None
        target.insert(0, marker)
    elif _name(target.getparent()) not in NO_PHRASING:
        _before(target, marker)
    else:
        marker.tail, element.text = element.text, None
        element.insert(0, marker)


def _before(element, marker) -> None:
    parent = element.getparent()
    parent.insert(parent.index(element), marker)


def _first_in_parent(element) -> bool:
    parent = element.getparent()
    if parent is None or _name(parent) in NO_PHRASING:
        return False
    return parent.index(element) == 0 and not (parent.text or "").strip()


def _outermost(element, name: str):
    found = None
    while element is not None:
        if _name(element) == name:
            found = element
        element = element.getparent()
    return found


def _name(element) -> str:
    return etree.QName(element).localname if element is not None else ""

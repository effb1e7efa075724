"""Every change Octavo makes to WeasyPrint and pydyf, in one place, with the versions each is
written for (PATCHES).

Each is a fix or a speed-up that the libraries' own releases do not have yet (the footnote area's
rounding, notes kept on their call's page, CSS's `word-break: keep-all`, the deflate level, the
page list made once, tagged-PDF languages, artifacts, notes and link descriptions), or, for
`pdfpaint`, WeasyPrint's own PDF writer cut in two. A change is installed by `install`, which
first checks that the installed library is a version the change was written for and refuses to
go on otherwise (RenderError, naming the change and the versions): an upgrade never switches a
change off silently, and never applies one to code it was not read against. tests/test_patches.py
fails when the installed versions are not in the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from .errors import RenderError


@dataclass(frozen=True)
class Patch:
    name: str
    package: str  # "weasyprint" or "pydyf"
    versions: tuple[str, ...]  # the releases whose code it was written against
    apply: Callable[[], None]  # idempotent: a second call does nothing


def installed_version(package: str) -> str:
    if package == "weasyprint":
        from .layout import import_weasyprint

        return import_weasyprint().__version__
    return import_module(package).__version__


def require(name: str) -> Patch:
    """The patch `name`, after checking the installed library is a version it was written for."""
    patch = PATCHES[name]
    version = installed_version(patch.package)
    if version not in patch.versions:
        raise RenderError(f"Octavo's change to {patch.package} '{patch.name}' is written for "
                          f"{patch.package} {', '.join(patch.versions)}, and {version} is installed: install the "
                          f"version pyproject.toml pins (`make`), or review src/octavo/patches.py for {version}")
    return patch


def install(*names: str) -> None:
    for name in names:
        require(name).apply()


def mend_footnote_area() -> None:
    """WeasyPrint 70 decides that the footnote area overflows when its last note ends a
    rounding error (1e-13 pt) below the area's bottom: the note is then deferred to the
    next page (or, with footnote-policy: line, its call's line is pushed on, page after
    page), although it fits. Found by tests/test_markdown_property.py: a call on an
    otherwise empty page, its note on the page after. The same method, with the comparison
    made to a millionth of a point; installed once, for the pinned WeasyPrint only.
    (The method's other lines are WeasyPrint's, BSD-licensed.)"""
    from weasyprint.layout import LayoutContext

    if getattr(LayoutContext, "_octavo_mended", False):
        return
    from math import inf

    from weasyprint.formatting_structure import build
    from weasyprint.layout.block import block_level_layout

    def _update_footnote_area(self):
        if self.current_footnote_area.height != "auto" and not self.in_column:
            self.page_bottom += self.current_footnote_area.margin_height()
        self.current_footnote_area.children = self.current_page_footnotes
        if self.current_footnote_area.children:
            footnote_area = build.create_anonymous_boxes(self.current_footnote_area.deepcopy())
            footnote_area = block_level_layout(self, footnote_area, -inf, None, self.current_footnote_area.page)[0]
            self.current_footnote_area.height = footnote_area.height
            if not self.in_column:
                self.page_bottom -= footnote_area.margin_height()
            last_child = footnote_area.children[-1]
            last_child_bottom = last_child.position_y + last_child.margin_height() - last_child.margin_bottom
            footnote_area_bottom = (footnote_area.position_y + footnote_area.margin_height()
                                    - footnote_area.margin_bottom)
            return last_child_bottom > footnote_area_bottom + FOOTNOTE_TOLERANCE_PT
        self.current_footnote_area.height = 0
        if not self.in_column:
            self.page_bottom -= self.current_footnote_area.margin_height()
        return False

    LayoutContext._weasyprint_update_footnote_area = LayoutContext._update_footnote_area  # kept for the tests
    LayoutContext._update_footnote_area = _update_footnote_area
    LayoutContext._octavo_mended = True


FOOTNOTE_TOLERANCE_PT = 1e-6
# WeasyPrint 70's line layout: when a line does not fit and the paragraph may not break
# before it (orphans, widows), it moves the page's notes to the next page, last first, to
# make room for the line, leaving each note a page after its call and a gap where it stood.
# Octavo's rule is the other way round: the note stays with its call and the paragraph
# breaks earlier. Found by the 300-page paper of `make bench`: 11 notes of 321 moved.
_REPORT_TO_FIT_A_LINE = "report = not context.in_column and can_break_now and not could_break_before"


def keep_notes_with_their_calls() -> None:
    """Rewrite that one line of weasyprint.layout.block._linebox_layout (the pinned version's
    source, found by its exact text; a test fails if it is not found) so that it never moves a
    note to make room."""
    import inspect

    from weasyprint.layout import block

    if getattr(block, "_octavo_notes_kept", False):
        return
    source = inspect.getsource(block._linebox_layout)
    if _REPORT_TO_FIT_A_LINE not in source:
        raise RenderError("Octavo keeps each note on its call's page by rewriting one line of WeasyPrint's "
                          "_linebox_layout, and the installed WeasyPrint no longer has it: review "
                          "patches.keep_notes_with_their_calls for this version")
    source = source.replace(_REPORT_TO_FIT_A_LINE, "report = False  # Octavo: a note stays on its call's page")
    block._weasyprint_linebox_layout = block._linebox_layout  # kept for the tests
    exec(compile(source, block.__file__, "exec"), block.__dict__)  # noqa: S102 - WeasyPrint's own source
    block._octavo_notes_kept = True


# Words that keep-all keeps whole: runs of letters without a space that hold Hangul or Han (CSS
# Text 3, 5.2: keep-all suppresses the breaks between the letters of CJK words; Korean is the
# language that needs it, as it writes spaces between words).
_KEEP_ALL_RUN = re.compile(r"\S*[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
                           r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]\S*")


def keep_words_whole() -> None:
    """CSS Text 3's `word-break: keep-all`, which WeasyPrint 70 lacks (it knows normal and
    break-all): Korean breaks lines between words, at spaces, never between the syllables
    of one ("계" / "속해" is how a typesetter who does not read Korean breaks it). Pango, which
    lays out WeasyPrint's lines, finds a break between any two Hangul syllables (UAX #14); the
    keyword is accepted here, and each such word of a text set keep-all is given Pango's
    allow-breaks attribute, off. Installed once, for the pinned WeasyPrint only; the print
    stylesheets set it on :lang(ko) (print.css), as the EPUB's and the web page's do for browsers."""
    from weasyprint.css.tokens import get_single_keyword
    from weasyprint.css.validation import properties
    from weasyprint.text import line_break
    from weasyprint.text.ffi import ffi, pango

    if getattr(line_break, "_octavo_keep_all", False):
        return
    ffi.cdef("PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);")

    def word_break(tokens):
        keyword = get_single_keyword(tokens)
        return keyword if keyword in ("normal", "break-all", "keep-all") else None

    word_break.wants_base_url = False
    properties.PROPERTIES["word-break"] = word_break
    set_text = line_break.Layout.set_text

    def set_text_keeping_words(self, text, justify=False):
        set_text(self, text, justify)
        if self.style["word_break"] != "keep-all":
            return
        runs = list(_KEEP_ALL_RUN.finditer(self.text))
        if not runs:
            return
        attr_list = pango.pango_layout_get_attributes(self.layout)
        if attr_list == ffi.NULL:
            attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        for run in runs:
            attr = pango.pango_attr_allow_breaks_new(False)
            attr.start_index = len(self.text[:run.start()].encode())
            attr.end_index = attr.start_index + len(run.group().encode())
            pango.pango_attr_list_change(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)

    line_break.Layout._weasyprint_set_text = set_text  # kept for the tests
    line_break.Layout.set_text = set_text_keeping_words
    line_break._octavo_keep_all = True


DEFLATE_LEVEL = 6  # zlib's own default


def deflate_at_zlibs_default_level() -> None:  # and an unambiguous end of line after each stream
    """pydyf 0.13 deflates every PDF stream at zlib's level 9. On the 300-page paper's page
    contents (10 MB) level 9 takes 0.86 s against level 6's 0.22 s, for 5 % more bytes in those
    streams (3 % of the file); three PDFs a build. Every PDF Octavo writes (WeasyPrint's, the
    cover's) goes through a layout guarded here, so each is deflated alike whatever else the
    build makes, and the same content still gives the same bytes. For the pinned version only;
    what the streams hold is unchanged (tests/test_parallel_build.py inflates and compares)."""
    import zlib

    import pydyf

    if getattr(pydyf.Stream, "_octavo_deflate", False):
        return

    def data(self):
        stream = b"\n".join(pydyf._to_bytes(item) for item in self.stream)
        extra = pydyf.Dictionary(self.extra.copy())
        if self.compress:
            extra["Filter"] = "/FlateDecode"
            compressor = zlib.compressobj(level=DEFLATE_LEVEL)
            stream = compressor.compress(stream) + compressor.flush()
        extra["Length"] = len(stream)
        # A stream whose data ends with a carriage return (one deflated stream in 256: the last
        # byte is the checksum's) followed by pydyf's line feed reads as data one byte short and a
        # CRLF end of line; PDF/A's validators (veraPDF, page-validation: PDFA3U-STREAM-LENGTH-001)
        # then find /Length wrong. The end of line is a CRLF there, which no reader can take for data.
        end_of_line = b"\r\n" if stream.endswith(b"\r") else b"\n"
        return extra.data + b"\nstream\n" + stream + end_of_line + b"endstream"

    pydyf.Stream._pydyf_data = pydyf.Stream.data  # kept for the tests
    pydyf.Stream.data = property(data)
    pydyf.Stream._octavo_deflate = True


def page_references_once() -> None:
    """pydyf 0.13 makes the list of every page's reference each time one is asked for, and
    WeasyPrint 70's tagging asks once for every structure element: a tagged 294-page PDF made
    the list 17,643 times (5 million references, 3.6 s of its 16 s; `make bench`). The list is
    kept with the page count it was made for (pages are only ever added), for the pinned
    version only; the bytes written are the same."""
    import pydyf

    if getattr(pydyf.PDF, "_octavo_page_references", False):
        return

    def page_references(pdf) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        made = pdf.__dict__.get("_octavo_references")
        if made is None or made[0] != len(kids):
            made = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
            pdf.__dict__["_octavo_references"] = made
        return made[1]

    pydyf.PDF._pydyf_page_references = pydyf.PDF.page_references  # kept for the tests
    pydyf.PDF.page_references = property(page_references)
    pydyf.PDF._octavo_page_references = True


def tag_element_languages() -> None:
    """Give a structure element the /Lang of its HTML element's `lang` (ISO 32000-1, 14.9.2).

    PDF/UA-1 (7.2) asks that text in another language than the document's say so, so
    that a screen reader switches voice for 김준형 or 朱锋. WeasyPrint 70 tags the
    structure but sets /Lang on the catalog only. Its tree builder is wrapped (once, for
    the pinned version): each element built from a box whose own element carries `lang`
    gets that /Lang; the document's root is left to the catalog."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    if getattr(tags, "_octavo_languages", False):
        return
    build_box_tree = tags._build_box_tree

    def build_with_languages(box, *args):
        own = getattr(box, "_box", box)  # an absolutely placed box stands in for its own
        element = getattr(own, "element", None)
        lang = None
        if element is not None and not isinstance(own, (boxes.PageBox, boxes.MarginBox)) \
                and getattr(own, "element_tag", None) not in ("html", "body"):
            lang = element.get("lang")
        for structure in build_box_tree(box, *args):
            if lang and "Lang" not in structure:
                structure["Lang"] = pydyf.String(lang)
            yield structure

    tags._build_box_tree = build_with_languages  # the recursion looks the name up in the module
    tags._octavo_languages = True


def tag_furniture_notes_and_links() -> None:
    """What WeasyPrint 70 tags otherwise than PDF/UA-1 and the Matterhorn Protocol ask (issue 22):

    - the page's furniture (running heads, folios: what its margin boxes hold) is drawn as
      pagination artifacts (`/Artifact <</Type /Pagination /Subtype /Header>> BDC`, ISO 32000-1
      14.8.2.2; Matterhorn 18-001), not as content whose structure hangs outside the tree;
    - a footnote is a `Note` with a unique `/ID` (Matterhorn 19-003, 19-004), its number a
      `Lbl`, and the call in the text a `Reference` (ISO 32000-1, 14.8.4.4);
    - a link's `/Contents` is its own words ("Summary" in the contents, an address), not the
      id it points to, which a screen reader would read aloud (Matterhorn 28-012); a link
      whose words are all generated (a cross-reference's "Table 1") says what it leads to, in
      the target's words (its caption, its heading), as its `/Contents` and its `/Alt`.

    Wrapped once, for the pinned version, as tag_element_languages is."""
    import contextlib
    import weakref

    import pydyf
    from weasyprint import document as painted
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags
    from weasyprint.pdf.stream import Stream

    if getattr(tags, "_octavo_furniture", False):
        return
    furniture: dict = {}  # each box the page being drawn holds in a margin box -> "Header" or "Footer"
    draw_page = painted.draw_page

    def draw_page_with_furniture(page, stream):
        furniture.clear()
        for margin in (child for child in page.children if isinstance(child, boxes.MarginBox)):
            place = "Header" if margin.at_keyword.startswith("@top") else (
                "Footer" if margin.at_keyword.startswith("@bottom") else None)
            for box in margin.descendants():
                furniture[box] = place
        try:
            draw_page(page, stream)
        finally:
            furniture.clear()

    marked = Stream.marked

    def marked_or_artifact(self, box, tag):
        if self._tags is None or box not in furniture:
            return marked(self, box, tag)
        return _pagination_artifact(self, furniture[box])

    @contextlib.contextmanager
    def _pagination_artifact(stream, place):
        properties = pydyf.Dictionary({"Type": "/Pagination"})
        if place:
            properties["Subtype"] = f"/{place}"
        stream.begin_marked_content("Artifact", properties)
        try:
            yield
        finally:
            stream.end_marked_content()

    build_box_tree = tags._build_box_tree
    # Kept for each PDF being tagged while it lives (never by id(), which a later PDF may reuse):
    note_ids = weakref.WeakKeyDictionary()  # the note ids given in it
    by_id = weakref.WeakKeyDictionary()  # its document's elements by id (a link's target)
    notes: set = set()  # the boxes a footnote area holds: one a note

    def build_without_furniture(box, parent, pdf, *args):
        own = getattr(box, "_box", box)
        if isinstance(own, boxes.MarginBox):
            return  # drawn as artifacts: nothing of it is in the structure
        if isinstance(own, boxes.PageBox) and pdf not in by_id:
            root = next((c.element for c in own.children if c.element_tag == "html"), None)
            by_id[pdf] = {e.get("id"): e for e in root.iter() if e.get("id")} if root is not None else {}
        element_tag = getattr(own, "element_tag", None) or ""
        if isinstance(own, boxes.FootnoteAreaBox):
            notes.update(own.children)
        for structure in build_box_tree(box, parent, pdf, *args):
            if element_tag.endswith("::footnote-call"):
                structure["S"] = "/Reference"
            elif element_tag.endswith("::footnote-marker"):
                structure["S"] = "/Lbl"
            elif element_tag in ("a::before", "a::after") and structure.get("S") == "/Link" \
                    and getattr(own, "link_annotation", None) is None:
                structure["S"] = "/Span"  # a link's generated words with no annotation of their own: no Link of their own
            elif own in notes:
                notes.discard(own)
                structure["S"] = "/Note"
                given = note_ids.setdefault(pdf, set())
                name = own.element.get("id") or f"note-{len(given) + 1}"
                while name in given:  # a note split over two pages: two elements, two ids
                    name += "-continued"
                given.add(name)
                structure["ID"] = pydyf.String(name)
            if getattr(own, "link_annotation", None) is not None:
                _describe_link(own, structure, by_id.get(pdf, {}))
            if structure.get("S") == "/LI":
                _gather_list_body(structure, pdf, args[1])
            yield structure

    def _describe_link(box, structure, elements):
        words = " ".join("".join(box.element.itertext()).split()) if box.element is not None else ""
        if words:
            box.link_annotation["Contents"] = pydyf.String(words)
            return
        target = _link_target_words(box, elements)
        box.link_annotation["Contents"] = pydyf.String(target)
        structure["Alt"] = pydyf.String(target)

    Stream.marked = marked_or_artifact
    painted.draw_page = draw_page_with_furniture
    tags._build_box_tree = build_without_furniture  # the recursion looks the name up in the module
    tags._octavo_furniture = True


def _gather_list_body(item, pdf, nums) -> None:
    """Put what a list item holds besides its label into one `LBody`, as ISO 32000-1's Table
    336 asks (Matterhorn 09-005). WeasyPrint 70 does so for a marker set outside, but with the
    marker inside (right-to-left lists, print.css) the item's first line holds the label and
    its words side by side, and the words became the item's own Spans."""
    import pydyf

    def element(kid):
        return pdf.objects[int(kid.split()[0])] if isinstance(kid, bytes) else None

    kids = list(item["K"])
    if all(element(kid) is not None and element(kid).get("S") in ("/Lbl", "/LBody") for kid in kids):
        return
    body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "K": pydyf.Array([]),
                             "Pg": item["Pg"], "P": item.reference})
    pdf.add_object(body)
    kept = []
    for kid in kids:
        held = element(kid)
        if held is not None and held.get("S") in ("/Lbl", "/LBody"):
            kept.append(kid)
            continue
        if body.reference not in kept:
            kept.append(body.reference)
        body["K"].append(kid)
        if held is not None:
            held["P"] = body.reference
        else:  # a marked-content id the item held itself: the parent tree names its new owner
            nums[kid] = body.reference
    item["K"] = pydyf.Array(kept)


CAPTIONS = {"caption", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6"}


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _link_target_words(box, elements: dict) -> str:
    """What an internal link leads to, in words: its target's text (a table's caption, a
    section's heading), or the address an external one opens."""
    href = (box.element.get("href") or "") if box.element is not None else ""
    if not href.startswith("#"):
        return href or "link"
    target = elements.get(href[1:])
    if target is None:
        return "link"
    caption = next((e for e in target.iter() if _local_name(e.tag) in CAPTIONS), target)
    words = " ".join("".join(caption.itertext()).split())
    return (words[:117] + "…") if len(words) > 120 else (words or "link")


# ------------------------------------------------------------ attachments



def _painting_once() -> None:
    """editions/pdfpaint.py is WeasyPrint's generate_pdf cut in two; nothing to install."""


PATCHES = {patch.name: patch for patch in (
    Patch("footnote area", "weasyprint", ("70.0",), mend_footnote_area),
    Patch("notes stay with their calls", "weasyprint", ("70.0",), keep_notes_with_their_calls),
    Patch("word-break: keep-all", "weasyprint", ("70.0",), keep_words_whole),
    Patch("element languages", "weasyprint", ("70.0",), tag_element_languages),
    Patch("artifacts, notes and links", "weasyprint", ("70.0",), tag_furniture_notes_and_links),
    Patch("painting once", "weasyprint", ("70.0",), _painting_once),
    Patch("deflate level", "pydyf", ("0.13.0",), deflate_at_zlibs_default_level),
    Patch("page references once", "pydyf", ("0.13.0",), page_references_once),
)}
# What a layout needs (layout.lay_out, cover.lay_out_cover) and what writing a PDF needs (editions/pdf.py).
LAYOUT = ("footnote area", "notes stay with their calls", "word-break: keep-all", "deflate level")
TAGGED_PDF = ("page references once", "element languages", "artifacts, notes and links")

"""The PDF editions: one WeasyPrint layout (layout.py), written once per reader.

Three people read the PDF, and each gets an edition from the same layout (so
page numbers agree between them):

- print: for the print shop that trims and binds it. PDF/X-4 (ISO 15930-7)
  with a CMYK output intent, 3 mm bleed, crop marks, TrimBox and BleedBox,
  and no annotations (PDF/X allows none in the printable area). It has a page
  setup of its own (layout.PRINT_SHEET).
- screen: for a reader on screen. Tagged PDF claiming PDF/UA-1 (ISO 14289-1):
  document title displayed, language set, live links, a bookmark per section.
  Named <slug>.pdf: it is the edition most people get.
- archive: for an archivist. PDF/A-3u (ISO 19005-3), tagged as well, with the
  publication's source files attached as associated files (AFRelationship
  /Source), complete XMP metadata and reproducible bytes. It is written from
  the screen edition's layout (layout.TRIMMED): the variant changes what is
  written, not where anything stands.

The recipe for each: take the layout of its page setup, let WeasyPrint write
the PDF, and let a finisher complete the XMP packet WeasyPrint wrote from the
metadata record (metadata.py) before the file is serialised.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from ..layout import PRINT_SHEET, TRIMMED, PageSetup, lay_out
from ..metadata import Record, identifier_uri
from ..render import Rendering

BLEED_MM = 3
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class PdfEdition:
    """One PDF edition: its page setup, what WeasyPrint is asked for, and what the file then claims."""

    name: str
    setup: PageSetup
    variant: str  # WeasyPrint's pdf_variant
    conformance: str  # the identification the XMP packet carries, e.g. "PDF/X-4"
    tagged: bool
    # The profile the pages are painted against where the layout has none (the trimmed page:
    # sRGB), and whether the file declares it as its output intent (PDF/A must; the screen
    # edition is painted alike, so that one painting serves both (pdfpaint.py), but claims none).
    output_intent: str | None = None
    claims_output_intent: bool = True
    annotations: bool = True  # links; the print edition has none
    sources: bool = False  # the publication's source files attached

    def options(self, rendering: Rendering) -> dict:
        """What WeasyPrint is asked for, as `Document.write_pdf` takes it (pdfpaint.pdf_options completes it)."""
        return dict(pdf_variant=self.variant, pdf_tags=self.tagged, output_intent=self.output_intent,
                    pdf_identifier=rendering.record.pdf_id(self.name),
                    attachments=source_attachments(rendering) if self.sources else None)

    def painting(self) -> tuple:
        """The options the painting of the pages depends on (pdfpaint.paint_key)."""
        from . import pdfpaint

        return pdfpaint.paint_key(pdfpaint.pdf_options(
            pdf_variant=self.variant, pdf_tags=self.tagged, output_intent=self.output_intent))


PRINT = PdfEdition("print", PRINT_SHEET, "pdf/x-4", "PDF/X-4", tagged=False, annotations=False)
SCREEN = PdfEdition("screen", TRIMMED, "pdf/ua-1", "PDF/UA-1", tagged=True, output_intent="srgb",
                    claims_output_intent=False)
ARCHIVE = PdfEdition("archive", TRIMMED, "pdf/a-3u", "PDF/A-3U", tagged=True, output_intent="srgb", sources=True)


def write_print(rendering: Rendering, target: Path) -> None:
    write_pdf(rendering, target, PRINT)


def write_screen(rendering: Rendering, target: Path) -> None:
    write_pdf(rendering, target, SCREEN)


def write_archive(rendering: Rendering, target: Path) -> None:
    write_pdf(rendering, target, ARCHIVE)


def write_pdf(rendering: Rendering, target: Path, edition: PdfEdition) -> None:
    """Write the edition to `target` (a temporary path; write.py renames it): from the painting
    of its pages made ahead (paint_ahead) where this process holds one pristine, else the
    ordinary way. Both write the same bytes."""
    from . import pdfpaint

    _page_references_once()
    if edition.tagged:
        _tag_element_languages()
        _tag_furniture_notes_and_links()
    record = rendering.record
    finisher = lambda _, pdf: finish_pdf(pdf, record, edition)  # noqa: E731
    if shares_the_painting(rendering, edition.name):
        pdfpaint.write(rendering.shared[("painted", edition.setup)], target, finisher,
                       pdfpaint.pdf_options(**edition.options(rendering)))
        _warn_of_low_resolution(rendering, target, edition)
        return
    document = _document_to_write(rendering, edition)
    document.write_pdf(str(target), finisher=finisher, **edition.options(rendering))
    _warn_of_low_resolution(rendering, target, edition)


def _warn_of_low_resolution(rendering: Rendering, target: Path, edition: PdfEdition) -> None:
    """The print edition's images under the resolution a print shop asks for: a warning of the
    build (under preflight.MIN_DPI the proof refuses the edition: verify.check_print)."""
    from ..preflight import MIN_DPI, WARN_DPI, low_resolution

    if edition is not PRINT:
        return
    for image in low_resolution(target, WARN_DPI):
        if image.dpi >= MIN_DPI - 0.5:
            rendering.notices.append(f"{rendering.publication.slug}.print.pdf: {image}, under the {WARN_DPI} dpi "
                                     "a print shop asks for: give the figure a larger image")


def _document_to_write(rendering: Rendering, edition: PdfEdition):
    document = lay_out(rendering, edition.setup).pages_copy()
    if edition.output_intent:
        document.output_intent = edition.output_intent
    return document


def shares_the_painting(rendering: Rendering, name: str) -> bool:
    """Whether edition `name` would be finished from the pristine painting this process holds."""
    edition = {e.name: e for e in (PRINT, SCREEN, ARCHIVE)}.get(name)
    painted = rendering.shared.get(("painted", edition.setup)) if edition else None
    return painted is not None and not painted.consumed and painted.key == edition.painting()


def paint_ahead(rendering: Rendering, names: list[str]) -> bool:
    """Paint once the pages the PDF editions `names` share (same page setup, painted alike),
    for each of them to be finished from, each in a process of its own (build.py). False
    (nothing painted) where fewer than two share a painting, or WeasyPrint is not the version
    pdfpaint.py is cut from."""
    from . import pdfpaint

    editions = [e for e in (PRINT, SCREEN, ARCHIVE) if e.name in names]
    if not pdfpaint.supported() or len(editions) < 2:
        return False
    keys = {(e.setup, e.painting()) for e in editions}
    if len(keys) != 1:
        return False
    first = editions[0]
    _page_references_once()
    _tag_element_languages()
    _tag_furniture_notes_and_links()
    rendering.shared[("painted", first.setup)] = pdfpaint.paint(
        _document_to_write(rendering, first), pdfpaint.pdf_options(**first.options(rendering)))
    return True


def _page_references_once() -> None:
    """pydyf 0.13 makes the list of every page's reference each time one is asked for, and
    WeasyPrint 70's tagging asks once for every structure element: a tagged 294-page PDF made
    the list 17,643 times (5 million references, 3.6 s of its 16 s; `make bench`). The list is
    kept with the page count it was made for (pages are only ever added), for the pinned
    version only; the bytes written are the same."""
    import pydyf

    if pydyf.__version__ != "0.13.0" or getattr(pydyf.PDF, "_octavo_page_references", False):
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


def _tag_element_languages() -> None:
    """Give a structure element the /Lang of its HTML element's `lang` (ISO 32000-1, 14.9.2).

    PDF/UA-1 (7.2) asks that text in another language than the document's say so, so
    that a screen reader switches voice for 김준형 or 朱锋. WeasyPrint 70 tags the
    structure but sets /Lang on the catalog only. Its tree builder is wrapped (once, for
    the pinned version): each element built from a box whose own element carries `lang`
    gets that /Lang; the document's root is left to the catalog."""
    import pydyf
    import weasyprint
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    if weasyprint.__version__ != "70.0" or getattr(tags, "_octavo_languages", False):
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


def _tag_furniture_notes_and_links() -> None:
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

    Wrapped once, for the pinned version, as _tag_element_languages is."""
    import contextlib
    import weakref

    import pydyf
    import weasyprint
    from weasyprint import document as painted
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags
    from weasyprint.pdf.stream import Stream

    if weasyprint.__version__ != "70.0" or getattr(tags, "_octavo_furniture", False):
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

MEDIA_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".md": "text/markdown",
               ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
               ".gif": "image/gif", ".webp": "image/webp",
               # A bibliography and a citation style: freedesktop.org's type for BibTeX (IANA has
               # none), IANA's for CSL (vnd.citationstyles); "octet-stream" tells an archivist nothing.
               ".bib": "text/x-bibtex", ".csl": "application/vnd.citationstyles.style+xml",
               ".json": "application/vnd.citationstyles.csl+json"}


def source_attachments(rendering: Rendering) -> list:
    """The source files as PDF/A-3 associated files (ISO 19005-3, 6.8), relationship /Source.

    Each goes in as a data: URL so its media type is ours (RFC 9512 for YAML,
    RFC 7763 for Markdown), not the guess of the machine's mime.types, and its
    dates are the content's, so the archive's bytes do not depend on the machine.
    """
    from weasyprint import Attachment
    from weasyprint.urls import URLFetcher

    stamp = dt.datetime.combine(rendering.record.date, dt.time())
    attachments = []
    for name, path in rendering.document.sources:
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        data = base64.b64encode(rendering.document.files[path]).decode("ascii")
        attachments.append(Attachment(
            url=f"data:{media_type};base64,{data}", url_fetcher=URLFetcher(), name=name,
            description=f"Source of this publication: content/{name}", created=stamp, modified=stamp,
            relationship="Source"))
    return attachments


# ------------------------------------------------------------------ XMP

XMP_NS = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
          "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
          "xmpMM": "http://ns.adobe.com/xap/1.0/mm/", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/"}


def finish_pdf(pdf, record: Record, edition: PdfEdition) -> None:
    """WeasyPrint's finisher hook: runs on the pydyf PDF before it is serialised."""
    for page in pdf.objects:
        if not (isinstance(page, dict) and page.get("Type") == "/Page"):
            continue
        if not edition.annotations:
            page.pop("Annots", None)
        if edition.setup.sheet:
            # WeasyPrint puts the BleedBox at most 10 pt beyond the TrimBox;
            # the bleed is 3 mm (ISO 15930-7 wants TrimBox inside BleedBox inside MediaBox).
            left, bottom, right, top = (float(v) for v in page["TrimBox"])
            b = BLEED_MM * PT_PER_MM
            page["BleedBox"] = type(page["TrimBox"])([left - b, bottom - b, right + b, top + b])
    _images_not_interpolated(pdf)
    if edition.setup.sheet:
        _black_marks_in_cmyk(pdf)
        _images_in_srgb(pdf)
    if not edition.claims_output_intent:
        # Painted against sRGB like the archive edition (one painting serves both), but a
        # screen PDF declares no output intent: WeasyPrint would call it GTS_PDFX.
        pdf.catalog.pop("OutputIntents", None)
    if "AF" in pdf.catalog:
        # WeasyPrint 70 lists each associated file twice in the catalog's /AF
        # (once from the EmbeddedFiles name tree, once from the file
        # specifications); each file needs listing once (ISO 32000-2, 14.13).
        pdf.catalog["AF"] = type(pdf.catalog["AF"])(dict.fromkeys(pdf.catalog["AF"]))
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        raise RenderError(f"WeasyPrint wrote no XMP metadata for the {edition.name} edition")
    number = reference.decode() if isinstance(reference, bytes) else str(reference)  # pydyf: b"12 0 R"
    stream = pdf.objects[int(number.split()[0])]
    stream.stream = [complete_xmp(b"".join(stream.stream), record, edition)]
    # Uncompressed, as XMP (ISO 16684-1, 7.3) asks, so that a tool that scans the bytes finds
    # the packet; PDF/A-1 requires it, and a PDF/A-3 checker (page-validation) refused the filter.
    stream.compress = False


def _images_not_interpolated(pdf) -> None:
    """Every image with /Interpolate false: WeasyPrint asks viewers to smooth an image
    (`image-rendering: auto`), which PDF/A forbids (ISO 19005-2 and -3, 6.2.8: an archive
    must look the same in every viewer), so every paper with a figure had an archive edition
    that was not PDF/A (issue 24). The other editions are painted alike; their images are at
    print resolution, where smoothing changes nothing a reader sees."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if isinstance(extra, dict) and extra.get("Subtype") == "/Image" and "Interpolate" in extra:
            extra["Interpolate"] = "false"


# WeasyPrint draws its crop marks as an SVG in plain RGB black; under a CMYK
# output intent PDF/X-4 allows no device RGB (ISO 15930-7, 6.2.4), and the
# stylesheet gives the print edition device-cmyk() colours for everything
# else. Black is black in either space: K = 1.
RGB_BLACK = {b"0 0 0 RG": b"0 0 0 1 K", b"0 0 0 rg": b"0 0 0 1 k"}


def _black_marks_in_cmyk(pdf) -> None:
    import pydyf

    for item in pdf.objects:
        if isinstance(item, pydyf.Stream):
            item.stream = [RGB_BLACK.get(chunk, chunk) if isinstance(chunk, bytes) else chunk
                           for chunk in item.stream]


def _images_in_srgb(pdf) -> None:
    """Declare RGB images as sRGB (ICCBased), what an untagged PNG or JPEG means:
    device-independent colour, which PDF/X-4 allows and the RIP converts to the
    output intent; device RGB it does not allow (ISO 15930-7, 6.2.4)."""
    from importlib.resources import files

    import pydyf

    images = [item for item in pdf.objects if isinstance(item, pydyf.Stream)
              and item.extra.get("Subtype") == "/Image" and item.extra.get("ColorSpace") == "/DeviceRGB"]
    if not images:
        return
    profile = pydyf.Stream([(files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()], pydyf.Dictionary({"N": 3}),
                           compress=True)
    pdf.add_object(profile)
    for image in images:
        image.extra["ColorSpace"] = pydyf.Array(("/ICCBased", profile.reference))


def complete_xmp(packet: bytes, record: Record, edition: PdfEdition) -> bytes:
    """The XMP view of the metadata record: what WeasyPrint's packet lacks (rights,
    date, publisher, language, identifiers, editors), and a stable DocumentID in
    place of its random one.

    Only properties of the schemas XMP itself defines (Dublin Core, XMP Basic,
    XMP Rights, XMP Media Management) are used: PDF/A-3 needs no extension
    schema description for them (ISO 19005-3, 6.6.2.3).
    """
    from lxml import etree

    start, end = packet.index(b"<x:xmpmeta"), packet.rindex(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    meta = etree.fromstring(packet[start:end])
    rdf = meta.find("rdf:RDF", XMP_NS)
    for old in rdf.iterfind(".//xmpMM:DocumentID", XMP_NS):
        old.getparent().remove(old)

    def q(name):
        prefix, local = name.split(":")
        return f"{{{XMP_NS[prefix]}}}{local}"

    description = etree.SubElement(rdf, q("rdf:Description"), nsmap={k: v for k, v in XMP_NS.items() if k != "x"})
    description.set(q("rdf:about"), "")

    def container(name, kind, values, lang=False):
        element = etree.SubElement(etree.SubElement(description, q(name)), q(f"rdf:{kind}"))
        for value in values:
            item = etree.SubElement(element, q("rdf:li"))
            if lang:
                item.set("{http://www.w3.org/XML/1998/namespace}lang", "x-default")
            item.text = value

    def simple(name, value):
        etree.SubElement(description, q(name)).text = value

    container("dc:rights", "Alt", [record.rights_statement], lang=True)
    container("dc:date", "Seq", [record.date.isoformat()])
    container("dc:publisher", "Bag", [record.publisher])
    container("dc:language", "Bag", [record.language])
    if record.editors or record.translators:
        container("dc:contributor", "Bag", [c.name for c in record.editors + record.translators])
    container("dc:type", "Bag", ["Text"])
    simple("dc:format", "application/pdf")
    own = record.identifier_for(edition.name)
    simple("dc:identifier", own)
    container("xmp:Identifier", "Bag", [own] + [
        f"{scheme}:{value}" for scheme, value in sorted(record.identifiers.items())
        if scheme in ("doi", "url") or identifier_uri(scheme, value) == own])
    relations = record.relations(edition.name)
    if relations:  # the same work in its other formats: a catalogue joins them by these
        container("dc:relation", "Bag", list(relations))
    simple("xmpRights:Marked", "True")
    container("xmpRights:Owner", "Bag", [record.rights_holder])
    if record.website:
        simple("xmpRights:WebStatement", record.website)
    simple("xmpMM:DocumentID", f"uuid:{record.stable_uuid()}")
    simple("xmpMM:InstanceID", f"uuid:{record.stable_uuid(edition.name)}")
    body = etree.tostring(meta, encoding="utf-8")
    return packet[:start] + body + packet[end:]

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

from .. import patches
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

    patches.install(*(patches.TAGGED_PDF if edition.tagged else ("page references once",)))
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
    patches.install(*patches.TAGGED_PDF)
    rendering.shared[("painted", first.setup)] = pdfpaint.paint(
        _document_to_write(rendering, first), pdfpaint.pdf_options(**first.options(rendering)))
    return True


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
    # A corrected version is another instance of the same document (XMP Part 1, 8.2.2.7), and
    # says its version; the first keeps the identity it was published with.
    version = f" version {record.version}" if record.version > 1 else ""
    simple("xmpMM:InstanceID", f"uuid:{record.stable_uuid(edition.name + version)}")
    simple("xmpMM:VersionID", str(record.version))
    body = etree.tostring(meta, encoding="utf-8")
    return packet[:start] + body + packet[end:]

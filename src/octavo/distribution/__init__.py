"""Distribution metadata: the publication described for those who sell, catalogue and cite it.

    build/<slug>.onix.xml       ONIX for Books 3.0: the print book and the e-book, for retailers and aggregators
    build/<slug>.marc.xml       MARC 21 as MARCXML: a record per format, for library catalogues
    build/<slug>.crossref.xml   a Crossref deposit (report-paper), for the DOI registration agency

Each is a view of the one metadata record (metadata.Record), like the PDFs'
XMP and the EPUB's package metadata. `octavo archive` writes them into the
bag (data/metadata/) and, the same bytes, into build/ (archive.py): it has
just built every edition, so the print edition's page count is at hand.
What a format cannot say without a missing identifier is left out with a
note (a product without its ISBN, a deposit without a DOI); the book still
builds. docs/distribution.md says who takes which file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..editions import edition_for_file
from ..metadata import Record
from ..write import publish, temporary_beside


@dataclass(frozen=True)
class DistributionFormat:
    name: str
    suffix: str  # build/<slug><suffix>
    bag_name: str  # data/metadata/<bag_name> in the bag
    summary: str
    make: Callable[[Record, int | None], tuple[bytes | None, list[str]]]  # (record, print pages)


def _onix(record: Record, print_pages: int | None):
    from .onix import onix_message
    return onix_message(record, print_pages)


def _marc(record: Record, print_pages: int | None):
    from .marc import marc_collection
    return marc_collection(record, print_pages), []


def _crossref(record: Record, print_pages: int | None):
    from .crossref import crossref_deposit
    return crossref_deposit(record)


FORMATS: tuple[DistributionFormat, ...] = (
    DistributionFormat("onix", ".onix.xml", "onix.xml", "ONIX for Books 3.0 product records", _onix),
    DistributionFormat("marc", ".marc.xml", "marc.xml", "MARC 21 records (MARCXML)", _marc),
    DistributionFormat("crossref", ".crossref.xml", "crossref.xml", "Crossref deposit (schema 5.3.1)", _crossref),
)


@dataclass
class DistributionFile:
    format: DistributionFormat
    content: bytes | None  # None: this publication cannot have the file (the notes say why)
    notes: list[str] = field(default_factory=list)


def distribution_files(record: Record, print_pages: int | None) -> list[DistributionFile]:
    files = []
    for fmt in FORMATS:
        content, notes = fmt.make(record, print_pages)
        files.append(DistributionFile(fmt, content, list(notes)))
    return files


def print_page_count(outputs: list[Path]) -> int | None:
    """The number of pages of the print edition, if it is among the built files (PDFium counts them)."""
    import pypdfium2

    path = next((p for p in outputs if (e := edition_for_file(p)) and e.name == "print" and p.is_file()), None)
    if path is None:
        return None
    pdf = pypdfium2.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def publish_distribution_files(files: list[DistributionFile], out_dir: Path, slug: str) -> list[Path]:
    """Write each file to build/<slug><suffix> whole or not at all (write.py); remove the file of a
    format this publication no longer has (a DOI taken out), which would speak for metadata that is gone."""
    written = []
    for made in files:
        final = Path(out_dir) / f"{slug}{made.format.suffix}"
        if made.content is None:
            final.unlink(missing_ok=True)
            continue
        with temporary_beside(final) as temporary:
            temporary.write_bytes(made.content)
            publish(temporary, final)
        written.append(final)
    return written

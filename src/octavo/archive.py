"""The archival package: every edition, the sources and a Dublin Core record in a BagIt bag.

An archivist receiving a publication wants one thing that says what it holds
and lets them check, now and in thirty years, that not a byte has changed:
a BagIt bag (RFC 8493) made with the Library of Congress's `bagit` library.

    build/<slug>.bag/
      bagit.txt, bag-info.txt            the bag's declaration and who made it
      manifest-sha256.txt                a SHA-256 checksum for every payload file
      tagmanifest-sha256.txt             ... and for the files above
      data/editions/<slug>.pdf, ...      every edition, built and proven afresh
      data/source/publisher.yaml, ...    the content it was built from, as in content/
      data/metadata/dublin-core.xml      the record (OAI-PMH's oai_dc, simple Dublin Core)

The bag is assembled in a temporary folder beside its final place and renamed
into place whole, like every edition (write.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from .errors import OctavoError
from .model import Publication

CHECKSUMS = ["sha256"]
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


class BagError(OctavoError):
    """A bag that does not validate: files missing, added or changed since it was made."""

    exit_code = 4


def bag_path(out_dir: Path, slug: str) -> Path:
    return Path(out_dir) / f"{slug}.bag"


def write_bag(folder: Path, out_dir: Path, templates: Path | None = None) -> Path:
    """Build and prove every edition of the publication in `folder`, and bag them with its sources."""
    import bagit

    from .build import EDITIONS, build_publication
    from .pdf import source_files

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".bag.", dir=out_dir))
    try:
        editions = staging / "editions"
        result = build_publication(folder, editions, templates, editions=tuple(EDITIONS))
        publication = result.publication
        for name, path in source_files(publication):
            target = staging / "source" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        (staging / "metadata").mkdir()
        (staging / "metadata" / "dublin-core.xml").write_bytes(dublin_core(publication, result.outputs))
        logging.getLogger("bagit").setLevel(logging.WARNING)
        bagit.make_bag(str(staging), bag_info=_bag_info(publication), checksums=CHECKSUMS)
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; a bag is an ordinary folder
        final = bag_path(out_dir, publication.slug)
        _replace_dir(staging, final)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _bag_info(publication: Publication) -> dict[str, str]:
    """bag-info.txt's reserved elements (RFC 8493, 2.2.2)."""
    info = {
        "Source-Organization": publication.publisher.name,
        "Organization-Address": publication.publisher.place,
        "External-Identifier": publication.identifier,
        "External-Description": f"{publication.full_title} ({publication.date.isoformat()}): "
                                f"every edition, the source files and a Dublin Core record",
        "Internal-Sender-Identifier": publication.slug,
    }
    if publication.publisher.website:
        info["Contact-Website"] = publication.publisher.website
    return info


def _replace_dir(new: Path, final: Path) -> None:
    """Put the new bag in place; the old one, if any, goes only once the new one is there."""
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def dublin_core(publication: Publication, editions: list[Path]) -> bytes:
    """The publication as a simple Dublin Core record (the oai_dc container of OAI-PMH 2.0)."""
    from lxml import etree

    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def add(name: str, text: str, lang: bool = False) -> None:
        element = etree.SubElement(root, f"{{{DC}}}{name}")
        element.text = text
        if lang:
            element.set("{http://www.w3.org/XML/1998/namespace}lang", publication.language)

    from .render import description

    add("title", publication.full_title, lang=True)
    for c in publication.authors:
        add("creator", c.name)
    for c in publication.editors:
        add("contributor", c.name)
    add("publisher", publication.publisher.name)
    add("date", publication.date.isoformat())
    add("language", publication.language)
    add("rights", f"{publication.rights}. All rights reserved.", lang=True)
    add("description", description(publication), lang=True)
    add("identifier", publication.identifier)
    for scheme, value in sorted(publication.identifiers.items()):
        add("identifier", f"{scheme}:{value}")
    if publication.series:
        add("relation", f"Series: {publication.series.name}")
    add("type", "Text")
    for path in editions:
        add("format", "application/epub+zip" if path.suffix == ".epub" else "application/pdf")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def verify_bag(path: Path) -> str:
    """Validate a bag: every file present, none added, every SHA-256 checksum matching.

    Returns a one-line summary; raises BagError naming every problem otherwise.
    """
    import bagit

    path = Path(path)
    if not (path / "bagit.txt").is_file():
        raise BagError(f"{path}: not a BagIt bag (no bagit.txt); make one with 'octavo archive'")
    logging.getLogger("bagit").setLevel(logging.ERROR)
    bag = None
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except bagit.BagValidationError as exc:
        details = [f"  {d}" for d in getattr(exc, "details", [])] or [f"  {exc.message}"]
        # bagit stops at a wrong Payload-Oxum (file count and size) without naming the files.
        missing, unexpected = bag.compare_manifests_with_fs() if bag is not None else ((), ())
        details += [f"  {name} is listed in the manifest but missing" for name in sorted(missing)]
        details += [f"  {name} is in the bag but not in the manifest" for name in sorted(unexpected)]
        raise BagError("\n".join([f"{path}: the bag does not validate:", *details])) from None
    except bagit.BagError as exc:
        raise BagError(f"{path}: the bag cannot be read: {exc}") from None
    files = len(list(bag.payload_files()))
    return f"{path}: valid bag, {files} payload files, every SHA-256 checksum matches"

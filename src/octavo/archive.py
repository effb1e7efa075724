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
      data/metadata/onix.xml, marc.xml,  the distribution metadata (distribution/): ONIX 3.0,
        crossref.xml                     MARCXML, a Crossref deposit, each where it can be made
      data/metadata/formats.csv          each file's PRONOM format (identify_formats)

The bag is assembled in a temporary folder beside its final place and renamed
into place whole, like every edition (write.py). The distribution files are
also written to build/<slug>.onix.xml, .marc.xml and .crossref.xml, the same
bytes, for whoever sends them on.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .editions import EDITIONS, edition_for_file
from .errors import EXIT_PROOF, OctavoError
from .metadata import Record, identifier_uri

CHECKSUMS = ["sha256"]
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


class BagError(OctavoError):
    """A bag that does not validate: files missing, added or changed since it was made."""

    exit_code = EXIT_PROOF


def bag_path(out_dir: Path, slug: str) -> Path:
    return Path(out_dir) / f"{slug}.bag"


@dataclass
class Assembled:
    """What `assemble` wrote: the publication, its record, the build and its distribution files."""

    publication: object
    record: Record
    result: object  # build.BuildResult
    distribution: list


def assemble(folder: Path, staging: Path, templates: Path | None = None,
             warn: Callable[[str], None] | None = None, strict: bool = False) -> Assembled:
    """Build and prove every edition of the publication in `folder` into staging/editions/, copy
    the sources it was made from into staging/source/ and write its metadata records into
    staging/metadata/: a bag's payload, and a released version's content (release.py)."""
    from .build import build_publication
    from .distribution import distribution_files, print_page_count

    result = build_publication(folder, staging / "editions", templates, editions=tuple(EDITIONS), strict=strict)
    publication, record = result.publication, result.record
    # An archivist's bag is made once and kept: what the build warned of is said here too.
    for message in [*map(str, publication.warnings), *(f"{folder}: {n}" for n in result.notices)]:
        (warn or logging.getLogger("octavo").warning)(message)
    for name, path in result.document.sources:  # the bytes the editions were made from
        target = staging / "source" / name
        if not target.resolve().is_relative_to((staging / "source").resolve()):
            raise OctavoError(f"{path}: a source would be written outside the bag ({name}); "
                              "keep every file inside the publication folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(result.document.files[path])
    (staging / "metadata").mkdir()
    (staging / "metadata" / "dublin-core.xml").write_bytes(dublin_core(record, result.outputs))
    distribution = distribution_files(record, print_page_count(result.outputs))
    for made in distribution:
        if made.content is not None:
            (staging / "metadata" / made.format.bag_name).write_bytes(made.content)
    (staging / "metadata" / FORMATS_FILE).write_bytes(formats_table(staging))
    return Assembled(publication, record, result, distribution)


# Each payload file's format as the archive's registry names it (PRONOM, The National Archives'):
# what an archivist's ingest asks first, recorded in the bag and in each released version.
FORMATS_FILE = "formats.csv"
FORMATS_HEADER = ("file", "puid", "format", "version", "media type", "identified by")


def identify_formats(files: list[Path]) -> dict[Path, tuple[str, str, str, str, str]]:
    """Each file's PRONOM identification by fido (the Open Preservation Foundation's format
    identifier, PRONOM's signatures): {file: (PUID, name, version, media type, method)}; a file
    it cannot identify is ("", …). The whole file is matched, not only its first and last
    128 kB: a PDF/A's identifying XMP may stand anywhere (PRONOM's signature is "variable")."""
    import csv
    import io
    import subprocess
    import sys

    if not files:
        return {}
    largest = max(path.stat().st_size for path in files)
    done = subprocess.run([sys.executable, "-m", "fido.fido", "-q", "-nocontainer", "-bufsize", str(largest + 1),
                           *map(str, files)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise OctavoError(f"fido could not identify the files' formats: {done.stderr.strip()[-300:]}")
    found = {}
    for row in csv.reader(io.StringIO(done.stdout)):
        if len(row) >= 9 and row[0] in ("OK", "KO"):
            path = Path(row[6])
            found[path] = (row[2], row[3], row[4], row[7], row[8]) if row[0] == "OK" else ("", "", "", "", "")
    return found


def formats_table(root: Path) -> bytes:
    """formats.csv: every file under `root`, by its path there, with its PRONOM identification."""
    import csv
    import io

    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != FORMATS_FILE)
    found = identify_formats(files)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FORMATS_HEADER)
    for path in files:
        puid, name, version, media_type, method = found.get(path, ("", "", "", "", ""))
        writer.writerow((path.relative_to(root).as_posix(), puid, name, version if version != "None" else "",
                         media_type if media_type != "None" else "", method))
    return out.getvalue().encode("utf-8")


# bag-info.txt's record of what the bag was made from (catalog.inputs: the sources, the house
# file and style, the templates, Octavo's code and packages): a bag made from the same inputs is
# not made again (`octavo archive --force` makes it anyway).
INPUTS_TAG = "Octavo-Inputs-Digest"


def write_bag(folder: Path, out_dir: Path, templates: Path | None = None,
              note: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None,
              strict: bool = False, force: bool = False) -> Path:
    """The bag of the publication in `folder` (archive_publication), made if it must be."""
    return archive_publication(folder, out_dir, templates, note, warn, strict, force)[0]


def archive_publication(folder: Path, out_dir: Path, templates: Path | None = None,
                        note: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None,
                        strict: bool = False, force: bool = False) -> tuple[Path, bool]:
    """Build and prove every edition of the publication in `folder`, and bag them with its sources
    and its metadata records; write the distribution files to `out_dir` too. What a distribution
    file had to leave out (an ISBN or a DOI not given) is told to `note`; the content's warnings
    and the editions' (as `octavo build` prints them) to `warn`. With `strict`, a warning is an
    error and nothing is bagged, as with `octavo build --strict`. A bag already made from the
    same inputs, whole, with its distribution files beside it, is left as it is (bag_unchanged)
    unless `force`. Returns the bag and whether it was made now."""
    import bagit

    from .catalog import digest_of, inputs
    from .distribution import publish_distribution_files

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir)
    digest = digest_of(inputs(folder, templates, tuple(EDITIONS)))
    if not force and not strict and bag_unchanged(bag_path(out_dir, Path(folder).name), digest):
        return bag_path(out_dir, Path(folder).name), False
    staging = Path(tempfile.mkdtemp(prefix=f".bag.{os.getpid()}.", dir=out_dir))
    try:
        made = assemble(folder, staging, templates, warn, strict)
        publication, record, distribution = made.publication, made.record, made.distribution
        logging.getLogger("bagit").setLevel(logging.WARNING)
        info = {**_bag_info(record, publication.slug), INPUTS_TAG: digest}
        bagit.make_bag(str(staging), bag_info=info, checksums=CHECKSUMS)
        _declare_rfc_8493(staging)
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; a bag is an ordinary folder
        final = bag_path(out_dir, publication.slug)
        _replace_dir(staging, final)
        publish_distribution_files(distribution, out_dir, publication.slug)
        for message in (m for made in distribution for m in made.notes):
            (note or logging.getLogger("octavo").warning)(message)
        return final, True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def bag_unchanged(bag: Path, digest: str) -> bool:
    """Whether the bag at `bag` was made from the inputs `digest` names, validates (every
    checksum), and its distribution files stand beside it in build/ with the same bytes."""
    import bagit

    from .distribution import FORMATS

    info = bag / "bag-info.txt"
    if not info.is_file() or f"{INPUTS_TAG}: {digest}" not in info.read_text(encoding="utf-8").splitlines():
        return False
    logging.getLogger("bagit").setLevel(logging.ERROR)
    try:
        if _not_regular_files(bag) or not bagit.Bag(str(bag)).is_valid():
            return False
    except bagit.BagError:
        return False
    slug = bag.name.removesuffix(".bag")
    for made in FORMATS:
        inside, beside = bag / "data" / "metadata" / made.bag_name, bag.parent / f"{slug}{made.suffix}"
        if inside.is_file() != beside.is_file() or (inside.is_file() and inside.read_bytes() != beside.read_bytes()):
            return False
    return True


def _bag_info(record: Record, slug: str) -> dict[str, str]:
    """bag-info.txt's reserved elements (RFC 8493, 2.2.2): a view of the metadata record."""
    info = {
        "Source-Organization": record.publisher,
        "Organization-Address": record.publisher_place,
        "External-Identifier": record.identifier,
        "External-Description": f"{record.full_title} ({record.date.isoformat()}): "
                                f"every edition, the source files and its metadata records",
        "Internal-Sender-Identifier": slug,
    }
    if record.website:
        info["Contact-Website"] = record.website
    return info


def _replace_dir(new: Path, final: Path) -> None:
    """Put the new bag in place in one step: the two folders are exchanged (Linux renameat2,
    RENAME_EXCHANGE), so at every moment final/ is the old bag or the new one, whole. Where the
    filesystem cannot exchange, the old bag is moved aside first and put back by the next run
    if it was killed in between (remove_stale_staging)."""
    if final.exists() and _exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # it now holds the old bag
        return
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def _exchange(one: Path, other: Path) -> bool:
    """Swap two paths atomically with renameat2(2); False where the system cannot."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(AT_FDCWD, os.fsencode(one), AT_FDCWD, os.fsencode(other), RENAME_EXCHANGE)
    return done == 0


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """What a killed `octavo archive` left: its staging folders (.bag.<pid>.*, the process gone) are
    removed, and a bag moved aside (.<slug>.bag.old) whose place is empty is put back."""
    from .write import process_alive

    removed = []
    for staging in Path(out_dir).glob(".bag.*"):
        pid = staging.name.split(".")[2] if staging.name.count(".") >= 3 else ""
        if staging.is_dir() and (not pid.isdigit() or not process_alive(int(pid))):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    for old in Path(out_dir).glob(".*.bag.old"):
        final = old.with_name(old.name[1:-len(".old")])
        if not final.exists():
            os.replace(old, final)
    return removed


def dublin_core(record: Record, editions: list[Path]) -> bytes:
    """The Dublin Core view of the metadata record (the oai_dc container of OAI-PMH 2.0)."""
    from lxml import etree

    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def add(name: str, text: str, lang: bool = False) -> None:
        element = etree.SubElement(root, f"{{{DC}}}{name}")
        element.text = text
        if lang:
            element.set("{http://www.w3.org/XML/1998/namespace}lang", record.language)

    add("title", record.full_title, lang=True)
    for c in record.creators:
        add("creator", c.name)
    for c in record.editors + record.translators:
        add("contributor", c.name)
    if record.translation_of and record.translation_of.identifier:
        add("relation", record.translation_of.identifier)  # the original this translates
    add("publisher", record.publisher)
    add("date", record.date.isoformat())
    add("language", record.language)
    add("rights", record.rights_statement, lang=True)
    add("description", record.description, lang=True)
    # The publication's identifier is often one of its identifiers (the DOI's URI): each once.
    identifiers = [record.identifier] + [identifier_uri(s, v) for s, v in sorted(record.identifiers.items())]
    for identifier in dict.fromkeys(identifiers):
        add("identifier", identifier)
    if record.series:
        add("relation", f"Series: {record.series}")  # name, kind and number: "Energy Papers Policy Brief No. 7"
    add("type", "Text")
    for media_type in dict.fromkeys(edition_for_file(path).media_type for path in editions):
        add("format", media_type)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _not_regular_files(bag: Path) -> list[str]:
    found = []
    for directory, subdirs, names in os.walk(bag):  # os.walk does not follow links to folders
        for name in names + [d for d in subdirs if os.path.islink(os.path.join(directory, d))]:
            full = os.path.join(directory, name)
            mode = os.lstat(full).st_mode
            if not stat.S_ISREG(mode):
                kind = "a link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a file"
                found.append(f"{os.path.relpath(full, bag)} ({kind})")
    return sorted(found)


def verify_bag(path: Path) -> str:
    """Validate a bag: every file present, none added, every SHA-256 checksum matching.

    Returns a one-line summary; raises BagError naming every problem otherwise.
    """
    import bagit

    path = Path(path)
    if not (path / "bagit.txt").is_file():
        raise BagError(f"{path}: not a BagIt bag (no bagit.txt); make one with 'octavo archive'")
    strange = _not_regular_files(path)
    if strange:  # a FIFO would block the checksum forever; a link could lead out of the bag
        raise BagError("\n".join([f"{path}: the bag holds what is not a regular file:",
                                   *(f"  {name}" for name in strange)]))
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


BAGIT_DECLARATION = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _declare_rfc_8493(bag: Path) -> None:
    """The bag declared as RFC 8493's BagIt 1.0. The bagit library (1.8) writes the draft's
    0.97, whose bags are laid out the same; an archive's checker reads the version first. The
    tag manifests are made again, since they hold bagit.txt's checksum."""
    import bagit

    (bag / "bagit.txt").write_text(BAGIT_DECLARATION, encoding="utf-8")
    for algorithm in CHECKSUMS:
        # An absolute path: bagit joins the folder to a name that already holds it, which a
        # relative folder (`octavo archive` writing to build/, as `make` runs it) doubles.
        bagit._make_tagmanifest_file(algorithm, str(Path(bag).resolve()))

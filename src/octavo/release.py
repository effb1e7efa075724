"""A published version kept for good: `octavo release <slug>` (issue 24).

`octavo build` and `octavo archive` make what the content says now, and overwrite what they made
before. A release freezes what was built and proven as version N of the paper (publication.yaml's
`version:`), in an Oxford Common File Layout 1.1 object, beside the bag:

    build/<slug>.ocfl/
      0=ocfl_object_1.1, inventory.json(.sha512)   the object: every version's files and SHA-512s
      v1/content/editions/…, source/…, metadata/…  version 1 as released: the bag's payload
      v2/content/…                                  version 2: only what changed is stored again

A version once released is never rewritten: OCFL adds a directory for each version and never
touches an earlier one, and this module only ever adds the next. Releasing a version again
rebuilds it and compares: the same bytes, or a refusal naming each file that differs (a change
makes a new version, recorded under `corrections:`). The object is written with ocfl-py, the
OCFL editors' own implementation, into a copy that is validated and then exchanged with the old
one in one step (archive._replace_dir): a release killed half way leaves the object as it was.
`octavo archive --verify build/<slug>.ocfl` checks every version's fixity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_PROOF, ContentError, OctavoError, Problem
from .model import PUBLICATION_FILE, load_publication

OCFL_DECLARATION = "0=ocfl_object_1.1"


class ReleaseError(OctavoError):
    """A released version that cannot be kept as it is: rebuilt, its bytes differ; or an object
    that does not validate."""

    exit_code = EXIT_PROOF


@dataclass(frozen=True)
class Released:
    path: Path  # the OCFL object
    version: int
    new: bool  # False: the version was there, and rebuilt to the same bytes
    files: int


def object_path(out_dir: Path, slug: str) -> Path:
    return Path(out_dir) / f"{slug}.ocfl"


def released(obj: Path) -> dict[int, dict[str, str]]:
    """Each version the object holds: its number -> {file: SHA-512}, from its inventory."""
    if not (obj / "inventory.json").is_file():
        return {}
    inventory = json.loads((obj / "inventory.json").read_text(encoding="utf-8"))
    return {int(name[1:]): {path: digest for digest, paths in version["state"].items() for path in paths}
            for name, version in inventory["versions"].items()}


def release(folder: Path, out_dir: Path, templates: Path | None = None, warn=None, strict: bool = False,
            silent: bool = False) -> Released:
    """Release the publication in `folder` as its `version:`, into out_dir/<slug>.ocfl. A new
    version whose changes no correction of it names is refused unless `silent` (--no-notice)."""
    from .archive import _replace_dir, assemble

    publication = load_publication(folder)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    obj = object_path(out_dir, publication.slug)
    _put_back(obj)
    versions = released(obj)
    number, last = publication.version, max(versions, default=0)
    _check_sequence(publication, number, last)
    if number == last + 1 and last and not silent:
        for message in _check_declared(publication, obj, last):
            (warn or logging.getLogger("octavo").warning)(message)
    staging = Path(tempfile.mkdtemp(prefix=f".release.{os.getpid()}.", dir=out_dir))
    try:
        payload = staging / "payload"
        made = assemble(folder, payload, templates, warn, strict)
        digests = {path.relative_to(payload).as_posix(): _sha512(path)
                   for path in sorted(payload.rglob("*")) if path.is_file()}
        if number <= last:
            _same_or_refuse(publication, number, digests, versions[number])
            return Released(obj, number, False, len(digests))
        work = staging / "object"
        metadata = _version_metadata(made.publication, made.record, number)
        _quietly_write(obj, work, payload, made.record.identifier, metadata)
        _replace_dir(work, obj)
        return Released(obj, number, True, len(digests))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_sequence(publication, number: int, last: int) -> None:
    """Version N goes out after N - 1: none is skipped. (A paper published before this archive
    held it starts at its first version, rebuilt from the content of that version.)"""
    if number <= last + 1:
        return
    where = publication.folder / PUBLICATION_FILE
    held = f"holds versions 1 to {last}" if last else "holds no version of it"
    raise ContentError([Problem(_location(where, "version:"), f"version {number} cannot be released: the archive "
                                f"{held}", f"release version {last + 1} first: each version is kept, in turn")])


def _check_declared(publication, obj: Path, last: int) -> list[str]:
    """Every section the new version changes (diff.compare, block by block, from the last
    released version) is named by one of its corrections, or one of them names no section: a
    reader of the new version is told of each change. Returns what to warn of: a correction
    that names a section in which nothing but its own notice changed."""
    from .diff import compare, version_folder

    mine = [c for c in publication.corrections if c.version == publication.version]
    where = publication.folder / PUBLICATION_FILE
    scratch = Path(tempfile.mkdtemp(prefix="octavo-release-"))
    try:
        before = version_folder(obj, last, scratch)
        _keep_released_versions(publication, load_publication(before), last, where)
        changes = compare(before, publication.folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    changed = {c.section_id for c in changes if not c.where.startswith(f"{PUBLICATION_FILE}:")}  # not a notice
    files = {s.id: s.path.relative_to(publication.folder).as_posix() for s in publication.sections}
    idle = [f"{publication.slug}: the correction of {c.date} names the section '{files.get(c.section, c.section)}', in "
            f"which nothing changed from version {last} but its notice" for c in mine
            if c.section and c.section not in changed]
    if any(c.section is None for c in mine):
        return idle  # a correction of the whole paper covers every change
    named = {c.section for c in mine}
    undeclared = [c for c in changes if c.section_id not in named]
    if not undeclared:
        return idle
    sections = ", ".join(dict.fromkeys(f"'{c.section}'" for c in undeclared))
    raise ContentError([Problem(_location(where, "corrections:") if mine else _location(where, "version:"),
                                f"version {publication.version} changes {sections} from version {last}, and no "
                                f"correction of version {publication.version} says so: "
                                + "; ".join(str(c).strip() for c in undeclared[:5]),
                                "add a correction with the section under 'corrections:' (octavo diff shows every "
                                "change), or release with --no-notice for a change the house does not record")])


def _keep_released_versions(publication, released_one, last: int, where: Path) -> None:
    """A correction released in an earlier version keeps the version it was published with: its
    notice in every edition says "version 2", and an archived version 3 may not say otherwise."""
    then = {(c.date, c.text): c.version for c in released_one.corrections}
    moved = [(c, then[c.date, c.text]) for c in publication.corrections
             if (c.date, c.text) in then and then[c.date, c.text] != c.version]
    if moved:
        raise ContentError([Problem(c.location or _location(where, "corrections:"),
                                    f"the correction of {c.date} was released in version {was} (version {last} is "
                                    f"the last released), and now says version {c.version}",
                                    f"give it 'version: {was}' again: its notice was published so") for c, was in moved])


def _same_or_refuse(publication, number: int, now: dict[str, str], then: dict[str, str]) -> None:
    differ = sorted(path for path in now.keys() & then.keys() if now[path] != then[path])
    added, removed = sorted(now.keys() - then.keys()), sorted(then.keys() - now.keys())
    if not (differ or added or removed):
        return
    said = "; ".join(part for part in (
        f"changed: {', '.join(differ)}" if differ else "",
        f"new: {', '.join(added)}" if added else "",
        f"gone: {', '.join(removed)}" if removed else "") if part)
    raise ReleaseError(f"{publication.slug}: version {number} was released, and the content rebuilt now makes other "
                       f"files ({said}). A released version is never rewritten: record the change under "
                       f"'corrections:' and set 'version: {number + 1}' in {PUBLICATION_FILE}, then release that")


def _version_metadata(publication, record, number: int):
    """OCFL's version block: when it was made (now: the release), by whom (the house) and why
    (first publication, or the corrections that made it)."""
    import ocfl

    corrections = [c for c in publication.corrections if c.version == number]
    message = (f"Version {number}: " + " ".join(f"Corrected {c.date.isoformat()}: {c.text}" for c in corrections)
               if corrections else f"Version {number}: first published {publication.date.isoformat()}")
    address = (record.website or (f"mailto:{record.publisher_email}" if record.publisher_email else None))
    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ocfl.VersionMetadata(created=created, message=message, name=record.publisher, address=address)


def _quietly_write(obj: Path, work: Path, payload: Path, identifier: str, metadata) -> None:
    """The object with the new version, written in `work`: a copy of `obj` (if any) to which
    the version is added, or a new object; validated before it may replace `obj`."""
    import ocfl

    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))  # ocfl-py reports each step at INFO on the root logger
    try:
        if obj.exists():
            shutil.copytree(obj, work)
            ocfl.Object().add_version_with_content(objdir=str(work), srcdir=str(payload), metadata=metadata)
        else:
            ocfl.Object(identifier=identifier).create(srcdir=str(payload), metadata=metadata, objdir=str(work))
        problems = verify_object(work, raise_error=False)
    finally:
        logger.setLevel(level)
    if problems:
        raise ReleaseError(f"the new version of {obj} does not validate ({problems}); nothing was changed. "
                           "This is a bug in Octavo's release: please report it")
    os.chmod(work, 0o755)


def verify_object(path: Path, raise_error: bool = True) -> str:
    """Validate the OCFL object at `path` with ocfl-py's validator, every file's digest
    recomputed: '' where it is valid, else what is wrong (raised as ReleaseError by default)."""
    import ocfl

    validator = ocfl.validator.Validator(check_digests=True, log_warnings=False)
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        valid = validator.validate_object(str(path))
    finally:
        logger.setLevel(level)
    problems = "" if valid else validator.status_str().strip() or "invalid"
    if problems and raise_error:
        raise ReleaseError(f"{path}: not a valid OCFL object: {problems}")
    return problems


def describe_object(path: Path) -> str:
    """What `octavo archive --verify` says of a valid object: its versions and files."""
    versions = released(path)
    files = sum(len(v) for v in versions.values())
    return (f"{path}: a valid OCFL 1.1 object: versions {', '.join(f'v{n}' for n in sorted(versions))}; "
            f"every file's SHA-512 checked ({files} in all versions)")


def is_object(path: Path) -> bool:
    return (Path(path) / OCFL_DECLARATION).is_file()


def _put_back(obj: Path) -> None:
    """What a release killed between moving the old object aside and the new one in left: the
    old object, put back (archive._replace_dir's fallback where folders cannot be exchanged)."""
    old = obj.with_name(f".{obj.name}.old")
    if old.is_dir() and not obj.exists():
        os.replace(old, obj)
    for staging in obj.parent.glob(".release.*"):
        from .write import process_alive

        pid = staging.name.split(".")[2] if staging.name.count(".") >= 3 else ""
        if staging.is_dir() and (not pid.isdigit() or not process_alive(int(pid))):
            shutil.rmtree(staging, ignore_errors=True)


def _sha512(path: Path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _location(path: Path, key: str):
    from .errors import Location

    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return Location(path)
    return Location(path, next((n for n, line in enumerate(lines, 1) if line.startswith(key)), None))

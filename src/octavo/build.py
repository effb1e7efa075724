"""The pipeline for one publication: load → render → write (temporary) → verify → publish.

The publication is loaded and rendered once (render.Rendering: the document
and the metadata record); each edition of the registry (editions/) writes
from it. Editions are proven before they are moved into build/: an edition
that fails the proof is kept aside as <slug>.rejected.<ext> for inspection,
never published under its real name, and the previous good edition stays in
place.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from .document import Document
from .editions import ALIASES, EDITIONS, with_followers
from .errors import OctavoError, VerificationError
from .metadata import Record
from .model import Publication, load_publication
from .render import Rendering
from .validate import strict_errors
from .verify import Report, verify
from .write import publish, temporary_beside


def edition_names(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """`--edition print,screen` (or a list of names) as a tuple of known names; an unknown
    name is an error that lists the known ones."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [ALIASES.get(n.strip(), n.strip()) for n in items if n.strip()]
    unknown = [n for n in names if n not in EDITIONS]
    if unknown or not names:
        raise OctavoError(f"unknown edition {', '.join(unknown) or repr(text)}: choose from {', '.join(EDITIONS)}")
    return tuple(dict.fromkeys(names))


def rejected(final: Path, slug: str) -> Path:
    """Where an edition that failed the proof is kept: <slug>.rejected.<ext> beside its final name."""
    return final.with_name(f"{slug}.rejected{''.join(final.suffixes)}")


@dataclass
class BuildResult:
    publication: Publication
    outputs: list[Path]
    report: Report
    document: Document  # what the editions were made from
    record: Record
    notices: tuple[str, ...] = ()  # what the editions' writers warned of (render.Rendering.notices)


def build_publication(folder: Path, out_dir: Path, templates: Path | None = None,
                      editions: tuple[str, ...] | None = None, strict: bool = False) -> BuildResult:
    """Build, prove and publish `editions` (default: those the publication's `editions:` field names).

    With `strict`, the content's warnings are errors and nothing is built.
    """
    if editions is not None:
        editions = edition_names(editions)
    publication = load_publication(folder)  # every content error is reported before anything is written
    strict_errors(publication.warnings, strict)
    rendering = Rendering(publication, templates)
    editions = with_followers(editions or publication.editions)
    finals = {name: Path(out_dir) / EDITIONS[name].filename(publication.slug) for name in editions}
    with contextlib.ExitStack() as stack:
        built = {}
        for name in editions:
            temporary = stack.enter_context(temporary_beside(finals[name]))
            EDITIONS[name].write(rendering, temporary)
            built[name] = temporary
        report = verify(rendering.document, {path: finals[name] for name, path in built.items()})
        if not report.ok:
            for name, path in built.items():
                publish(path, rejected(finals[name], publication.slug))  # an ordinary file to open and inspect
            raise VerificationError(report)
        for name, path in built.items():
            publish(path, finals[name])
            rejected(finals[name], publication.slug).unlink(missing_ok=True)  # an old failure, now mended
    return BuildResult(publication, list(finals.values()), report, rendering.document, rendering.record,
                       tuple(dict.fromkeys(rendering.notices)))

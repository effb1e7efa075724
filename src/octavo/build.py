"""The pipeline for one publication: load → render → write (temporary) → verify → publish.

Editions are proven before they are moved into build/: an edition that fails
the proof is kept aside as <slug>.rejected.<ext> for inspection, never
published under its real name, and the previous good edition stays in place.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import OctavoError, VerificationError
from .model import EDITION_NAMES, Publication, load_publication
from .render import DEFAULT_TEMPLATES, environment
from .validate import strict_errors
from .verify import Report, verify
from .write import normalise_zip, publish, temporary_beside


@dataclass(frozen=True)
class Edition:
    """One output format: its file name and the function that writes it to a path."""

    name: str
    filename: Callable[[Publication], str]
    write: Callable[[jinja2.Environment, Publication, Path, Path], None]


def _pdf_writer(name: str):
    """The writer of one PDF edition (pdf.PDF_EDITIONS): print, screen or archive."""
    def write(env, publication, target, templates):
        from .pdf import PDF_EDITIONS, print_html, write_pdf  # WeasyPrint loads only when a PDF is built
        edition = PDF_EDITIONS[name]
        write_pdf(print_html(env, publication, edition), publication, target, templates, edition)
    return write


def _write_epub(env, publication, target, templates):
    from .epub import build_epub
    build_epub(env, publication, target)
    normalise_zip(target, _zip_timestamp(publication))


# Every edition Octavo makes (model.EDITION_NAMES lists the same names for the
# content's `editions:` field). The screen PDF is <slug>.pdf, the one most
# readers get; the print shop's and the archive's carry their name.
EDITIONS: dict[str, Edition] = {
    "print": Edition("print", lambda p: f"{p.slug}.print.pdf", _pdf_writer("print")),
    "screen": Edition("screen", lambda p: f"{p.slug}.pdf", _pdf_writer("screen")),
    "archive": Edition("archive", lambda p: f"{p.slug}.archive.pdf", _pdf_writer("archive")),
    "epub": Edition("epub", lambda p: f"{p.slug}.epub", _write_epub),
}
# What a publication gets when neither --edition nor its `editions:` field says.
DEFAULT_EDITIONS = EDITION_NAMES
# Names that once meant an edition: "pdf" was the only PDF, now the screen edition.
EDITION_ALIASES = {"pdf": "screen"}


def edition_names(text: str) -> tuple[str, ...]:
    """`--edition print,screen` as a tuple of known names; an unknown name is an error that lists the known ones."""
    names = [EDITION_ALIASES.get(n.strip(), n.strip()) for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in EDITIONS]
    if unknown or not names:
        raise OctavoError(f"unknown edition {', '.join(unknown) or repr(text)}: choose from {', '.join(EDITIONS)}")
    return tuple(dict.fromkeys(names))


@dataclass
class BuildResult:
    publication: Publication
    outputs: list[Path]
    report: Report


def build_publication(folder: Path, out_dir: Path, templates: Path | None = None,
                      editions: tuple[str, ...] | None = None, strict: bool = False) -> BuildResult:
    """Build, prove and publish `editions` (default: those the publication's `editions:` field names).

    With `strict`, the content's warnings are errors and nothing is built.
    """
    if editions is not None:
        editions = tuple(EDITION_ALIASES.get(e, e) for e in editions)
        unknown = [e for e in editions if e not in EDITIONS]
        if unknown:
            raise OctavoError(f"unknown edition {', '.join(unknown)}: choose from {', '.join(EDITIONS)}")
    publication = load_publication(folder)  # every content error is reported before anything is written
    strict_errors(publication.warnings, strict)
    editions = editions or publication.editions
    templates = Path(templates or DEFAULT_TEMPLATES)
    env = environment(templates)
    finals = {name: Path(out_dir) / EDITIONS[name].filename(publication) for name in editions}
    with contextlib.ExitStack() as stack:
        built = {}
        # The screen edition just before the EPUB: the EPUB's page map takes its
        # layout (pdf.take_layout) instead of laying the same HTML out again.
        for name in sorted(editions, key=lambda n: {"screen": 1, "epub": 2}.get(n, 0)):
            temporary = stack.enter_context(temporary_beside(finals[name]))
            EDITIONS[name].write(env, publication, temporary, templates)
            built[name] = temporary
        report = verify(publication, {path: finals[name] for name, path in built.items()})
        if not report.ok:
            for name, path in built.items():
                final = finals[name]
                os.replace(path, final.with_name(f"{publication.slug}.rejected{''.join(final.suffixes)}"))
            raise VerificationError(report)
        for name, path in built.items():
            publish(path, finals[name])
    return BuildResult(publication, list(finals.values()), report)


def _zip_timestamp(publication: Publication) -> tuple[int, int, int, int, int, int]:
    d = max(publication.date, datetime.date(1980, 1, 1))  # zip dates start in 1980
    return (d.year, d.month, d.day, 0, 0, 0)

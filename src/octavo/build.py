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
from .model import Publication, load_publication
from .render import DEFAULT_TEMPLATES, environment
from .verify import Report, verify
from .write import normalise_zip, publish, temporary_beside


@dataclass(frozen=True)
class Edition:
    """One output format: its file name and the function that writes it to a path."""

    name: str
    filename: Callable[[Publication], str]
    write: Callable[[jinja2.Environment, Publication, Path, Path], None]


def _write_print_pdf(env, publication, target, templates):
    from .pdf import print_html, write_pdf  # WeasyPrint loads only when a PDF is built
    write_pdf(print_html(env, publication), publication, target, templates)


def _write_epub(env, publication, target, templates):
    from .epub import build_epub
    build_epub(env, publication, target)
    normalise_zip(target, _zip_timestamp(publication))


EDITIONS: dict[str, Edition] = {
    "pdf": Edition("pdf", lambda p: f"{p.slug}.pdf", _write_print_pdf),
    "epub": Edition("epub", lambda p: f"{p.slug}.epub", _write_epub),
}
DEFAULT_EDITIONS = ("pdf", "epub")


@dataclass
class BuildResult:
    publication: Publication
    outputs: list[Path]
    report: Report


def build_publication(folder: Path, out_dir: Path, templates: Path | None = None,
                      editions: tuple[str, ...] = DEFAULT_EDITIONS) -> BuildResult:
    unknown = [e for e in editions if e not in EDITIONS]
    if unknown:
        raise OctavoError(f"unknown edition {', '.join(unknown)}: choose from {', '.join(EDITIONS)}")
    publication = load_publication(folder)  # every content error is reported before anything is written
    templates = Path(templates or DEFAULT_TEMPLATES)
    env = environment(templates)
    finals = {name: Path(out_dir) / EDITIONS[name].filename(publication) for name in editions}
    with contextlib.ExitStack() as stack:
        built = {}
        for name in editions:
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

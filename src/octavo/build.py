"""The pipeline for one publication: load → render → write (temporary) → verify → publish.

Editions are proven before they are moved into build/: an edition that fails
the proof is kept aside as <slug>.rejected.<ext> for inspection, never
published under its real name.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import VerificationError
from .model import Publication, load_publication
from .render import DEFAULT_TEMPLATES, environment
from .verify import Report, verify
from .write import normalise_zip, publish, temporary_beside

EDITIONS = ("pdf", "epub")


@dataclass
class BuildResult:
    publication: Publication
    outputs: list[Path]
    report: Report


def build_publication(folder: Path, out_dir: Path, templates: Path | None = None,
                      editions: tuple[str, ...] = EDITIONS) -> BuildResult:
    publication = load_publication(folder)
    templates = Path(templates or DEFAULT_TEMPLATES)
    env = environment(templates)
    finals = {kind: out_dir / f"{publication.slug}.{kind}" for kind in editions}
    with temporary_beside(finals.get("pdf", out_dir / "x.pdf")) as pdf_tmp, \
            temporary_beside(finals.get("epub", out_dir / "x.epub")) as epub_tmp:
        built = {}
        if "pdf" in editions:
            from .pdf import print_html, write_pdf
            write_pdf(print_html(env, publication), publication, pdf_tmp, templates)
            built["pdf"] = pdf_tmp
        if "epub" in editions:
            from .epub import build_epub
            build_epub(env, publication, epub_tmp)
            normalise_zip(epub_tmp, _zip_timestamp(publication))
            built["epub"] = epub_tmp
        report = verify(publication, {path: finals[kind] for kind, path in built.items()})
        if not report.ok:
            for kind, path in built.items():
                os.replace(path, out_dir / f"{publication.slug}.rejected.{kind}")
            raise VerificationError(report)
        for kind, path in built.items():
            publish(path, finals[kind])
    return BuildResult(publication, [finals[k] for k in built], report)


def _zip_timestamp(publication: Publication) -> tuple[int, int, int, int, int, int]:
    d = max(publication.date, datetime.date(1980, 1, 1))  # zip dates start in 1980
    return (d.year, d.month, d.day, 0, 0, 0)

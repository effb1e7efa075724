"""Stage 4a, the print edition: Octavo's HTML laid out by WeasyPrint into a PDF.

The recipe: render the document HTML from the shared partials, lay it out
with a URL fetcher that can only read the publication and the templates,
and write the PDF with its metadata (title, authors, subject, language).
"""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2

from .errors import RenderError
from .model import Publication
from .render import description, keywords, render_sections, render_template

MAX_DATA_URL_BYTES = 2 * 1024 * 1024


def print_html(env: jinja2.Environment, publication: Publication) -> str:
    stylesheet = Path(env.loader.searchpath[0]) / "print" / "print.css"
    return render_template(
        env, "print/document.html", p=publication, sections=render_sections(env, publication),
        description=description(publication), keywords=keywords(publication),
        stylesheet=_read_stylesheet(stylesheet))


def _read_stylesheet(path: Path):
    from markupsafe import Markup
    try:
        # The stylesheet is ours, not content: inlining it keeps the HTML one
        # self-contained document, the input `make bench` times WeasyPrint on.
        return Markup(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RenderError(f"cannot read the print stylesheet {path}: {exc.strerror}") from None


def write_pdf(html: str, publication: Publication, target: Path, templates: Path) -> None:
    """Lay out `html` and write the PDF to `target` (a temporary path; write.py renames it)."""
    from weasyprint import HTML  # imported here: the CLI must start fast when nothing renders

    fetcher = _safe_fetcher([publication.folder, templates])
    warnings = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(warnings)
    try:
        document = HTML(string=html, base_url=str(publication.folder.resolve()) + "/",
                        url_fetcher=fetcher)
        document.write_pdf(str(target), pdf_identifier=_pdf_identifier(publication))
    finally:
        logger.removeHandler(warnings)
    if fetcher.refused:
        raise RenderError("the print edition tried to read what content may not reach: "
                          + "; ".join(fetcher.refused))
    if warnings.messages:
        raise RenderError("WeasyPrint warned while laying out the print edition (a template bug):\n  "
                          + "\n  ".join(warnings.messages))


def _pdf_identifier(publication: Publication) -> bytes:
    """A fixed /ID derived from the publication, so the same content gives the same bytes."""
    import hashlib
    return hashlib.md5(publication.identifier.encode()).hexdigest().encode()


class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _safe_fetcher(roots: list[Path]):
    """A WeasyPrint URL fetcher that reads only files under `roots`: no network, no /etc/passwd."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    allowed = [r.resolve() for r in roots]

    class SafeFetcher(URLFetcher):
        refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data" and len(url) <= MAX_DATA_URL_BYTES:
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in allowed):
                    return super().fetch(url, headers)
            self.refused.append(url if len(url) < 200 else url[:200] + "…")
            raise ValueError(f"Octavo refuses to fetch {url[:200]}")

    fetcher = SafeFetcher()
    fetcher.refused = []
    return fetcher

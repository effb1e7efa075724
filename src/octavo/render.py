"""Stage 3, render: the Jinja environment and the section bodies, shared by every edition.

Templates autoescape and use StrictUndefined: a missing field fails the build
instead of printing blank text where a disclaimer should be.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import __version__
from .errors import RenderError
from .markdown import render_body
from .model import Publication, Section
from .resources import default_templates

DEFAULT_TEMPLATES = default_templates()


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    html: Markup


def environment(templates: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates or DEFAULT_TEMPLATES)),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["longdate"] = lambda d: f"{d.day} {d:%B} {d.year}"
    env.filters["script_lang"] = script_language
    return env


def render_template(env: jinja2.Environment, name: str, **context) -> str:
    try:
        return env.get_template(name).render(version=__version__, **context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template '{exc.name}' not found in {env.loader.searchpath[0]}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template '{name}': {exc.message}; a template uses a field the content does not have") from None


def render_sections(env: jinja2.Environment, publication: Publication) -> list[RenderedSection]:
    """Every section body to HTML; inline disclaimers come from the shared partial."""
    try:
        partial = env.get_template("partials/disclaimer.html").module
    except jinja2.TemplateError as exc:
        raise RenderError(f"partials/disclaimer.html: {exc}") from None

    def disclaimer_html(disclaimer_id: str) -> str:
        return str(partial.disclaimer(publication.disclaimer(disclaimer_id), inline=True))

    return [RenderedSection(s, Markup(render_body(s.body, s.id, disclaimer_html)))
            for s in publication.sections]


def description(publication: Publication) -> str:
    """The summary section's text, used as the editions' description metadata."""
    summary = next((s for s in publication.sections if s.role == "summary"), None)
    return " ".join(summary.body.split()) if summary else publication.full_title


def keywords(publication: Publication) -> list[str]:
    words = [publication.publisher.short_name]
    if publication.series:
        words.append(publication.series.name)
    return words


def script_language(text: str) -> str:
    """A language tag for a native-script name, chosen from its script."""
    names = " ".join(unicodedata.name(ch, "") for ch in text)
    if "HANGUL" in names:
        return "ko"
    if "HIRAGANA" in names or "KATAKANA" in names:
        return "ja"
    if "CJK" in names:
        return "zh"
    if "CYRILLIC" in names:
        return "ru"
    if "ARABIC" in names:
        return "ar"
    return "und"

"""Stage 3, render: one publication rendered once, for every edition to write from.

A Rendering holds what the editions share: the Jinja environment of the
house style (templates autoescape and use StrictUndefined, so a missing field
fails the build instead of printing blank text where a disclaimer should be),
the words of the labels file, the format-neutral document (document.py: each
section's body rendered once) and the metadata record (metadata.py). Layouts
that several editions read (layout.py) are kept in `shared` for this build
only: nothing is carried between builds or processes.

House styles (styles/<name>/ in content/ or in Octavo's templates) override
Octavo's templates file by file through a Jinja ChoiceLoader, so a house that
only wants its own colours changes one CSS file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from . import __version__
from .errors import RenderError
from .model import Publication
from .languages import DEFAULT_LANGUAGE, direction, label_tags, long_date
from .names import name_language
from .resources import STYLES, default_templates

DEFAULT_TEMPLATES = default_templates()


def style_folders(publication: Publication, templates: Path | None = None) -> list[Path]:
    """The folders templates are looked up in, first match wins: the house style, then Octavo's own."""
    base = Path(templates or DEFAULT_TEMPLATES)
    style = publication.publisher.style
    if not style:
        return [base]
    for candidate in (publication.folder.parent / STYLES / style, base / STYLES / style):
        if candidate.is_dir():
            return [candidate, base]
    raise RenderError(f"house style '{style}' not found in {publication.folder.parent / STYLES} "
                      f"or {base / STYLES}")


def keep_whole(text: str) -> str:
    """`text` with no place a line may break: "María José Álvarez-Núñez" stays on one line."""
    return text.replace(" ", "\u00a0").replace("-", "-\u2060")


def keep_tail(text: str, words: int = 3) -> str:
    """`text` with its last `words` words on one line: a series line never leaves "No. 7" alone
    on the cover's last line ("Policy Brief / No. 7" breaks as "Policy / Brief No. 7")."""
    parts = text.split(" ")
    if len(parts) <= words:
        return text
    return " ".join(parts[:-words]) + " " + "\u00a0".join(parts[-words:])


@jinja2.pass_context
def _long_date(context, date) -> str:
    """A date as the publication's language writes it (CLDR, languages.long_date)."""
    p = context.get("p") or context.get("meta")
    return long_date(date, getattr(p, "language", None) or DEFAULT_LANGUAGE)


def environment(folders: Path | list[Path] | None = None) -> jinja2.Environment:
    folders = folders if isinstance(folders, list) else [Path(folders or DEFAULT_TEMPLATES)]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in folders]),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["longdate"] = _long_date
    env.filters["direction"] = direction  # "rtl" for Arabic, Hebrew, Persian, Urdu: the documents' dir
    # The language a name's script implies (names.py), for text with no stated language: a
    # name given in its own script as the name itself, on the cover.
    env.filters["script_lang"] = lambda text: name_language(text).tag
    # A name kept on one line where no element can carry `white-space: nowrap` (a running head
    # is a string in a page's margin box): no-break spaces, and a word joiner after each hyphen.
    env.filters["unbreakable"] = keep_whole
    env.filters["tail_kept"] = keep_tail
    env.globals["octavo_folders"] = [str(f) for f in folders]
    return env


def template_source(env: jinja2.Environment, name: str) -> str:
    """A template file's text as the style resolves it (a stylesheet, a label file)."""
    try:
        return env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        raise RenderError(f"template '{name}' not found in {', '.join(env.globals['octavo_folders'])}") from None


def render_template(env: jinja2.Environment, name: str, **context) -> str:
    try:
        return env.get_template(name).render(version=__version__, **context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template '{exc.name}' not found in {', '.join(env.globals['octavo_folders'])}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template '{name}': {exc.message}; a template uses a field the content does not have") from None


# The paper stocks a print-on-demand service offers, as the thickness of one page in
# millimetres: the cover spread's spine is the page count times this (editions/cover.py).
# Amazon KDP's figures (Paperback cover calculator: 0.002252 in a page on white paper,
# 0.0025 in on cream).
PAPER_MM_PER_PAGE = {"white": 0.0572, "cream": 0.0635}
DEFAULT_PAPER = "white"


@dataclass(frozen=True)
class PageGeometry:
    """The margins of the PDF editions' pages, in millimetres (print/page.yaml): the CSS
    and the proof both read them, so the band the proof leaves out is where the furniture is.
    And the paper the print edition is printed on, which sets the cover's spine width."""

    top: float
    bottom: float
    left: float
    right: float
    paper: str = DEFAULT_PAPER  # a key of PAPER_MM_PER_PAGE


def page_geometry(folders: list[Path]) -> PageGeometry:
    for folder in folders:
        path = folder / "print" / "page.yaml"
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            try:
                values = {side: float(data[side]) for side in ("top", "bottom", "left", "right")}
            except (TypeError, KeyError, ValueError):
                raise RenderError(f"{path}: give top, bottom, left and right as millimetres") from None
            if not all(5 <= v <= 80 for v in values.values()):
                raise RenderError(f"{path}: each margin must lie between 5 and 80 mm")
            paper = data.get("paper", DEFAULT_PAPER)  # a house page.yaml written before paper was read
            if paper not in PAPER_MM_PER_PAGE:
                raise RenderError(f"{path}: paper '{paper}' is not a stock Octavo knows: "
                                  f"give one of {', '.join(PAPER_MM_PER_PAGE)}")
            return PageGeometry(**values, paper=paper)
    raise RenderError(f"no print/page.yaml in {', '.join(map(str, folders))}")


def labels(folders: list[Path], language: str) -> dict[str, str]:
    """The words a reader sees that are not content ("Contents", "Introduced by"), in the
    publication's language: labels/<language>.yaml, then its primary language, then English,
    each from Octavo's templates and then from the house style, which may change any one word
    (a byline's role only into a wording of that role: role_wording_problem)."""
    words = _merged_labels(folders, label_tags(language))
    if not words:
        raise RenderError(f"no labels file (labels/{DEFAULT_LANGUAGE}.yaml) in {', '.join(map(str, folders))}")
    wrong = role_wording_problem(folders, language, words)
    if wrong:
        raise RenderError(f"{wrong[0]}: {wrong[1]}")
    return words



def _merged_labels(folders: list[Path], tags: list[str]) -> dict[str, str]:
    """The labels files of `folders` for `tags`, merged: the publication's own language wins over
    English, whoever gives the English; within a language, the first folder (the house) wins."""
    words: dict[str, str] = {}
    for tag in tags:
        for folder in reversed(folders):
            path = folder / "labels" / f"{tag}.yaml"
            if not path.is_file():
                continue
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise RenderError(f"{path}: a labels file must be a mapping of label: words")
            words.update({str(k): str(v) for k, v in data.items()})
    return words


# The labels that open a byline's line (Section.byline): what role the people named after them had.
ROLE_LABELS = ("perspective_of", "introduced_by", "translated_by")


def role_wording_problem(folders: list[Path], language: str, words: dict[str, str] | None = None
                         ) -> tuple[Path | str, str] | None:
    """(the house's labels file, what is wrong) where a house style rewords a byline's role
    into anything but a wording of the same role that Octavo's templates list
    (labels/roles.yaml): the byline is an attribution, and the proof reads its words as such.
    `octavo validate` asks it too, so that it gives the verdict the build does."""
    if len(folders) < 2:
        return None  # no house style: the templates' own words
    tags = label_tags(language)
    words = _merged_labels(folders, tags) if words is None else words
    base = folders[-1]
    own = _merged_labels([base], tags)
    roles_path = base / "labels" / "roles.yaml"
    roles = yaml.safe_load(roles_path.read_text(encoding="utf-8")) if roles_path.is_file() else {}
    for key in ROLE_LABELS:
        if key not in words or words[key] == own.get(key):
            continue
        accepted = [str(w) for tag in tags for w in ((roles or {}).get(tag) or {}).get(key, [])]
        if words[key] not in accepted:
            house = next((f / "labels" / f"{t}.yaml" for f in folders[:-1] for t in reversed(tags)
                          if (f / "labels" / f"{t}.yaml").is_file()), "the house style's labels")
            choices = ", ".join(f"'{w}'" for w in dict.fromkeys(accepted)) or "none for this language"
            return house, (f"'{key}' reads '{words[key]}', which is not a wording of that role: a "
                           f"byline's words say who wrote what, and the proof reads them as the attribution. "
                           f"Use one of {choices} (Octavo's labels/roles.yaml), or leave the label out")
    return None


class Rendering:
    """One publication, rendered once; every edition writes from it (editions/*.py)."""

    def __init__(self, publication: Publication, templates: Path | None = None):
        from .document import build_document, with_corrections_shown
        from .metadata import make_record

        self.templates = Path(templates or DEFAULT_TEMPLATES)
        self.folders = style_folders(publication, self.templates)
        self.env = environment(self.folders)
        self.labels = labels(self.folders, publication.language)
        publication = with_corrections_shown(publication, self.labels)
        self.publication = publication
        self.page = page_geometry(self.folders)
        self.document = build_document(publication, self.env, self.labels, self.page)
        self.record = make_record(publication, self.document.description, self.labels)
        self.shared: dict = {}  # what several editions of this build read: layouts (layout.py)
        # What an edition's writer tells the user without stopping the build (a cover without a
        # barcode): printed as warnings, never made errors by --strict, which is about the content.
        self.notices: list[str] = []

    @property
    def roots(self) -> list[Path]:
        """What a renderer may read: the publication and the template folders."""
        return [self.publication.folder, *self.folders]

    def render(self, name: str, **context) -> str:
        """A template with what every template may use: p (the publication), doc, meta, labels."""
        return render_template(self.env, name, p=self.publication, doc=self.document, meta=self.record,
                               labels=self.labels, **context)

    def source(self, name: str) -> str:
        return template_source(self.env, name)

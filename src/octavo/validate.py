"""`octavo validate`: every content file checked, nothing rendered, every problem reported at once.

This module is also the one place where warnings are counted and where
`--strict` promotes them to errors (Sphinx's -W, MkDocs' --strict), so the
exit code of every command that loads content tells the same truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError, Problem
from .catalog import duplicate_slugs
from .model import Publication, load_publication, load_publisher


@dataclass
class Validation:
    """What validating some publications found: errors stop a build, warnings do unless `strict`."""

    publications: list[Publication] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def failed(self, strict: bool) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def lines(self, strict: bool) -> list[str]:
        """The report, errors first; with `strict` warnings are printed as the errors they count as."""
        label = "error" if strict else "warning"
        out = [f"error: {p}" for p in self.errors] + [f"{label}: {p}" for p in self.warnings]
        return out + [self.summary(strict)]

    def summary(self, strict: bool) -> str:
        n_err, n_warn = len(self.errors), len(self.warnings)
        counts = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
        if self.failed(strict):
            why = " (--strict: warnings count as errors)" if strict and n_warn else ""
            return f"FAILED: {counts}{why}"
        pubs = len(self.publications)
        return f"OK: {counts}; {pubs} publication{'s' * (pubs != 1)} valid"


def strict_errors(warnings: list[Problem] | tuple[Problem, ...], strict: bool) -> None:
    """Raise the warnings as a ContentError when `strict`: what `--strict` means, for every command."""
    if strict and warnings:
        raise ContentError([Problem(w.location, f"{w.message} (a warning; --strict makes it an error)", w.hint)
                            for w in warnings])


def validate(folders: list[Path], content_dir: Path) -> Validation:
    """Load every publication in `folders` (and the house file), collecting every problem. Each
    publication's house file is the one beside it (its folder's parent), as `octavo build` reads
    it: a folder named outside `content_dir` is judged by its own house, not content/'s."""
    result = Validation()
    houses: dict[Path, object] = {}
    for parent in dict.fromkeys([Path(f).parent for f in folders] or [Path(content_dir)]):
        try:
            houses[parent] = load_publisher(parent)
        except ContentError as exc:
            result.errors.extend(exc.problems)
    if not houses:
        return result  # every publication needs the house file: nothing more can be checked
    result.errors.extend(duplicate_slugs(folders))
    for folder in folders:
        publisher = houses.get(Path(folder).parent)
        if publisher is None:
            continue  # its house file's problems are reported above
        try:
            publication = load_publication(folder, publisher)
        except ContentError as exc:
            result.errors.extend(exc.problems)
            continue
        wrong = _house_problem(publication)
        if wrong:
            result.errors.append(wrong)
            continue
        dead = _document_problems(publication)
        if dead:
            result.errors.extend(dead)
            continue
        coarse, doubtful = _print_problems(publication)
        result.errors.extend(coarse)
        if not coarse:
            result.publications.append(publication)
        # A TODO in the house file is every publication's warning: said once.
        result.warnings.extend(w for w in [*publication.warnings, *doubtful] if w not in result.warnings)
    return result


def _document_problems(publication: Publication) -> list[Problem]:
    """What the build refuses once the sections are rendered into the document, before any
    layout: a link within the paper that leads to nothing (document._refuse_dead_links). The
    Markdown is rendered for it (no page is laid out: a few hundredths of a second a paper)."""
    from .errors import OctavoError
    from .render import Rendering

    try:
        Rendering(publication)
    except ContentError as exc:
        return list(exc.problems)
    except OctavoError:
        return []  # a template or house style problem: the build reports it, with its own words
    return []


def _print_problems(publication: Publication) -> tuple[list[Problem], list[Problem]]:
    """What the build refuses before laying out the print edition, where the publication makes
    one: an image too coarse to print (build.refuse_coarse_images)."""
    from .errors import OctavoError
    from .preflight import coarse_images, house_sizes_images
    from .render import DEFAULT_TEMPLATES, page_geometry, style_folders

    if "print" not in publication.editions:
        return [], []
    try:
        folders = style_folders(publication)
        return coarse_images(publication, page_geometry(folders), house_sizes_images(folders, DEFAULT_TEMPLATES))
    except OctavoError:
        return [], []  # a house style problem: the build reports it, with its own words


def _house_problem(publication: Publication) -> Problem | None:
    """What the build would refuse in the publication's house style before rendering: a byline's
    role reworded (render.role_wording_problem). The house style is content too."""
    from .errors import Location, OctavoError
    from .render import role_wording_problem, style_folders

    try:
        wrong = role_wording_problem(style_folders(publication), publication.language)
    except OctavoError:
        return None  # a style folder or labels file the build itself reports
    return Problem(Location(Path(wrong[0])), wrong[1]) if wrong else None

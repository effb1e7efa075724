"""Where Octavo's own files are: the templates folder (styles live inside it).

The templates sit at the top of the repository, where authors find and edit
them, not inside src/octavo/. A wheel carries them inside the package as
octavo/templates/ (pyproject.toml maps templates/ there), so an installed
Octavo reads its own copy; a checkout or an editable install (`make`) has no
such copy and reads the repository's templates/ live, so an edited template
shows in the next build without reinstalling.

Standard library only: catalog.py imports this to decide "nothing to do"
without loading the pipeline.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# House styles live in a folder of this name: content/styles/<name>/ (the
# house's own) or <templates>/styles/<name>/ (shipped with Octavo).
STYLES = "styles"


def default_templates() -> Path:
    """The templates folder: the installed package's own copy, else the checkout's templates/."""
    installed = _PACKAGE / "templates"
    if installed.is_dir():
        return installed
    return _PACKAGE.parents[1] / "templates"  # src/octavo/ -> the repository's top level

"""Property: whatever the content files hold, loading gives a Publication or a ContentError.

Never another exception (which the CLI would show as a traceback), and every
problem names a file of the publication. Hypothesis writes the files: random
YAML built from the real field names and random values, random bytes, and
random edits of the seed's own files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from octavo.errors import ContentError
from octavo.model import (CONTRIBUTOR_SPEC, DISCLAIMER_SPEC, PUBLICATION_SPEC, SECTION_SPEC, Publication,
                          load_publication)

from conftest import CONTENT, SEED_SLUG

# derandomize: the same examples on every run, so CI cannot flake; database=None: no .hypothesis/ folder.
# (Explore locally with more examples by setting HYPOTHESIS_EXAMPLES.)
SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 100)), deadline=None,
                    derandomize="HYPOTHESIS_EXAMPLES" not in os.environ, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["isdp", "house-opinions", "2018-02-05", "2018-02-30",
                                                           "sections/s.md", "../publisher.yaml", "en", "inline"]))
keys = st.one_of(st.sampled_from(sorted({*PUBLICATION_SPEC, *CONTRIBUTOR_SPEC, *DISCLAIMER_SPEC, *SECTION_SPEC,
                                         "organisation", "holder", "year"})), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)
documents = st.dictionaries(keys, values, max_size=12)


def _load(folder: Path) -> None:
    try:
        result = load_publication(folder)
    except ContentError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.location is not None and problem.message
            assert str(folder.parent) in str(problem.location.path.resolve()) or \
                problem.location.path.resolve().is_relative_to(folder.parent.resolve()), problem
    else:
        assert isinstance(result, Publication)


def _publication(tmp: Path) -> Path:
    content = tmp / "content"
    content.mkdir()
    shutil.copy(CONTENT / "publisher.yaml", content / "publisher.yaml")
    shutil.copytree(CONTENT / SEED_SLUG, content / SEED_SLUG)
    return content / SEED_SLUG


@SETTINGS
@given(document=documents, front=documents, body=st.text(max_size=200))
def test_random_yaml_loads_or_fails_cleanly(document, front, body):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _publication(Path(tmp))
        document.setdefault("sections", ["sections/01-summary.md"])
        (folder / "publication.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        (folder / "sections" / "01-summary.md").write_text(
            "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body, encoding="utf-8")
        _load(folder)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_load_or_fail_cleanly(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _publication(Path(tmp))
        (folder / "publication.yaml").write_bytes(data)
        _load(folder)


@SETTINGS
@given(file=st.sampled_from(["publication.yaml", "sections/02-introduction.md", "../publisher.yaml"]),
       position=st.floats(0, 1), cut=st.integers(0, 40),
       insert=st.one_of(st.text(max_size=8), st.sampled_from(["\t", ": ", "- ", "&a ", "*a", "---\n", "{{",
                                                               "<b>", "![](x.png)", "\n  ", "[", "\x00"])))
def test_edited_seed_loads_or_fails_cleanly(file, position, cut, insert):
    """A typo anywhere in the real files: a cut of up to 40 characters and an insertion."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _publication(Path(tmp))
        path = folder / file
        text = path.read_text(encoding="utf-8")
        at = int(position * len(text))
        path.write_text(text[:at] + insert + text[at + cut:], encoding="utf-8")
        _load(folder)

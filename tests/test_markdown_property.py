"""Property: any Markdown document Octavo accepts is proven complete in the editions it builds.

Hypothesis writes a section: paragraphs of random words (some long and unbreakable), nested
lists, block quotes, tables, headings and footnotes, called from the text. Each is built as the
screen PDF and the EPUB; the completeness proof (every block, in order, once; every note on its
call's page) must pass. Few examples in CI (each is a real build, about two seconds); explore with
HYPOTHESIS_EXAMPLES=50.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from octavo.build import build_publication

from conftest import copy_content

EXPLORING = "HYPOTHESIS_EXAMPLES" in os.environ
# In CI: the same few examples every run, and no shrinking (each step is a build: minutes);
# exploring locally, shrinking finds the smallest document that fails.
SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 6)), deadline=None,
                    derandomize=not EXPLORING, database=None,
                    phases=list(Phase) if EXPLORING else [Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

word = st.one_of(st.sampled_from("the grid power north sea cable storage winter policy reserve demand "
                                 "2024 MW Østersjøen Łódź résumé".split()),
                 st.text("abcdefghijklmnopqrstuvwxyz", min_size=40, max_size=120))  # an unbreakable string
sentence = st.lists(word, min_size=3, max_size=25).map(lambda words: " ".join(words).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=6).map(" ".join)


@st.composite
def section_body(draw):
    blocks, notes = [], []

    def with_note(text: str) -> str:
        if draw(st.booleans()):
            label = f"n{len(notes) + 1}"
            notes.append(f"[^{label}]: {draw(paragraph)}")
            return text + f"[^{label}]"
        return text

    for _ in range(draw(st.integers(2, 8))):
        kind = draw(st.sampled_from(["paragraph", "list", "numbered", "quote", "table", "heading"]))
        if kind == "paragraph":
            blocks.append(with_note(draw(paragraph)))
        elif kind == "list":
            depth = draw(st.integers(1, 4))
            blocks.append("\n".join("  " * level + f"- {with_note(draw(sentence))}" for level in range(depth)))
        elif kind == "numbered":
            blocks.append("\n".join(f"{n}. {with_note(draw(sentence))}" for n in range(1, draw(st.integers(2, 6)))))
        elif kind == "quote":
            blocks.append("> " + with_note(draw(paragraph)))
        elif kind == "table":
            columns = draw(st.integers(2, 4))
            rows = [[draw(sentence) for _ in range(columns)] for _ in range(draw(st.integers(1, 3)))]
            head = [f"Column {n}" for n in range(columns)]
            blocks.append("\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * columns]
                                    + ["| " + " | ".join(row) + " |" for row in rows]))
        else:
            blocks.append("## " + draw(sentence).rstrip("."))
    return "\n\n".join(blocks + notes) + "\n"


@SETTINGS
@given(section_body())
def test_every_accepted_document_is_proven_complete(body):
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy_content(Path(tmp))
        section = folder / "sections" / "07-conclusion.md"
        front = section.read_text(encoding="utf-8").split("---\n")[1]
        section.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
        result = build_publication(folder, Path(tmp) / "out", editions=("screen", "epub"))
        assert result.report.ok, result.report.summary()
        assert sum(f.count for f in result.report.findings if f.what == "blocks") == 2 * sum(
            len(s.blocks) for s in result.document.sections)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@example("see HTTPS://example.org/a today")
@example("see http://example.org")
@example("write to office@example.org")
@example("MAILTO:office@example.org")
@given(st.lists(st.sampled_from(list("ab .:/@-_") + ["http", "HTTPS", "mailto", "www.", "ſ", "K", "example.org",
                                                     "é", "@x.org", "://"]), max_size=40).map("".join))
def test_the_quick_link_pretest_never_skips_a_link_linkify_would_find(text):
    """markdown.py skips linkify-it's slow pretest where no link can start (no scheme kept, no @):
    wherever linkify finds a link, the quick pretest says "maybe"."""
    from octavo.markdown import _parser

    linkify = _parser().linkify
    if linkify.test(text):
        assert linkify.pretest(text), text

"""Every example of the CommonMark specification (tests/fixtures/commonmark: CC BY-SA 4.0, text
nobody here wrote) that `octavo validate` accepts builds and is proven in every edition that
carries the text, as a section's first block and as a later one: the proof refuses no correct
paper (issue 19). What `validate` refuses is Octavo's documented policy, each refusal one of
its rules (docs/authoring.md, "What the Markdown may hold")."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from octavo.build import build_publication
from octavo.validate import validate

from conftest import FIXTURES

EXAMPLES = json.loads((FIXTURES / "commonmark" / "examples.json").read_text(encoding="utf-8"))
TEXT_EDITIONS = ("print", "screen", "epub", "web")

# Octavo's rules for what a section's Markdown may hold, as validate words them; the number of
# the spec's examples each refuses (an example is counted under its first problem).
POLICY = {
    "raw HTML": (re.compile(r"^raw HTML '"), 67),
    "an HTML comment": (re.compile(r"^an HTML comment \("), 7),
    "a link that is not a web address, an e-mail address or #id": (re.compile(r"^the address '.*' is refused"), 97),
    "an image that is not a file in the publication folder": (
        re.compile(r"^image '.*' (does not exist|is not a file in the publication folder)"), 19),
    "an image without alt text": (re.compile(r"^image '.*' has no alt text"), 1),
    "a link within the paper to nothing it holds": (re.compile(r"^the link to '#.*' leads to nothing"), 1),
}


def corpus(tmp_path: Path, later: bool) -> tuple[Path, dict[int, str]]:
    """One publication with a section for each example (first, or after an opening paragraph);
    validated, then written again with the accepted examples only. Returns the folder and the
    refused examples with their first problem."""
    content = tmp_path / "content"
    folder = content / "commonmark"
    (folder / "sections").mkdir(parents=True)
    shutil.copy(FIXTURES / "epub-content" / "publisher.yaml", content / "publisher.yaml")
    files = {}
    for example in EXAMPLES:
        number = example["example"]
        name = f"sections/{number:03d}.md"
        opening = f"This paragraph comes before example {number}.\n\n" if later else ""
        (folder / name).write_text(f"---\ntitle: Example {number}\nauthors: [ada]\n---\n{opening}{example['markdown']}",
                                   encoding="utf-8")
        files[name] = number
    refused: dict[int, str] = {}
    # Validated until nothing more is refused: a link to nothing in the paper is found once the
    # sections are rendered, which a publication with other problems never is (validate.py).
    while True:
        write_publication(folder, [name for name, number in files.items() if number not in refused])
        errors = validate([folder], content).errors
        if not errors:
            return folder, refused
        for problem in errors:
            path = problem.location.path if problem.location else None
            assert path is not None and path.parent.name == "sections", f"a refusal not of one example: {problem}"
            refused.setdefault(files[f"sections/{path.name}"], problem.message)


def write_publication(folder: Path, sections: list[str]) -> None:
    (folder / "publication.yaml").write_text(
        "title: The CommonMark Examples\ndate: 2024-01-28\nlanguage: en\n"
        "rights:\n  holder: Nordic Institute for Energy Policy\n  year: 2024\n"
        "contributors:\n  - id: ada\n    name: Ada Berg\n    affiliations:\n      - organisation: Lund University\n"
        "house_disclaimers: [house-views, house-fiction]\nsections:\n" + "".join(f"  - {s}\n" for s in sections),
        encoding="utf-8")


def rule_of(message: str) -> str:
    rules = [rule for rule, (pattern, _) in POLICY.items() if pattern.search(message)]
    assert rules, f"a refusal that is no documented rule: {message}"
    return rules[0]


@pytest.mark.parametrize("later", [False, True], ids=["first-block", "later-block"])
def test_every_accepted_commonmark_example_is_proven_in_every_edition(tmp_path, later):
    folder, refused = corpus(tmp_path, later)
    assert Counter(rule_of(message) for message in refused.values()) == {
        rule: count for rule, (_, count) in POLICY.items()}
    accepted = len(EXAMPLES) - len(refused)
    assert accepted == 463
    result = build_publication(folder, tmp_path / "build", editions=TEXT_EDITIONS)
    assert result.report.ok  # the build raises on a failed proof; this says so once more
    text = [f for f in result.report.findings if f.edition.path.suffix in (".pdf", ".epub", ".html")
            and not f.edition.path.name.endswith(".cover.pdf")]
    for kind in ("PDF", "EPUB", "HTML"):
        credited = [f for f in text if f.edition.kind == kind and f.what == "attribution"]
        # Every section's byline proven in its own section, in each edition of the kind.
        assert len(credited) == accepted * (2 if kind == "PDF" else 1)
        assert all(f.ok for f in credited)
    blocks = [f for f in text if f.what == "blocks"]
    assert len(blocks) == 4 and len({f.count for f in blocks}) == 1 and blocks[0].count > accepted

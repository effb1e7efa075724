"""Property: whatever paths, names and addresses stand in the content's fields, `octavo validate`
and `octavo build` answer with exit 0 or 2 and no traceback, read nothing beside the publication
(a secret file waits next to it), and write nothing outside the build folder.

Each example is a copy of the seed with one field replaced by a drawn value; an example that
validates is also built (the web edition, the cheapest). Reads are watched with Python's audit
hook on "open", writes by listing the folder tree before and after."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from octavo.cli import main

from conftest import SEED_SLUG, copy_content, edit

EXPLORING = "HYPOTHESIS_EXAMPLES" in os.environ
SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 40)), deadline=None,
                    derandomize=not EXPLORING, database=None,
                    phases=list(Phase) if EXPLORING else [Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

_OPENED: list[str] | None = None


def _audit(event, args):
    if _OPENED is not None and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)

tricky = st.one_of(
    st.sampled_from(["../secret.txt", "../../secret.txt", "/etc/passwd", "sections/../../secret.txt",
                     "sections/./07-conclusion.md", "images/../../secret.txt", "file:///etc/passwd",
                     "javascript:alert(1)", "data:text/html,<b>x</b>", "http://127.0.0.1:1/x", "https://ok.example",
                     "mailto:a@b.c", "#sec-07-conclusion", "sections/07 Conclusion#1.md", "Zhu Feng <1>",
                     "\u202e.md", "ñandú.png", "a" * 300, "", " ", "~/secret.txt", "C:\\secret.txt", "%2e%2e/secret.txt",
                     "sections/loop.md", "\\\\server\\share"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))

FIELDS = {
    "section path": lambda folder, v: edit(folder / "publication.yaml", "  - sections/07-conclusion.md",
                                           f"  - {_yaml(v)}"),
    "house website": lambda folder, v: edit(folder.parent / "publisher.yaml", "website: https://www.isdp.eu",
                                            f"website: {_yaml(v)}"),
    "contributor id": lambda folder, v: edit(folder / "publication.yaml", "id: zhu-feng", f"id: {_yaml(v)}"),
    "link in the text": lambda folder, v: _append(folder, f"\nSee [the source]({v}).\n"),
    "image in the text": lambda folder, v: _append(folder, f"\n![A map]({v})\n"),
    "identifier url": lambda folder, v: edit(folder / "publication.yaml", "language: en",
                                             f"language: en\nidentifiers: {{url: {_yaml(v)}}}"),
}


def _yaml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _append(folder: Path, text: str) -> None:
    section = folder / "sections" / "07-conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + text, encoding="utf-8")


def _tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.lstat().st_mtime_ns for p in root.rglob("*")}


@SETTINGS
@given(field=st.sampled_from(sorted(FIELDS)), value=tricky)
def test_any_value_in_any_field_is_answered_safely(field, value, capsys):
    global _OPENED
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = copy_content(root)
        (root / "secret.txt").write_text("secret", encoding="utf-8")
        (folder / "sections" / "loop.md").symlink_to(folder / "sections" / "loop.md")
        FIELDS[field](folder, value)
        before = _tree(root)
        out = root / "out"
        _OPENED = []
        try:
            codes = [main(["validate", str(folder), "--content", str(folder.parent)])]
            if codes[0] == 0:
                codes.append(main(["build", str(folder), "--out", str(out), "--edition", "web"]))
        finally:
            opened, _OPENED = _OPENED, None
        shown = "".join(capsys.readouterr())
        assert set(codes) <= {0, 2}, (codes, shown)
        assert "Traceback" not in shown
        assert any(p.endswith("publisher.yaml") for p in opened)  # the audit hook sees the reads (the house file is read first)
        outside = [p for p in opened if Path(p).is_relative_to(root) and not (
            Path(p).is_relative_to(root / "content") or Path(p).is_relative_to(out))]
        assert outside == [], outside
        assert not any("secret.txt" in p for p in opened if Path(p).resolve() == (root / "secret.txt").resolve())
        after = _tree(root)
        changed = {name for name in after.keys() | before.keys() if after.get(name) != before.get(name)}
        assert all(name == "out" or name.startswith("out/") for name in changed), sorted(changed)
        assert not (root / "content" / SEED_SLUG / "build").exists()

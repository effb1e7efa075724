"""`octavo build` over a catalog: parallel, incremental, one failure does not stop the others.

One small catalog (two copies of the seed under other slugs and titles, and
one broken publication) is built once per module by the CLI in worker
processes; the tests after it change one thing at a time and check what is
rebuilt. The rest are unit tests of the fingerprint, the stamps and the report
that build nothing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

from octavo import catalog
from octavo.catalog import (EXIT_MIXED, Outcome, Progress, build_one, changed, exit_code,
                            fingerprint, stamp_path, summary, why_build, write_stamp)
from octavo.cli import main

from conftest import CONTENT, SEED_SLUG, copy_content, copy_templates, edit

SEED_TITLE = "Breaking Deadlock on the Korean Peninsula?"


def make_catalog(root: Path, slugs: dict[str, str]) -> Path:
    """content/ with the house file and one copy of the seed per slug, titled as given."""
    content = root / "content"
    content.mkdir(parents=True)
    shutil.copy(CONTENT / "publisher.yaml", content / "publisher.yaml")
    for slug, title in slugs.items():
        shutil.copytree(CONTENT / SEED_SLUG, content / slug)
        edit(content / slug / "publication.yaml", f"title: {SEED_TITLE}", f"title: {title}")
        # Two of the editions: the tests' cost is in the layout.
        edit(content / slug / "publication.yaml", "editions: [print, screen, archive, epub, web]", "editions: [screen, epub]")
    return content


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "octavo.cli", "build", *args],
                          capture_output=True, text=True, cwd=cwd)


def row(stdout: str, slug: str) -> list[str]:
    """The summary table's row for a publication, split on runs of two or more spaces."""
    import re
    line = next(line for line in stdout.splitlines() if line.startswith(slug + " "))
    return re.split(r"\s{2,}", line.strip())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalog")
    content = make_catalog(root, {"alpha": "Alpha Paper on the Korean Peninsula",
                                  "beta": "Beta Paper on the Korean Peninsula", "broken": SEED_TITLE})
    edit(content / "broken" / "publication.yaml", "title: ", "titel: ")
    run = run_cli(root, "--jobs", "2")
    return root, run


def mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if not p.name.startswith(".")}


# ------------------------------------------------------------- the catalog, built

def test_a_broken_publication_does_not_stop_the_others(built):
    root, run = built
    out = root / "build"
    assert run.returncode == 2, run.stderr  # the content error's own code
    assert sorted(mtimes(out)) == ["alpha.epub", "alpha.pdf", "beta.epub", "beta.pdf"]
    line = next(i for i, text in enumerate((root / "content/broken/publication.yaml").read_text().splitlines(), 1)
                if text.startswith("titel:"))
    assert f"content/broken/publication.yaml:{line}: unknown field 'titel'" in run.stderr
    assert "Traceback" not in run.stderr
    assert row(run.stdout, "broken")[-1] == "FAILED: content error (exit 2)"
    assert not stamp_path(out, "broken").exists()
    assert "3 publications in" in run.stdout and "2 built, 0 unchanged, 1 failed" in run.stdout


def test_the_summary_reports_titles_editions_and_the_pages_of_the_built_pdf(built):
    root, run = built
    cells = row(run.stdout, "beta")
    pages = len(PdfReader(root / "build" / "beta.pdf").pages)
    assert cells[:4] == ["beta", "Beta Paper on the Korean Peninsula", "screen, epub", str(pages)]
    assert cells[-1] == "built (first build)" and float(cells[4]) > 0
    # Not a terminal: one plain line per publication, no bar.
    assert "[1/3] " in run.stdout and "\r" not in run.stdout


def test_nothing_changed_nothing_rebuilt_and_no_renderer_imported(built):
    root, _ = built
    before = mtimes(root / "build")
    probe = textwrap.dedent("""
        import json, sys
        from octavo.cli import main
        code = main(["build", "content/alpha", "content/beta"])
        heavy = [m for m in ("weasyprint", "ebooklib", "pypdf", "octavo.build", "octavo.model") if m in sys.modules]
        print(json.dumps({"code": code, "imported": heavy}))
    """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root)
    result = json.loads(run.stdout.splitlines()[-1])
    assert result == {"code": 0, "imported": []}, run.stdout + run.stderr
    assert row(run.stdout, "alpha")[-1] == "unchanged" and row(run.stdout, "beta")[-1] == "unchanged"
    assert mtimes(root / "build") == before


def test_editing_a_section_rebuilds_that_publication_only(built, capsys):
    root, _ = built
    out = root / "build"
    before = mtimes(out)
    edit(root / "content" / "alpha" / "sections" / "07-conclusion.md",
         "important issues so as to enable constructive debate.",
         "important issues so as to enable constructive debate. Alpha revised.")
    code = main(["build", str(root / "content" / "alpha"), str(root / "content" / "beta"), "--out", str(out)])
    stdout = capsys.readouterr().out
    assert code == 0
    assert row(stdout, "alpha")[-1] == "built (changed: sections/07-conclusion.md)"
    assert row(stdout, "beta")[-1] == "unchanged"
    after = mtimes(out)
    assert after["alpha.pdf"] != before["alpha.pdf"] and after["beta.pdf"] == before["beta.pdf"]
    assert "Alpha revised." in "".join(page.extract_text() for page in PdfReader(out / "alpha.pdf").pages)


def test_force_rebuilds_and_a_template_change_rebuilds(built, tmp_path, capsys):
    root, _ = built
    out, beta = root / "build", str(root / "content" / "beta")
    assert main(["build", beta, "--out", str(out), "--force"]) == 0
    assert row(capsys.readouterr().out, "beta")[-1] == "built (--force)"

    templates = copy_templates(tmp_path)
    with open(templates / "print" / "print.css", "a", encoding="utf-8") as css:
        css.write("\n/* a harmless change: still a change to what the editions are made from */\n")
    assert main(["build", beta, "--out", str(out), "--templates", str(templates)]) == 0
    assert row(capsys.readouterr().out, "beta")[-1] == "built (changed: template print/print.css)"
    assert main(["build", beta, "--out", str(out), "--templates", str(templates)]) == 0
    assert row(capsys.readouterr().out, "beta")[-1] == "unchanged"


# ------------------------------------------------------------- no building

@pytest.fixture
def small(tmp_path):
    content = make_catalog(tmp_path, {"one": "One", "two": "Two"})
    return content, copy_templates(tmp_path)


def test_the_fingerprint_covers_sources_images_house_templates_and_editions(small):
    content, templates = small
    one, two = content / "one", content / "two"
    base = fingerprint(one, templates)
    assert fingerprint(one, templates) == base  # deterministic
    changes = {
        "section": lambda: edit(one / "sections" / "01-summary.md", "ahead.", "ahead!"),
        "image": lambda: (one / "images").mkdir() or (one / "images" / "map.png").write_bytes(b"\x89PNG"),
        "house file": lambda: edit(content / "publisher.yaml", "sponsors", "donors"),
        "template": lambda: edit(templates / "partials" / "byline.html", "affiliation", "affiliation "),
    }
    seen = {base}
    for what, change in changes.items():
        change()
        now = fingerprint(one, templates)
        assert now not in seen, f"a change to the {what} did not change the fingerprint"
        seen.add(now)
    assert fingerprint(one, templates, ("pdf",)) != fingerprint(one, templates, ("pdf", "epub"))
    # Another publication's sources are not this one's.
    before = fingerprint(two, templates)
    edit(one / "publication.yaml", "title: One", "title: Uno")
    assert fingerprint(two, templates) == before


def test_the_fingerprint_reads_regular_files_only(small):
    content, templates = small
    base = fingerprint(content / "one", templates)
    os.mkfifo(content / "one" / "pipe")  # reading it would block for ever
    assert fingerprint(content / "one", templates) == base


def test_the_fingerprint_covers_octavo_itself(small, monkeypatch):
    content, templates = small
    base = fingerprint(content / "one", templates)
    monkeypatch.setattr(catalog, "__version__", "99.0")
    assert fingerprint(content / "one", templates) != base


def test_a_stamp_holds_only_while_every_output_is_as_written(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    for name in ("x.pdf", "x.epub"):
        (out / name).write_bytes(b"proven")
    outcome = Outcome("x", "content/x", "built", title="X", editions=["pdf", "epub"],
                      outputs=[str(out / "x.pdf"), str(out / "x.epub")], pages=[3])
    inputs = {"source:publication.yaml": "1", "template:print/print.css": "2"}
    assert why_build(out, "x", inputs) == "first build"
    write_stamp(out, outcome, inputs)
    assert why_build(out, "x", inputs) is None
    assert catalog.read_stamp(out, "x")["outcome"]["pages"] == [3]
    assert why_build(out, "x", {**inputs, "source:publication.yaml": "3"}) == "changed: publication.yaml"
    (out / "x.epub").write_bytes(b"edited by hand")
    assert why_build(out, "x", inputs) == "x.epub was changed after it was built"
    write_stamp(out, outcome, inputs)
    (out / "x.pdf").unlink()
    assert why_build(out, "x", inputs) == "x.pdf is missing"
    stamp_path(out, "x").write_text("{not json")
    assert why_build(out, "x", inputs) == "first build" and catalog.read_stamp(out, "x") is None
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_what_changed_is_named_for_a_person():
    before = {"source:sections/01-summary.md": "a", "template:print/print.css": "b", "house:publisher.yaml": "c",
              "code:pdf.py": "d", "packages:": "e", "source:images/map.png": "f"}
    now = {**before, "source:sections/01-summary.md": "A", "template:print/print.css": "B", "code:pdf.py": "D",
           "packages:": "E", "source:images/new.png": "g"}
    del now["source:images/map.png"]
    assert changed(before, now) == ["images/map.png", "images/new.png", "sections/01-summary.md",
                                    "Octavo's pdf.py", "the installed Python packages", "template print/print.css"]


def test_exit_codes_one_kind_of_failure_gives_its_code_several_kinds_give_5():
    good, unchanged = Outcome("a", "a", "built"), Outcome("b", "b", "unchanged")
    content, proof = Outcome("c", "c", "content error", 2), Outcome("d", "d", "proof failed", 4)
    assert exit_code([good, unchanged]) == 0
    assert exit_code([good, content]) == 2
    assert exit_code([proof, good, Outcome("e", "e", "proof failed", 4)]) == 4
    assert exit_code([good, content, proof]) == EXIT_MIXED == 5


def test_a_crash_in_one_publication_becomes_its_outcome_with_the_traceback(monkeypatch, tmp_path):
    import octavo.build

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(octavo.build, "build_publication", explode)
    outcome = build_one(str(CONTENT / SEED_SLUG), str(tmp_path))
    assert (outcome.status, outcome.exit_code) == ("crashed", 1)
    assert "RuntimeError: boom" in outcome.message and "Traceback" in outcome.message


def test_two_folders_with_one_slug_are_refused(tmp_path):
    a, b = tmp_path / "a" / "paper", tmp_path / "b" / "paper"
    with pytest.raises(catalog.ContentError, match="the slug 'paper' is also the slug of"):
        catalog.build_catalog([a, b], tmp_path / "out")
    # One folder named twice is built once.
    assert catalog._distinct([a, tmp_path / "a" / ".." / "a" / "paper", b.parent]) == [a, b.parent]


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise():
    outcome = Outcome("alpha", "content/alpha", "built", title="A", editions=["pdf"], pages=[7], seconds=1.5,
                      message="proof: 9 checks passed")
    plain, tty = io.StringIO(), io.StringIO()
    for stream, is_tty in ((plain, False), (tty, True)):
        progress = Progress(2, stream, tty=is_tty)
        progress.started("alpha")
        progress.finished(outcome)
        progress.close()
    assert plain.getvalue() == "[1/2] alpha: built pdf (7 pages, 1.5 s); proof: 9 checks passed\n"
    assert "\r[###############---------------] 1/2 alpha: built\x1b[K" in tty.getvalue()
    assert tty.getvalue().endswith("\r\x1b[K") and "\n" not in tty.getvalue()


def test_summary_table_and_totals():
    lines = summary([Outcome("alpha", "a", "built", title="Alpha", editions=["pdf", "epub"], pages=[7],
                             seconds=2.34),
                     Outcome("beta", "b", "unchanged", title="Beta", editions=["pdf", "epub"], pages=[9]),
                     Outcome("broken", "c", "content error", 2, seconds=0.1)], 3.0)
    assert lines[0].split() == ["publication", "title", "editions", "pages", "seconds", "status"]
    assert row("\n".join(lines), "alpha") == ["alpha", "Alpha", "pdf, epub", "7", "2.3", "built"]
    assert row("\n".join(lines), "beta") == ["beta", "Beta", "pdf, epub", "9", "-", "unchanged"]
    assert row("\n".join(lines), "broken")[-1] == "FAILED: content error (exit 2)"
    assert lines[-1] == "3 publications in 3.0 s: 1 built, 1 unchanged, 1 failed"


def test_build_prints_warnings_and_strict_makes_them_errors(tmp_path, capsys):
    content = make_catalog(tmp_path, {"warned": "A Paper With a Placeholder"})
    edit(content / "warned" / "sections" / "07-conclusion.md", "We hope that the reader",
         "TODO We hope that the reader")
    out = tmp_path / "build"
    assert main(["build", "--content", str(content), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "07-conclusion.md:6" in err and "placeholder 'TODO'" in err
    # Unchanged since a build that had warnings: --strict does not skip it, it fails it.
    assert main(["build", "--content", str(content), "--out", str(out), "--strict"]) == 2
    out_text, err = capsys.readouterr()
    assert "07-conclusion.md:6" in err and "--strict makes it an error" in err
    assert "FAILED: content error" in out_text


def test_a_usage_error_is_exit_64_not_a_content_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["build", "--jobs", "0"])
    assert caught.value.code == 64
    assert "--jobs" in capsys.readouterr().err


def test_the_fingerprint_covers_every_module_and_the_house_styles(tmp_path):
    """A change to an edition's module (editions/*.py) or to the house's own style rebuilds."""
    folder = copy_content(tmp_path)
    before = catalog.inputs(folder)
    assert {"code:editions/web.py", "code:editions/pdf.py", "code:catalog.py"} <= before.keys()
    css = folder.parent / "styles" / "plain" / "print" / "house.css"
    css.parent.mkdir(parents=True)
    css.write_text("p { color: black; }\n", encoding="utf-8")
    now = catalog.inputs(folder)
    assert catalog.changed(before, now) == ["house file styles/plain/print/house.css"]


def test_a_section_saved_during_a_build_is_rebuilt_next_time(tmp_path, monkeypatch):
    """The stamp records the bytes the build rendered: a section an editor saves while the build
    runs (here: while the proof reads the editions) is not taken as built."""
    import octavo.build

    folder = copy_content(tmp_path)
    section = folder / "sections" / "07-conclusion.md"
    real = octavo.build.verify

    def verify_while_an_editor_saves(*args, **kwargs):
        section.write_text(section.read_text(encoding="utf-8").replace("We hope", "We trust"), encoding="utf-8")
        return real(*args, **kwargs)

    monkeypatch.setattr(octavo.build, "verify", verify_while_an_editor_saves)
    [outcome] = catalog.build_catalog([folder], tmp_path / "out", editions=("web",), jobs=1)
    assert outcome.status == "built"
    monkeypatch.setattr(octavo.build, "verify", real)
    assert catalog.why_build(tmp_path / "out", folder.name, catalog.inputs(folder, None, ("web",))) == \
        "changed: sections/07-conclusion.md"


def test_the_stamp_holds_what_was_rendered_even_when_the_fingerprint_was_taken_earlier(tmp_path, monkeypatch):
    """A section saved between the fingerprint and the build's reading: the build renders the new
    text, and the stamp says so, so the next run has nothing to rebuild."""
    folder = copy_content(tmp_path)
    section = folder / "sections" / "07-conclusion.md"
    real = catalog.inputs

    def inputs_then_an_editor_saves(*args, **kwargs):
        entries = real(*args, **kwargs)
        section.write_text(section.read_text(encoding="utf-8").replace("We hope", "We trust"), encoding="utf-8")
        return entries

    monkeypatch.setattr(catalog, "inputs", inputs_then_an_editor_saves)
    [outcome] = catalog.build_catalog([folder], tmp_path / "out", editions=("web",), jobs=1)
    monkeypatch.setattr(catalog, "inputs", real)
    assert "We trust" in (tmp_path / "out" / f"{folder.name}.html").read_text(encoding="utf-8")
    assert catalog.why_build(tmp_path / "out", folder.name, catalog.inputs(folder, None, ("web",))) is None


def test_the_fingerprint_does_not_follow_a_link_out_of_the_publication(tmp_path):
    """An unreferenced link to a file elsewhere is not hashed: the build reads nothing outside the publication."""
    folder = copy_content(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside", encoding="utf-8")
    (folder / "notes.txt").symlink_to(secret)
    (folder / "loop").symlink_to(folder / "loop")
    inside = folder / "sections" / "alias.md"
    inside.symlink_to(folder / "sections" / "07-conclusion.md")
    entries = catalog.inputs(folder)
    assert "source:notes.txt" not in entries and "source:loop" not in entries
    assert "source:sections/alias.md" in entries  # a link that stays inside is the file it names

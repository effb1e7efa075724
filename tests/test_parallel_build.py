"""One publication's editions made in parallel (build.py, parallel.py): the same bytes as one
after another, each page setup laid out once across all the processes, every edition proven
(where it is written, or in a fresh process once the pages are painted), and a failure or a
signal anywhere leaving build/ as it was."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import octavo.build
import octavo.layout
import octavo.errors
import octavo.parallel
from octavo.build import build_publication
from octavo.cli import main
from octavo.editions import EDITIONS

from conftest import CONTENT, REPO, SEED_SLUG, copy_content, copy_templates, edit

SEED = CONTENT / SEED_SLUG


def _where_editions_are_proven(tmp_path: Path, monkeypatch) -> callable:
    """Record, in a file every process can append to, which process proves each edition
    (build.verify, called once per edition right after it is written)."""
    record = tmp_path / "proven.txt"
    real = octavo.build.verify

    def verify(document, paths, *args, **kwargs):
        with open(record, "a", encoding="utf-8") as handle:
            handle.writelines(f"{os.getpid()} {Path(final).name}\n" for final in paths.values())
        return real(document, paths, *args, **kwargs)

    monkeypatch.setattr(octavo.build, "verify", verify)

    def read() -> dict[str, int]:
        lines = record.read_text(encoding="utf-8").split("\n") if record.exists() else []
        record.unlink(missing_ok=True)
        return {name: int(pid) for pid, name in (line.split() for line in lines if line)}

    return read


def test_a_parallel_build_makes_the_bytes_a_serial_build_makes(tmp_path, monkeypatch):
    proven_in = _where_editions_are_proven(tmp_path, monkeypatch)
    together = build_publication(SEED, tmp_path / "parallel", jobs=2)
    parallel_pids = proven_in()
    monkeypatch.setenv("OCTAVO_JOBS", "1")  # the switch for one edition after another, in this process
    apart = build_publication(SEED, tmp_path / "serial")
    serial_pids = proven_in()

    assert (together.jobs, apart.jobs) == (2, 1)
    assert [p.name for p in together.outputs] == [p.name for p in apart.outputs] == \
        [EDITIONS[name].filename(SEED_SLUG) for name in EDITIONS]
    for made, reference in zip(together.outputs, apart.outputs):
        assert made.read_bytes() == reference.read_bytes(), f"{made.name} differs from the serial build's"
    assert together.report.summary() == apart.report.summary()
    assert together.report.ok and together.notices == apart.notices
    # Written and proven elsewhere: in at least two processes, none of them this one.
    assert sorted(parallel_pids) == sorted(serial_pids) == sorted(p.name for p in apart.outputs)
    assert os.getpid() not in parallel_pids.values() and len(set(parallel_pids.values())) >= 2
    assert set(serial_pids.values()) == {os.getpid()}
    # Every stage is timed wherever it ran.
    assert {"layout print sheet", "layout trimmed page", "write screen", "proof screen"} <= together.timings.keys()


def test_each_page_setup_is_laid_out_once_across_the_processes(tmp_path, monkeypatch):
    """A parallel build of every edition: one layout of the print sheet and one of the trimmed
    page in all its processes together (the screen and archive PDFs, the EPUB's page map and the
    web page's anchors share the trimmed page's), and the two covers; none in this process."""
    from weasyprint import HTML

    record = tmp_path / "layouts.txt"
    real = HTML.render

    def render(self, *args, **kwargs):
        root = self.etree_element
        kind = ("cover" if root.find(".//*[@data-fit]") is not None
                else "print sheet" if "colour-cmyk" in (root.get("class") or "") else "trimmed page")
        with open(record, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {kind}\n")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", render)
    build_publication(SEED, tmp_path / "out", jobs=2)
    layouts = [line.split(" ", 1) for line in record.read_text(encoding="utf-8").splitlines()]
    kinds = sorted(kind for _, kind in layouts)
    assert kinds == ["cover", "cover", "print sheet", "trimmed page"]
    assert str(os.getpid()) not in {pid for pid, _ in layouts}


def test_each_edition_lays_out_the_setup_its_registry_row_names(tmp_path, monkeypatch):
    """The parallel build lays each setup out in the process that then writes the editions whose
    row names it (Edition.setup). An edition built alone lays out exactly that setup: a row that
    named the wrong one would make the build lay a setup out twice."""
    from weasyprint import HTML

    made = []
    real = HTML.render

    def render(self, *args, **kwargs):
        root = self.etree_element
        if root.find(".//*[@data-fit]") is None:  # not a cover
            made.append("print sheet" if "colour-cmyk" in (root.get("class") or "") else "trimmed page")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", render)
    for name, edition in EDITIONS.items():
        made.clear()
        build_publication(SEED, tmp_path / name, editions=(name,), jobs=1)
        assert made == [edition.setup], f"the {name} edition laid out {made}, its row names {edition.setup}"


def test_a_group_that_has_painted_its_pages_leaves_the_rest_to_a_fresh_process(tmp_path, monkeypatch):
    """With every job taken by a page setup (2 jobs, 2 setups), the process that laid a setup
    out writes the editions that paint its pages, then ends; their proofs and the editions that
    read only the page count or the page starts (the cover, the EPUB, the web page) are made in
    a fresh process forked from the build's, which holds no layout: a process that has laid out
    300 pages keeps some 100 MB after freeing them (`make bench`'s peak memory)."""
    proven_in = _where_editions_are_proven(tmp_path, monkeypatch)
    record = tmp_path / "written.txt"
    real_edition, real_lay_out = octavo.build._Work.edition, octavo.layout.lay_out

    def edition(self, name, *args, **kwargs):
        with open(record, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} write {name}\n")
        return real_edition(self, name, *args, **kwargs)

    def lay_out(rendering, setup=octavo.layout.TRIMMED):
        if ("layout", setup) not in rendering.shared:
            with open(record, "a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()} layout {setup.name}\n")
        return real_lay_out(rendering, setup)

    # No job is ever free for a helper here: the two page setups' processes hold both. (The
    # seed's print sheet is done long before the trimmed page, and its job, given back, would
    # otherwise go to a helper of the trimmed page's process, which proves where it writes.)
    real_take, taken = octavo.parallel.Tokens.take, []

    def take(self):
        if len(taken) >= 2:
            return False
        taken.append(True)
        return real_take(self)

    monkeypatch.setattr(octavo.parallel.Tokens, "take", take)
    monkeypatch.setattr(octavo.build._Work, "edition", edition)
    monkeypatch.setattr(octavo.layout, "lay_out", lay_out)
    made = build_publication(SEED, tmp_path / "out", jobs=2)
    proven = {name.removeprefix(SEED_SLUG): pid for name, pid in proven_in().items()}
    events = [line.split(" ", 2) for line in record.read_text(encoding="utf-8").splitlines()]
    laid = {what: int(pid) for pid, kind, what in events if kind == "layout"}
    written = {what: int(pid) for pid, kind, what in events if kind == "write"}

    assert made.report.ok and set(laid) == {"print sheet", "trimmed page"}
    assert written["print"] == laid["print sheet"]
    # The screen PDF is finished in a fork of the trimmed page's process (the painting stays
    # pristine there for the archive); the archive in that process itself.
    assert written["archive"] == laid["trimmed page"] != written["screen"]
    for name, suffix in (("print", ".print.pdf"), ("screen", ".pdf"), ("archive", ".archive.pdf")):
        assert proven[suffix] not in (written[name], *laid.values()), f"the {name} PDF was proven where it was painted"
    for name, suffix in (("cover", ".cover.pdf"), ("epub", ".epub"), ("web", ".html")):
        assert written[name] not in laid.values(), f"the {name} edition was made in a process holding a layout"
        assert proven[suffix] == written[name]
    assert proven[".print.pdf"] == written["cover"]  # the print sheet's follower: one process
    assert proven[".pdf"] == proven[".archive.pdf"] == written["epub"] == written["web"]


def test_a_serial_build_frees_each_layout_before_making_the_next(tmp_path, monkeypatch):
    """One edition after another, the build holds one layout at a time (a 300-page layout is
    some 200 MB): the print sheet's is freed once print and cover are written."""
    import octavo.layout

    held = {}
    real = octavo.layout.lay_out

    def lay_out(rendering, setup=octavo.layout.TRIMMED):
        held.setdefault(setup.name, [key[1].name for key in rendering.shared if key[0] == "layout"])
        return real(rendering, setup)

    monkeypatch.setattr(octavo.layout, "lay_out", lay_out)
    build_publication(SEED, tmp_path / "out", jobs=1)
    assert held == {"print sheet": [], "trimmed page": []}


def _crash_in(monkeypatch, module: str, function: str, failure) -> None:
    import importlib

    def broken(*args, **kwargs):
        failure()

    monkeypatch.setattr(importlib.import_module(module), function, broken)


def _build_over_previous(tmp_path: Path, capsys, jobs: int) -> tuple[int, str, dict[str, bytes], Path]:
    """`octavo build` of a copy of the seed over stand-ins for its previous editions."""
    folder = copy_content(tmp_path / f"jobs-{jobs}")
    out = tmp_path / f"out-{jobs}"
    out.mkdir()
    previous = {}
    for edition in EDITIONS.values():
        previous[edition.filename(SEED_SLUG)] = f"previous {edition.name}\n".encode()
        (out / edition.filename(SEED_SLUG)).write_bytes(previous[edition.filename(SEED_SLUG)])
    code = main(["build", str(folder), "--out", str(out), "--jobs", str(jobs)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out
    return code, captured.err, previous, out


def _as_before(out: Path, previous: dict[str, bytes]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(previous), "the build left something in build/"
    for name, data in previous.items():
        assert (out / name).read_bytes() == data, f"{name} changed"


def test_a_writer_crashing_in_a_child_fails_as_it_does_in_the_build_itself(tmp_path, monkeypatch, capsys):
    def crash():
        raise RuntimeError("the EPUB writer broke")

    _crash_in(monkeypatch, "octavo.editions.epub", "write_epub", crash)
    results = {}
    for jobs in (2, 1):
        code, err, previous, out = _build_over_previous(tmp_path, capsys, jobs)
        _as_before(out, previous)
        results[jobs] = code, err
    (code, err), (serial_code, serial_err) = results[2], results[1]
    assert code == serial_code == 1
    for words in ("Octavo crashed (a bug)", "RuntimeError: the EPUB writer broke"):
        assert words in err and words in serial_err
    # The child's own traceback comes back with it: where the writer failed, in which edition.
    assert "in the worker process" in err and "in broken" in err
    assert "while making the epub edition" in err and "while making the epub edition" in serial_err


def test_a_render_error_in_a_child_is_the_same_error_with_the_same_exit_code(tmp_path, monkeypatch, capsys):
    from octavo.errors import RenderError

    def fail():
        raise RenderError("template 'web/page.html': the page cannot be made")

    _crash_in(monkeypatch, "octavo.editions.web", "write_web", fail)
    errors = {}
    for jobs in (2, 1):
        code, err, previous, out = _build_over_previous(tmp_path, capsys, jobs)
        _as_before(out, previous)
        assert code == 3
        errors[jobs] = [line.replace(f"jobs-{jobs}", "") for line in err.splitlines() if line.startswith("error:")]
    assert errors[2] == errors[1] and "the page cannot be made" in errors[2][0]


def test_a_child_killed_outright_fails_the_build_and_leaves_build_as_it_was(tmp_path, monkeypatch, capsys):
    _crash_in(monkeypatch, "octavo.editions.epub", "write_epub", lambda: os.kill(os.getpid(), signal.SIGKILL))
    code, err, previous, out = _build_over_previous(tmp_path, capsys, 2)  # never in this process: jobs=2
    _as_before(out, previous)
    assert code == 3  # an error of the build, not a bug's: the kernel's out-of-memory killer sends SIGKILL
    assert "the worker process making the epub edition died (killed by signal 9)" in err
    assert "set OCTAVO_WORKER_MEMORY higher" in err and "Traceback" not in err


def test_a_full_disk_under_a_child_is_the_same_write_error(tmp_path, monkeypatch, capsys):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[-1]))

    monkeypatch.setattr("octavo.editions.web.write_web", full)
    errors = {}
    for jobs in (2, 1):
        code, err, previous, out = _build_over_previous(tmp_path, capsys, jobs)
        _as_before(out, previous)
        assert code == 3
        lines = [line.replace(f"jobs-{jobs}", "").replace(f"out-{jobs}", "") for line in err.splitlines()]
        # The temporary file's name is random: the rest of the message is the same.
        errors[jobs] = [re.sub(r"\.\d+\.\w+\.tmp", ".TEMPORARY", line) for line in lines if line.startswith("error:")]
    assert errors[2] == errors[1] and "No space left on device" in errors[2][0]


def test_a_queue_item_left_for_another_stays_first():
    from octavo import parallel

    queue = parallel.Queue(["print", "cover", "epub"], shared=False)
    painters = lambda name: name == "print"  # noqa: E731
    assert queue.take(painters) == "print"
    assert queue.take(painters) is None and queue.untaken() == ["cover", "epub"]
    assert queue.take() == "cover"


def test_results_come_back_as_the_children_end_including_those_started_meanwhile():
    from octavo import parallel

    order = []
    with parallel.Workers() as workers:
        workers.start("a slow child", time.sleep, 0.5)
        workers.start("a quick child", int, "7")
        for result in workers.as_they_end():
            order.append(result)
            if result == 7:
                workers.start("a child started meanwhile", int, "8")
    assert order[0] == 7 and sorted(order[1:], key=str) == [8, None]  # the quick one first; then either


def test_an_error_that_cannot_be_pickled_comes_back_with_its_message_and_exit_code():
    """A ContentError's constructor takes its problems, not its message: pickled as it is, it
    would come back garbled; it comes back with the same message and exit code instead."""
    from octavo import parallel
    from octavo.errors import ContentError, Location, OctavoError, Problem

    error = ContentError([Problem(Location(Path("sections/01.md"), 3), "a bad field", "write it so")])

    def fail():
        raise error

    with pytest.raises(OctavoError) as caught, parallel.Workers() as workers:
        workers.start("failing", fail)
        workers.results()
    assert (str(caught.value), caught.value.exit_code) == (str(error), 2)


def test_a_proof_failing_in_a_child_keeps_the_rejected_copies_aside(tmp_path):
    """The proof runs where each edition is written; its findings come back, and the build
    publishes nothing and sets every edition aside as rejected, as one process does."""
    from octavo.errors import VerificationError

    templates = copy_templates(tmp_path)
    edit(templates / "epub" / "imprint.xhtml", "{{ imprint(p, level=1) }}", "<p>Imprint withheld.</p>")
    reports, names = {}, {}
    for jobs in (2, 1):
        out = tmp_path / f"out-{jobs}"
        with pytest.raises(VerificationError) as caught:
            build_publication(SEED, out, templates, editions=("screen", "archive", "epub"), jobs=jobs)
        failures = caught.value.report.failures
        reports[jobs] = [(f.edition.kind, f.edition.path.name, f.what, f.subject) for f in failures]
        names[jobs] = sorted(p.name for p in out.iterdir())
    assert reports[2] == reports[1] == [("EPUB", f"{SEED_SLUG}.epub", "disclaimer", "house-opinions")]
    assert names[2] == names[1] == sorted(f"{SEED_SLUG}.rejected{suffix}" for suffix in (".pdf", ".archive.pdf", ".epub"))


def test_a_bad_octavo_jobs_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OCTAVO_JOBS", "two")
    folder = copy_content(tmp_path)
    code = main(["build", str(folder), "--out", str(tmp_path / "out"), "--edition", "web"])
    err = capsys.readouterr().err
    assert code == 64 and "OCTAVO_JOBS='two': give a whole number of processes, at least 1" in err
    assert not (tmp_path / "out" / f"{SEED_SLUG}.html").exists()


# ------------------------------------------------------------------ signals

def _descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def _workers(pid: int) -> list[int]:
    """The build's forked workers: its descendants running its own command line (not a helper
    program a library runs, such as the gcc that ctypes.util.find_library starts)."""
    def command(of: int) -> bytes:
        try:
            return Path(f"/proc/{of}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            return b""

    return [child for child in _descendants(pid) if command(child) == command(pid)]


def _running(command: bytes) -> list[int]:
    """Every live process on the machine running this command line (a build's own, with its
    private temporary folder in it), wherever it has been reparented."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "cmdline").read_bytes() == command and _alive(int(proc.name)):
                    found.append(int(proc.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _building_in_parallel(tmp_path: Path, writing: bool = True):
    """`octavo build <seed copy> --jobs 2`, once it has forked its workers (and, if `writing`, once
    an edition is being written): (process, out); process.command is its command line."""
    folder = copy_content(tmp_path)
    out = tmp_path / "out"
    build = subprocess.Popen([sys.executable, "-m", "octavo.cli", "build", str(folder), "--out", str(out),
                              "--jobs", "2", "--force"],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    workers = []
    while time.monotonic() < deadline and build.poll() is None:
        workers = _workers(build.pid)
        written = [p for p in out.glob(f".{SEED_SLUG}*.tmp*") if p.exists() and p.stat().st_size > 0] \
            if out.exists() else []
        if len(workers) >= 2 and (written or not writing):
            break
        time.sleep(0.02)
    assert build.poll() is None and len(workers) >= 2, "the build did not fork its workers"
    build.command = Path(f"/proc/{build.pid}/cmdline").read_bytes()
    return build, out


def _published(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def test_sigterm_stops_a_parallel_build_and_every_process_it_forked(tmp_path):
    build, out = _building_in_parallel(tmp_path)
    build.send_signal(signal.SIGTERM)
    assert build.wait(timeout=60) == 143
    assert "terminated:" in build.stderr.read()
    build.stderr.close()
    # Not by pid (on a busy machine a pid is soon another process's): by the build's command line.
    assert _running(build.command) == []
    published = _published(out)
    assert published == []  # the seed's editions are proven together: none was ready to publish
    time.sleep(2.0)
    assert _published(out) == published and not list(out.glob(".*.tmp*"))  # nothing written after


def test_every_process_of_a_parallel_build_dies_with_it(tmp_path):
    """SIGKILL gives the build no time to stop its workers: the kernel ends them (PR_SET_PDEATHSIG),
    children and grandchildren, so none writes on and nothing is published."""
    # Killed while the layouts are under way: a worker left alive would go on to write its edition.
    build, out = _building_in_parallel(tmp_path, writing=False)
    build.kill()
    written = {p: p.stat().st_mtime_ns for p in out.glob(".*.tmp*")}
    build.wait()
    build.stderr.close()
    deadline = time.monotonic() + 10  # a process in uninterruptible I/O dies when the I/O ends
    while _running(build.command) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(build.command) == []
    assert {p: p.stat().st_mtime_ns for p in out.glob(".*.tmp*")} == written, "a worker wrote after the kill"
    assert _published(out) == []


@pytest.mark.parametrize("jobs", [2, 1])
def test_a_title_built_alone_gets_the_jobs_asked_for(tmp_path, monkeypatch, jobs):
    """One title (or --jobs 1, one at a time): the catalog builds it in its own process and
    passes --jobs on, so its editions use the cores (or, with 1, are made one after another)."""
    from octavo import catalog

    asked = []
    real = octavo.build.build_publication

    def build(*args, **kwargs):
        asked.append(kwargs.get("jobs"))
        return real(*args, **kwargs)

    monkeypatch.setattr(octavo.build, "build_publication", build)
    folder = copy_content(tmp_path)
    [outcome] = catalog.build_catalog([folder], tmp_path / "out", editions=("web",), jobs=jobs)
    assert outcome.status == "built" and asked == [jobs]


@pytest.mark.parametrize(("jobs", "titles", "each"), [(2, 3, 1), (4, 2, 2), (3, 2, 1)])
def test_titles_built_side_by_side_share_the_jobs(tmp_path, monkeypatch, jobs, titles, each):
    """Titles in the catalog's worker processes share the jobs: with two workers on two cores
    each title makes its editions one after another (never four layouts at once on two cores);
    with four jobs and two titles each title has two."""
    import concurrent.futures

    from octavo import catalog

    submitted = []

    class Recorder:  # stands in for the worker pool: records what each title is asked to use
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, function, *args, **kwargs):
            submitted.append(kwargs.get("jobs"))
            future = concurrent.futures.Future()
            future.set_result(catalog.Outcome(Path(args[0]).name, args[0], "crashed", 1))
            return future

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recorder)
    content = tmp_path / "content"
    slugs = [f"title-{n}" for n in range(titles)]
    for slug in slugs:
        copy_content(tmp_path, SEED_SLUG)
        (content / SEED_SLUG).rename(content / slug)
    catalog.build_catalog([content / s for s in slugs], tmp_path / "out", jobs=jobs)
    assert submitted == [each] * titles


# ------------------------------------------------------------------ speed

def test_the_page_references_kept_for_tagging_write_the_same_bytes(tmp_path, monkeypatch):
    """editions/pdf.py keeps pydyf's list of page references instead of making it again for each
    structure element a tagged PDF has (17,643 times for the 300-page paper): the screen and
    archive PDFs are the bytes pydyf's own property writes."""
    import pydyf

    from octavo.editions.pdf import ARCHIVE, SCREEN, write_pdf
    from octavo.model import load_publication
    from octavo.render import Rendering

    rendering = Rendering(load_publication(SEED))
    for edition in (SCREEN, ARCHIVE):
        write_pdf(rendering, tmp_path / f"kept-{edition.name}.pdf", edition)
    assert pydyf.PDF.page_references is not pydyf.PDF._pydyf_page_references  # the mend is in place
    monkeypatch.setattr(pydyf.PDF, "page_references", pydyf.PDF._pydyf_page_references)
    for edition in (SCREEN, ARCHIVE):
        write_pdf(rendering, tmp_path / f"pydyf-{edition.name}.pdf", edition)
        kept, own = (tmp_path / f"{how}-{edition.name}.pdf" for how in ("kept", "pydyf"))
        assert kept.read_bytes() == own.read_bytes(), f"the {edition.name} PDF differs"


def test_the_print_sheet_breaks_lines_and_pages_as_the_trimmed_page_does(seed_pdf_editions):
    """Why the print sheet is a layout of its own although its pages are the trimmed page's:
    the same pages with the same text on each (WeasyPrint resolves the sheet's CMYK colours,
    bleed and crop marks into the boxes as it lays them out, so one layout cannot serve both)."""
    from octavo.verify import read_pdf

    sheet, trimmed = (read_pdf(seed_pdf_editions[name]).pages for name in ("print", "screen"))
    assert len(sheet) == len(trimmed) > 1
    assert [i for i, (a, b) in enumerate(zip(sheet, trimmed)) if a != b] == []


def _trimmed_pages_painted(tmp_path: Path, monkeypatch) -> callable:
    """Count, in every process, the pages of the trimmed page setup WeasyPrint paints into a PDF
    (Page.paint; the print sheet's pages are larger by their bleed and marks, a cover's are
    the cover's)."""
    from weasyprint.document import Page

    record = tmp_path / "painted.txt"
    real = Page.paint

    def paint(self, *args, **kwargs):
        with open(record, "a", encoding="utf-8") as handle:
            handle.write(f"{self.width:.1f}x{self.height:.1f} {sum(self.bleed.values()):.1f}\n")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Page, "paint", paint)

    def read() -> int:
        """How many times the most painted page size was painted (the trimmed page's)."""
        from collections import Counter

        lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
        record.unlink(missing_ok=True)
        return Counter(lines).most_common(1)[0][1]

    return read


@pytest.mark.parametrize("jobs, painted_once", [(2, True), (4, True), (1, False), ("unsupported", False)])
def test_the_screen_and_archive_pdfs_are_painted_once_and_finished_each_its_own_way(
        tmp_path, monkeypatch, jobs, painted_once):
    """A parallel build paints the trimmed page's pages once for the screen and archive PDFs
    (editions/pdfpaint.py) and finishes each from that painting, kept pristine for each by a
    fork: with no job free (2 jobs, 2 page setups) the second is finished in a child while the
    first waits; with jobs to spare, in a helper. Each file is the bytes WeasyPrint's own
    write_pdf makes, as one after another (OCTAVO_JOBS=1) or with another WeasyPrint version,
    where nothing is painted ahead: the shared painting changes no claim of either file."""
    from octavo.editions import pdfpaint
    from octavo.verify import read_pdf

    count = _trimmed_pages_painted(tmp_path, monkeypatch)
    if jobs == "unsupported":
        monkeypatch.setattr(pdfpaint, "supported", lambda: False)
    made = build_publication(SEED, tmp_path / "out", editions=("screen", "archive", "epub"),
                             jobs=2 if jobs == "unsupported" else jobs)
    outputs = {p.name: p for p in made.outputs}
    screen = read_pdf(outputs[f"{SEED_SLUG}.pdf"])
    assert count() == len(screen.pages) * (1 if painted_once else 2)

    monkeypatch.setenv("OCTAVO_JOBS", "1")
    serial = build_publication(SEED, tmp_path / "serial", editions=("screen", "archive", "epub"))
    assert count() == len(screen.pages) * 2  # one after another: each PDF paints its own
    for reference in serial.outputs:
        assert outputs[reference.name].read_bytes() == reference.read_bytes(), f"{reference.name} differs"


def test_a_painting_is_finished_once():
    """Finishing writes into the painting (fonts, tags, the variant's marks): a second edition
    finished from the same one would carry the first's. pdfpaint refuses it."""
    from octavo.editions import pdfpaint
    from octavo.editions.pdf import SCREEN, paint_ahead
    from octavo.layout import TRIMMED
    from octavo.model import load_publication
    from octavo.render import Rendering

    rendering = Rendering(load_publication(SEED))
    assert paint_ahead(rendering, ["screen", "archive"])
    painted = rendering.shared[("painted", TRIMMED)]
    options = pdfpaint.pdf_options(**SCREEN.options(rendering))
    pdfpaint.finish(painted, options)
    with pytest.raises(ValueError, match="finished once"):
        pdfpaint.finish(painted, options)
    assert not paint_ahead(rendering, ["screen", "epub"])  # one PDF: nothing to share


def test_streams_deflated_at_zlibs_default_level_hold_what_pydyf_s_own_hold(tmp_path, monkeypatch):
    """layout.py deflates PDF streams at zlib's level 6, not pydyf's 9: the same content, a few
    per cent more bytes. Every page of the seed's screen PDF inflates to what pydyf's own
    property writes, and the file is at most 5 % larger."""
    import zlib

    import pydyf
    from pypdf import PdfReader

    from octavo.editions.pdf import SCREEN, write_pdf
    from octavo.patches import DEFLATE_LEVEL
    from octavo.model import load_publication
    from octavo.render import Rendering

    rendering = Rendering(load_publication(SEED))
    write_pdf(rendering, tmp_path / "six.pdf", SCREEN)
    assert pydyf.Stream.data is not pydyf.Stream._pydyf_data  # the level is set
    monkeypatch.setattr(pydyf.Stream, "data", pydyf.Stream._pydyf_data)
    write_pdf(rendering, tmp_path / "nine.pdf", SCREEN)

    def contents(path):
        return [page.get_contents().get_data() for page in PdfReader(str(path)).pages]

    six, nine = tmp_path / "six.pdf", tmp_path / "nine.pdf"
    assert six.read_bytes() != nine.read_bytes()
    assert contents(six) == contents(nine)
    assert nine.stat().st_size < six.stat().st_size <= nine.stat().st_size * 1.05
    assert DEFLATE_LEVEL == 6 and zlib.Z_DEFAULT_COMPRESSION == -1  # -1 is 6 in zlib


# ------------------------------------------------------------ memory

def test_each_worker_runs_under_the_memory_limit(monkeypatch):
    """Issue 22: every worker process runs under a memory limit (its address space), by default
    parallel.WORKER_MEMORY_BYTES, else OCTAVO_WORKER_MEMORY."""
    import resource

    def limit():
        return resource.getrlimit(resource.RLIMIT_AS)[0]

    with octavo.parallel.Workers() as workers:
        workers.start("reading its limit", limit)
        assert workers.results() == [octavo.parallel.WORKER_MEMORY_BYTES]
    monkeypatch.setenv("OCTAVO_WORKER_MEMORY", "3G")
    with octavo.parallel.Workers() as workers:
        workers.start("reading its limit", limit)
        assert workers.results() == [3 * 1024 ** 3]
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != 3 * 1024 ** 3  # the build's own process is not limited


def test_a_publication_over_the_memory_limit_fails_with_what_to_set_and_publishes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OCTAVO_WORKER_MEMORY", "64M")
    folder = copy_content(tmp_path)
    out = tmp_path / "out"
    code = main(["build", str(folder), "--out", str(out), "--jobs", "2"])
    printed = capsys.readouterr()
    assert code == 3, printed
    assert "OCTAVO_WORKER_MEMORY" in printed.out + printed.err and "64 MB" in printed.out + printed.err
    assert "Traceback" not in printed.out + printed.err
    assert not out.exists() or not [p for p in out.iterdir() if SEED_SLUG in p.name and "rejected" not in p.name]


def test_a_memory_limit_that_is_not_a_size_is_refused(monkeypatch):
    monkeypatch.setenv("OCTAVO_WORKER_MEMORY", "lots")
    with pytest.raises(octavo.errors.OctavoError, match="OCTAVO_WORKER_MEMORY='lots': give the memory"):
        octavo.parallel.worker_memory()


def test_a_memory_limit_that_is_not_a_size_is_a_usage_error_even_in_one_process(tmp_path, monkeypatch, capsys):
    """With --jobs 1 no worker is started, and the limit was never read: a typo went unnoticed
    until the day the build ran in parallel. It is read first, and refused (64) before anything is built."""
    monkeypatch.setenv("OCTAVO_WORKER_MEMORY", "banana")
    folder = copy_content(tmp_path)
    code = main(["build", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1", "--edition", "web"])
    err = capsys.readouterr().err
    assert code == 64 and "OCTAVO_WORKER_MEMORY='banana'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()

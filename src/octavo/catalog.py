"""The catalog: every publication built in parallel worker processes, and only what has changed.

The unit of work is build.build_publication (load → render → write → verify
→ publish for one publication). This module decides which publications need
it, runs them in worker processes so that one failure cannot stop the others,
and keeps a stamp beside the outputs of each proven build.

Incremental builds: a publication's *fingerprint* is a SHA-256 over
everything its editions are made from: every file in its folder (YAML,
sections, images), the house file and the house's own styles
(content/styles/), every file of the templates, Octavo's version and own
source (every module, the editions' included), the installed Python distributions (WeasyPrint,
EbookLib, ... by version) and the editions asked for. The stamp
(<out>/.<slug>.octavo.json) is written only after a build has been proven and
published, and records the fingerprint, each input's own digest (so the next
build can say what changed) and each output's size and time; a publication is
skipped only when the fingerprint matches and every output is still there as
it was written. System fonts are not part of the fingerprint: after changing
fonts, build with --force.

Import discipline: this module imports only the standard library,
octavo.errors and octavo.resources at module level. The pipeline (model, render, build: ~0.4 s)
and WeasyPrint (~1.3 s) are imported by the workers that render, so a run
with nothing to do stays well under 0.3 s (`make bench` measures it).
"""

from __future__ import annotations

import hashlib
import json
import re
import os
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from . import __version__, parallel
from .errors import (EXIT_CONTENT, EXIT_MIXED, EXIT_PROOF, EXIT_RENDER, ContentError, Location, OctavoError, Problem,
                     os_error_message)
from .resources import STYLES, default_templates

# Both also defined by the pipeline (model.PUBLICATION_FILE, model.PUBLISHER_FILE,
# render.DEFAULT_TEMPLATES); repeated here so that deciding "nothing to do"
# does not import it.
PUBLICATION_FILE = "publication.yaml"
PUBLISHER_FILE = "publisher.yaml"
DEFAULT_TEMPLATES = default_templates()

STAMP_FORMAT = 2
STATUS_BY_EXIT = {EXIT_CONTENT: "content error", EXIT_RENDER: "render error", EXIT_PROOF: "proof failed"}


@dataclass
class Outcome:
    """What happened to one publication; plain data, so it crosses process boundaries."""

    slug: str
    folder: str
    status: str  # "built", "unchanged", or a failure: "content error", "render error", "proof failed", ...
    exit_code: int = 0
    title: str = ""
    editions: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    pages: list[int | None] = field(default_factory=list)  # one per PDF edition, in edition order
    seconds: float = 0.0
    message: str = ""  # the proof summary when built; the error when failed
    report_lines: list[str] = field(default_factory=list)  # the proof's findings when the proof failed
    reason: str = ""  # why it was built: "first build", "--force", "changed: sections/02-introduction.md"
    warnings: list[str] = field(default_factory=list)  # the content's warnings, "file:line: message"
    notices: list[str] = field(default_factory=list)  # the editions' warnings (a cover without barcode); not --strict's
    read: dict[str, str] = field(default_factory=dict)  # "kind:name" -> SHA-256 of the bytes the build rendered

    @property
    def failed(self) -> bool:
        return self.exit_code != 0


# ------------------------------------------------------------ what to build

def find_publications(content_dir: Path) -> list[Path]:
    """Every publication in content/: the folders that hold a publication.yaml.

    Here rather than in model.py so that every command can list publications
    without importing the pipeline (a no-op build stays fast)."""
    return sorted(p.parent for p in Path(content_dir).glob(f"*/{PUBLICATION_FILE}"))


def inputs(folder: Path, templates: Path | None = None, editions: Iterable[str] | None = None) -> dict[str, str]:
    """Everything the publication's editions are made from, each as "kind:name" → SHA-256 (hex).

    The kind before the first colon keeps the kinds apart: a section file can
    never stand for a template of the same name.
    """
    entries = {"octavo:version": _text_digest(__version__),
               "editions:": _text_digest(",".join(editions) if editions is not None else "(default)"),
               "packages:": _text_digest("\n".join(_installed_distributions()))}
    entries.update((f"code:{name}", digest) for name, digest in code_digests().items())
    entries.update((f"template:{name}", digest) for name, digest in _tree(Path(templates or DEFAULT_TEMPLATES)))
    entries[f"house:{PUBLISHER_FILE}"] = _file_digest(Path(folder).parent / PUBLISHER_FILE)
    styles = Path(folder).parent / STYLES  # the house's own styles (render.style_folders)
    if styles.is_dir():
        entries.update((f"house:{STYLES}/{name}", digest) for name, digest in _tree(styles))
    entries.update((f"source:{name}", digest) for name, digest in _tree(Path(folder)))
    entries.update((f"related:{path.parent.name}/{PUBLICATION_FILE}", _file_digest(path))
                   for path in related_publications(Path(folder)))
    return entries


def related_publications(folder: Path) -> list[Path]:
    """The publication.yaml of the original this publication translates, and of each translation
    of it, in content/: what its title page and web page say of them (model._original,
    model._translations). A new translation builds its original again."""
    original = translation_of(folder / PUBLICATION_FILE)
    return [path for path in sorted(folder.parent.glob(f"*/{PUBLICATION_FILE}"))
            if path.parent != folder and (path.parent.name == original or translation_of(path) == folder.name)]


TRANSLATION_OF_RE = re.compile(r"^translation_of:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)[\"']?[ \t]*(#.*)?$", re.M)


def translation_of(path: Path) -> str | None:
    """The slug a publication.yaml says it translates (`translation_of: <slug>`), read as text,
    cheaply, before any YAML is parsed; None for none, or for an original named by a mapping."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None
    found = TRANSLATION_OF_RE.search(text)
    return found.group(1) if found else None


def code_digests() -> dict[str, str]:
    """Octavo's own source, module by module ("editions/pdf.py" → SHA-256): the fingerprint's
    "code:" entries, and what a Dask worker must share with the client (cluster.py)."""
    code = Path(__file__).resolve().parent
    return {path.relative_to(code).as_posix(): _file_digest(path)
            for path in sorted(code.rglob("*.py"))}  # the edition modules in editions/ too


def fingerprint(folder: Path, templates: Path | None = None, editions: Iterable[str] | None = None) -> str:
    """One SHA-256 over all the inputs (see the module's docstring)."""
    return digest_of(inputs(folder, templates, editions))


def digest_of(entries: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def changed(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The inputs that differ, named for a person: "sections/07-conclusion.md", "template print/print.css"."""
    shown = {"source": "{}", "template": "template {}", "house": "house file {}", "code": "Octavo's {}",
             "octavo": "Octavo's version", "editions": "the editions asked for",
             "packages": "the installed Python packages"}
    names = []
    for key in sorted(before.keys() | now.keys(), key=lambda k: (not k.startswith("source:"), k)):
        if before.get(key) != now.get(key):
            kind, _, name = key.partition(":")
            names.append(shown.get(kind, kind + " {}").format(name))
    return names


def _tree(root: Path) -> list[tuple[str, str]]:
    return [(path.relative_to(root).as_posix(), _file_digest(path)) for path in tree_files(root)]


def tree_files(root: Path) -> list[Path]:
    """The files under root that a build may read, sorted: what the fingerprint hashes and what
    a Dask worker is sent (cluster.py)."""
    if not root.is_dir():
        raise FileNotFoundError(root)
    files = []
    for directory, subdirs, names in os.walk(root):  # does not follow symlinked folders: no loops
        subdirs.sort()
        files.extend(Path(directory, name) for name in names)
    # Regular files (or links to them inside the root) only: never block on a FIFO, read a
    # device, or follow a link out of the publication to hash what it points to.
    inside = root.resolve()
    return [path for path in sorted(files)
            if path.is_file() and (not path.is_symlink() or _resolves_inside(path, inside))]


def _resolves_inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return False


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _file_digest(path: Path) -> str:
    """A file's SHA-256, read in chunks: a stray multi-gigabyte file costs time, not memory."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _installed_distributions() -> list[str]:
    """The installed distributions with their versions (from *.dist-info names): a pip upgrade of
    WeasyPrint changes the output, so it changes the fingerprint. Listing folders is ~1 ms;
    importlib.metadata would cost tens of milliseconds of import."""
    names = set()
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            names.update(n for n in os.listdir(entry) if n.endswith(".dist-info"))
    return sorted(names)


def stamp_path(out_dir: Path, slug: str) -> Path:
    return Path(out_dir) / f".{slug}.octavo.json"


def read_stamp(out_dir: Path, slug: str) -> dict | None:
    try:
        stamp = json.loads(stamp_path(out_dir, slug).read_text(encoding="utf-8"))
        return stamp if isinstance(stamp, dict) and stamp.get("format") == STAMP_FORMAT else None
    except (OSError, ValueError):
        return None  # no stamp, or not one we can read: build


def why_build(out_dir: Path, slug: str, entries: dict[str, str]) -> str | None:
    """None when the last proven build is current and its outputs untouched; otherwise why to build."""
    stamp = read_stamp(out_dir, slug)
    try:
        if stamp is None:
            return "first build"
        if stamp["fingerprint"] != digest_of(entries):
            names = changed(stamp.get("inputs", {}), entries) or ["inputs"]
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            return f"changed: {', '.join(names[:3])}{more}"
        for name, (size, mtime_ns) in stamp["files"].items():
            try:
                status = (Path(out_dir) / name).stat()
            except OSError:
                return f"{name} is missing"
            if (status.st_size, status.st_mtime_ns) != (size, mtime_ns):
                return f"{name} was changed after it was built"
        return None
    except (KeyError, TypeError, ValueError):
        return "the stamp of the last build is damaged"


def write_stamp(out_dir: Path, outcome: Outcome, entries: dict[str, str]) -> None:
    """Record a proven build; written through a temporary file, so a stamp is whole or absent.
    The sources' entries are those of the bytes the build rendered: a file saved while it
    read them then differs from the stamp, and the next build rebuilds."""
    entries = {**entries, **outcome.read}
    files = {}
    for output in outcome.outputs:
        status = Path(output).stat()
        files[Path(output).name] = [status.st_size, status.st_mtime_ns]
    stamp = {"format": STAMP_FORMAT, "fingerprint": digest_of(entries), "octavo": __version__, "files": files,
             "outcome": {k: v for k, v in asdict(outcome).items() if k not in ("report_lines", "exit_code", "read")},
             "inputs": entries}
    target = stamp_path(out_dir, outcome.slug)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(stamp, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, target)


def unchanged_outcome(stamp: dict, folder: Path) -> Outcome:
    previous = stamp["outcome"]
    return Outcome(slug=previous["slug"], folder=str(folder), status="unchanged", title=previous["title"],
                   editions=previous["editions"], outputs=previous["outputs"], pages=previous["pages"],
                   message=previous.get("message", ""), warnings=previous.get("warnings", []),
                   notices=previous.get("notices", []))


# ---------------------------------------------------------------- building

def build_one(folder: str, out_dir: str, templates: str | None = None,
              editions: tuple[str, ...] | None = None, reason: str = "", strict: bool = False,
              build=None, jobs: int | None = None) -> Outcome:
    """Build and prove one publication; every failure becomes an Outcome (this runs in a worker).

    `build` stands in for build.build_publication (same arguments, same result and errors):
    on a Dask client, it proves and publishes what a worker built (cluster.py).
    `jobs`: the processes its editions may be made in (build.build_publication)."""
    from .errors import VerificationError

    started = time.perf_counter()
    slug = Path(folder).name
    try:
        from .build import build_publication
        # Without editions, build_publication makes those the publication asks for (or all).
        options = {"editions": tuple(editions)} if editions else {}
        build_options = {"jobs": jobs} if build is None else {}  # a Dask reply is proven, not built: no jobs
        result = (build or build_publication)(Path(folder), Path(out_dir), Path(templates) if templates else None,
                                              strict=strict, **build_options, **options)
    except VerificationError as exc:
        return Outcome(slug, folder, "proof failed", exc.exit_code, message=str(exc),
                       report_lines=exc.report.lines(), seconds=time.perf_counter() - started)
    except OctavoError as exc:
        return Outcome(slug, folder, STATUS_BY_EXIT.get(exc.exit_code, "failed"), exc.exit_code,
                       message=str(exc), seconds=time.perf_counter() - started)
    except OSError as exc:  # the disk failed under the build: the editions in place are untouched
        return Outcome(slug, folder, "write error", EXIT_RENDER, message=os_error_message(exc),
                       seconds=time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - sorted below: over the worker's memory limit, or a bug
        if not parallel.out_of_memory(exc):
            return Outcome(slug, folder, "crashed", 1, message="Octavo crashed (a bug):\n" + traceback.format_exc(),
                           seconds=time.perf_counter() - started)
        # Over the worker's limit (parallel.worker_memory): a large publication, not a bug.
        return Outcome(slug, folder, "render error", EXIT_RENDER, seconds=time.perf_counter() - started,
                       message=parallel.out_of_memory_message("the worker process building it",
                                                              parallel.worker_memory()))
    outputs = [str(p) for p in result.outputs]
    from .editions import with_followers  # the pipeline is loaded in this worker already

    named = editions or getattr(result.publication, "editions", None)
    chosen = with_followers(named) if named else [Path(p).name for p in outputs]
    return Outcome(slug, folder, "built", 0, title=result.publication.title, editions=list(chosen),
                   outputs=outputs, pages=[_pdf_pages(p) for p in outputs if _paged_text(p)],
                   seconds=time.perf_counter() - started, message=result.report.summary(), reason=reason,
                   warnings=[str(w) for w in result.publication.warnings], notices=list(result.notices),
                   read=_rendered(result.document))


def _rendered(document) -> dict[str, str]:
    """The fingerprint's entries for the sources, from the bytes the build rendered (not a
    second reading of the files, which an editor may have saved in between)."""
    entries = {}
    for name, path in document.sources:
        key = f"house:{name}" if name == PUBLISHER_FILE else f"source:{name.split('/', 1)[1]}"
        entries[key] = hashlib.sha256(document.files[path]).hexdigest()
    return entries


def _paged_text(path: str) -> bool:
    """A PDF edition that carries the text: its pages are the publication's (not the cover's one sheet)."""
    from .editions import edition_for_file

    edition = edition_for_file(Path(path))
    return path.endswith(".pdf") and edition is not None and edition.carries_text


def _pdf_pages(path: str) -> int | None:
    import pypdfium2  # already loaded by the proof in this process; pypdf would parse the whole catalog
    try:
        return len(pypdfium2.PdfDocument(path))
    except Exception:  # the count is for the summary; the proof has already read the file
        return None


def default_jobs(pending: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, pending))


def build_catalog(folders: list[Path], out_dir: Path, templates: Path | None = None,
                  editions: tuple[str, ...] | None = None, jobs: int | None = None, force: bool = False,
                  progress: Progress | None = None, strict: bool = False,
                  scheduler: str | None = None) -> list[Outcome]:
    """Build every folder that has changed (all of them with force), in parallel; outcomes in folder order.

    With `strict`, content warnings are errors: an unchanged publication whose
    last build had warnings is built again, so that it fails as it should.
    With `scheduler` (tcp://HOST:8786), the builds run on that Dask cluster's
    workers instead of local processes, and this process proves and publishes
    what they send back (cluster.py).
    """
    folders = _distinct(folders)
    progress = progress or Progress(len(folders))
    outcomes: dict[str, Outcome] = {}
    pending: list[tuple[Path, dict | None, str]] = []
    for folder in folders:
        try:
            entries = inputs(folder, templates, editions)
        except OSError:
            entries = None  # unreadable or missing: the build reports it properly
        reason = ("--force" if force else why_build(out_dir, folder.name, entries) if entries
                  else "its files could not all be read")
        stamp = read_stamp(out_dir, folder.name) if reason is None else None
        if stamp and strict and stamp.get("outcome", {}).get("warnings"):
            stamp, reason = None, "--strict, and its content has warnings"
        if stamp:
            outcomes[folder.name] = unchanged_outcome(stamp, folder)
            progress.finished(outcomes[folder.name])
        else:
            pending.append((folder, entries, reason or "first build"))
    if scheduler:
        from .cluster import run_on_cluster
        results = run_on_cluster(scheduler, pending, out_dir, templates, editions, progress, strict)
    else:
        results = _run(pending, out_dir, templates, editions, jobs, progress, strict)
    for outcome, entries in results:
        if outcome.status == "built" and entries is not None:
            try:
                write_stamp(out_dir, outcome, entries)
            except OSError:
                pass  # the editions are proven and published; without a stamp the next run rebuilds them
        outcomes[outcome.slug] = outcome
        progress.finished(outcome)
    progress.close()
    return [outcomes[folder.name] for folder in folders]


def _distinct(folders: list[Path]) -> list[Path]:
    """Each folder once; two different folders with one slug are refused (duplicate_slugs)."""
    problems = duplicate_slugs(folders)
    if problems:
        raise ContentError(problems)
    kept: dict[str, Path] = {}
    for folder in folders:
        kept.setdefault(folder.name, folder)
    return list(kept.values())


def duplicate_slugs(folders: list[Path]) -> list[Problem]:
    """Two folders with the same name would write the same build/<slug>.pdf: refuse both.
    The one rule for every command (validate reports it, build refuses to start)."""
    seen: dict[str, Path] = {}
    problems = []
    for folder in folders:
        slug = Path(folder).name
        if slug in seen and Path(folder).resolve() != seen[slug].resolve():
            problems.append(Problem(Location(Path(folder) / PUBLICATION_FILE, 1),
                                    f"the slug '{slug}' is also the slug of {seen[slug]}",
                                    f"both would be built as build/{slug}.pdf; rename one folder"))
        seen.setdefault(slug, Path(folder))
    return problems


def _run(pending, out_dir, templates, editions, jobs, progress, strict=False):
    """Yield (outcome, inputs) as builds finish: in this process for one job, else in workers."""
    if not pending:
        return
    workers = min(jobs or default_jobs(len(pending)), len(pending))
    args = lambda folder, reason: (str(folder), str(out_dir), str(templates) if templates else None,  # noqa: E731
                                   editions, reason, strict)
    if workers == 1:
        # One title at a time, here: its editions may use the cores (--jobs, else one per CPU).
        for folder, entries, reason in pending:
            progress.started(folder.name)
            yield build_one(*args(folder, reason), jobs=jobs), entries
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # Spawned, not forked: each worker starts its own WeasyPrint, fontconfig and
    # Pango state instead of inheriting copies of the parent's.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(), parallel.worker_memory()))
    try:
        # Titles side by side share the cores (or --jobs): each gets its share for its editions,
        # one job on two cores with two workers, so that the machine is never oversubscribed.
        each = max(1, (jobs or default_jobs(sys.maxsize)) // workers)
        futures = {pool.submit(build_one, *args(folder, reason), jobs=each): (folder, entries)
                   for folder, entries, reason in pending}
        progress.started(f"{workers} workers")
        for future in as_completed(futures):
            folder, entries = futures[future]
            try:
                yield future.result(), entries
            except BrokenProcessPool as exc:  # a worker was killed (out of memory, a crash in a C library)
                yield Outcome(folder.name, str(folder), "crashed", 1,
                              message=f"the worker process building it died ({exc})"), entries
            except Exception as exc:  # the outcome could not come back from the worker: a bug
                yield Outcome(folder.name, str(folder), "crashed", 1,
                              message=f"Octavo crashed (a bug): {type(exc).__name__}: {exc}"), entries
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): stop the workers now, so that none publishes an
        # edition after the command has said it stopped; their temporaries go with the next build.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _start_worker(parent: int, memory: int) -> None:
    """Each worker of the pool: it dies with the parent, and runs under the memory limit every
    worker of a build keeps (parallel.worker_memory)."""
    _die_with_parent(parent)
    parallel.limit_memory(memory)


def _die_with_parent(parent: int) -> None:
    """In each worker: the kernel kills it when the parent process dies (prctl PR_SET_PDEATHSIG),
    so a parent killed outright (SIGKILL) leaves no worker to publish afterwards."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the parent's own handler still stops the workers
    if os.getppid() != parent:  # the parent died before the setting took effect
        os._exit(1)


def exit_code(outcomes: list[Outcome]) -> int:
    """0 when all are good; a failure's own code when all failures agree; EXIT_MIXED when they differ."""
    codes = {o.exit_code for o in outcomes if o.failed}
    if not codes:
        return 0
    return codes.pop() if len(codes) == 1 else EXIT_MIXED


# ---------------------------------------------------------------- reporting

class Progress:
    """A progress bar on a terminal; one plain line per publication otherwise (logs, CI, pipes)."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream is not None and (stream.isatty() if tty is None else tty)
        self.note = ""

    def started(self, what: str) -> None:
        self.note = f"building {what}"
        self._draw()

    def finished(self, outcome: Outcome) -> None:
        self.done += 1
        if self.stream is None:
            return
        if self.tty:
            self.note = f"{outcome.slug}: {outcome.status}"
            self._draw()
        else:
            print(f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.slug}: {describe(outcome)}",
                  file=self.stream, flush=True)

    def _draw(self) -> None:
        if self.tty:
            filled = self.WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {self.note[:40]}\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def describe(outcome: Outcome) -> str:
    if outcome.status == "built":
        why = f"; {outcome.reason}" if outcome.reason else ""
        return (f"built {', '.join(outcome.editions)} ({_pages(outcome)} pages, {outcome.seconds:.1f} s{why}); "
                f"{outcome.message}")
    if outcome.status == "unchanged":
        return "unchanged, not rebuilt"
    return f"FAILED: {outcome.status} (exit {outcome.exit_code})"


def _pages(outcome: Outcome) -> str:
    distinct = [str(n) if n is not None else "?" for n in dict.fromkeys(outcome.pages)]
    return "/".join(distinct) if distinct else "-"


def summary(outcomes: list[Outcome], seconds: float) -> list[str]:
    """The closing table: publication, title, editions, pages, seconds, status; then the totals."""
    rows = [("publication", "title", "editions", "pages", "seconds", "status")]
    for o in outcomes:
        title = o.title if len(o.title) <= 48 else o.title[:47] + "…"
        status = o.status if not o.failed else f"FAILED: {o.status} (exit {o.exit_code})"
        if o.status == "built" and o.reason:
            status = f"built ({o.reason if len(o.reason) <= 60 else o.reason[:59] + '…'})"
        rows.append((o.slug, title or "-", ", ".join(o.editions) or "-", _pages(o),
                     f"{o.seconds:.1f}" if o.status != "unchanged" else "-", status))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {3, 4}
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    counts = {"built": 0, "unchanged": 0}
    failed = [o for o in outcomes if o.failed]
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    total = (f"{len(outcomes)} publication{'s' if len(outcomes) != 1 else ''} in {seconds:.1f} s: "
             f"{counts['built']} built, {counts['unchanged']} unchanged, {len(failed)} failed")
    return [*lines, total]


def report_failures(outcomes: list[Outcome], out: TextIO, err: TextIO) -> None:
    """The content's warnings, then each failure in full: the proof's findings on stdout, the error (file:line) on stderr."""
    for o in outcomes:
        for warning in o.warnings:
            print(f"warning: {warning}", file=err)
        for notice in o.notices:
            print(f"warning: {o.folder}: {notice}", file=err)
    for o in outcomes:
        if not o.failed:
            continue
        for line in o.report_lines:
            print(line, file=out)
        print(f"error: {o.folder}: {o.message}", file=err)

"""The pipeline for one publication: load → render → lay out → write (temporary) → verify → publish.

The publication is loaded and rendered once (render.Rendering: the document
and the metadata record); each edition of the registry (editions/) writes
from it. Editions are proven before they are moved into build/: an edition
that fails the proof is kept aside as <slug>.rejected.<ext> for inspection,
never published under its real name, and the previous good edition stays in
place.

The editions are made in groups, one for each page setup they read (the
registry row's `setup`: the print sheet for print and cover, the trimmed page
for the others): the setup is laid out once, its editions are written and
each is proven as soon as it is written, and the layout is freed before the
next group's. With more than one job (the default: one per CPU; the `jobs`
argument, or OCTAVO_JOBS), the groups run side by side in forked child
processes (parallel.py); after its layout, each group's child forks a helper
whenever it finds a job free before its next edition, and the helpers share
its editions with it, each taking the next when it is free. With no job to
spare, a group's child writes the editions that paint its pages and ends, and
their proofs and the editions reading only its page count or page starts go
on in a fresh child of this process (`_Left`). Forked, the workers inherit the
rendering and the laid-out pages instead of making them again. Only this
process publishes.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import browser, parallel
from .document import Document
from .editions import ALIASES, EDITIONS, with_followers
from .errors import ContentError, OctavoError, UsageError, VerificationError
from .metadata import Record
from .model import Publication, load_publication
from .render import Rendering
from .validate import strict_errors
from .verify import Report, verify
from .write import publish, temporary_beside


def edition_names(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """`--edition print,screen` (or a list of names) as a tuple of known names; an unknown
    name is an error that lists the known ones."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [ALIASES.get(n.strip(), n.strip()) for n in items if n.strip()]
    unknown = [n for n in names if n not in EDITIONS]
    if unknown or not names:
        raise OctavoError(f"unknown edition {', '.join(unknown) or repr(text)}: choose from {', '.join(EDITIONS)}")
    return tuple(dict.fromkeys(names))


def rejected(final: Path, slug: str) -> Path:
    """Where an edition that failed the proof is kept: <slug>.rejected.<ext> beside its final name."""
    return final.with_name(f"{slug}.rejected{''.join(final.suffixes)}")


@dataclass
class BuildResult:
    publication: Publication
    outputs: list[Path]
    report: Report
    document: Document  # what the editions were made from
    record: Record
    notices: tuple[str, ...] = ()  # what the editions' writers warned of (render.Rendering.notices)
    # Seconds each stage took, wherever it ran: "layout print sheet", "write screen", "proof screen".
    timings: dict[str, float] = field(default_factory=dict)
    jobs: int = 1  # the processes the editions were made in at most (1: in this one)


@dataclass
class Made:
    """One edition written and proven, in this process or a child: what comes back to the build.
    An edition written by one process and proven by another comes back twice, the proof's
    without a writer's notices (`then`)."""

    name: str
    report: Report | None  # None: written, its proof left to another process (_Left)
    notices: list[str]
    timings: dict[str, float]

    def then(self, later: Made) -> Made:
        return Made(self.name, self.report if later.report is None else later.report, self.notices + later.notices,
                    {**self.timings, **later.timings})


@dataclass
class _Left:
    """What the process of a group leaves to a fresh one once it has written every edition that
    paints the group's pages: the proofs of those, the editions it has not taken, and what these
    read of the layout (its page count, where each page starts: kept in rendering.shared)."""

    prove: list[str] = field(default_factory=list)
    make: list[str] = field(default_factory=list)
    kept: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.prove or self.make)


JOBS_VARIABLE = "OCTAVO_JOBS"


def build_publication(folder: Path, out_dir: Path, templates: Path | None = None,
                      editions: tuple[str, ...] | None = None, strict: bool = False,
                      jobs: int | None = None) -> BuildResult:
    """Build, prove and publish `editions` (default: those the publication's `editions:` field names).

    With `strict`, the content's warnings are errors and nothing is built. `jobs`: the processes
    the editions may be made in at once (default: OCTAVO_JOBS, else one per CPU; 1 makes them
    one after another in this process).
    """
    if editions is not None:
        editions = edition_names(editions)
    jobs = jobs_for_a_title(jobs)
    publication = load_publication(folder)  # every content error is reported before anything is written
    strict_errors(publication.warnings, strict)
    rendering = Rendering(publication, templates)
    editions = with_followers(editions or publication.editions)
    if "print" in editions:
        rendering.notices.extend(str(w) for w in refuse_coarse_images(rendering, strict))
    finals = {name: Path(out_dir) / EDITIONS[name].filename(publication.slug) for name in editions}
    jobs = min(jobs, len(editions)) if parallel.can_fork() else 1
    with contextlib.ExitStack() as stack:
        temporaries = {name: stack.enter_context(temporary_beside(finals[name])) for name in editions}
        stack.enter_context(browser.kept())  # the proofs done here judge the EPUB and the web page in one Chromium
        work = _Work(rendering, temporaries, finals)
        made, timings = (work.in_parallel(jobs) if jobs > 1 else work.here())
        report = Report([finding for m in made for finding in m.report.findings])
        rendering.notices.extend(notice for m in made for notice in m.notices)
        if not report.ok:
            for name, path in temporaries.items():
                publish(path, rejected(finals[name], publication.slug))  # an ordinary file to open and inspect
            raise VerificationError(report, tuple(rejected(finals[n], publication.slug) for n in temporaries))
        for name, path in temporaries.items():
            publish(path, finals[name])
            rejected(finals[name], publication.slug).unlink(missing_ok=True)  # an old failure, now mended
    return BuildResult(publication, list(finals.values()), report, rendering.document, rendering.record,
                       tuple(dict.fromkeys(rendering.notices)), timings, jobs)


def refuse_coarse_images(rendering: Rendering, strict: bool) -> list:
    """An image the print edition would print too coarse for a print shop, refused before any
    page is laid out (preflight.coarse_images), as `validate` refuses it; its warnings, where a
    house style's print CSS may size it otherwise, returned."""
    from .preflight import coarse_images, house_sizes_images

    errors, warnings = coarse_images(rendering.publication, rendering.page,
                                     house_sizes_images(rendering.folders, rendering.templates))
    if errors:
        raise ContentError(errors)
    strict_errors(warnings, strict)
    return warnings


def jobs_for_a_title(jobs: int | None) -> int:
    """The jobs asked for; else OCTAVO_JOBS; else one per CPU this process may run on."""
    if jobs is not None:
        return max(1, jobs)
    text = os.environ.get(JOBS_VARIABLE, "").strip()
    if not text:
        return parallel.usable_cpus()
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{JOBS_VARIABLE}={text!r}: give a whole number of processes, at least 1 "
                          f"(1 builds one edition after another), or unset it for one per CPU")
    return int(text)


def groups(names) -> dict[str | None, list[str]]:
    """The editions by the page setup their writers read, each group in build order."""
    out: dict[str | None, list[str]] = {}
    for name in names:
        out.setdefault(EDITIONS[name].setup, []).append(name)
    return out


@dataclass
class _Work:
    """What the editions of one build are made from and written to: the same in every process."""

    rendering: Rendering
    temporaries: dict[str, Path]
    finals: dict[str, Path]

    def here(self) -> tuple[list[Made], dict[str, float]]:
        """Every group in this process, one after another, each layout freed before the next is
        made (the last goes with the rendering: collecting it would cost the seed's build 5 %)."""
        made, timings = [], {}
        planned = list(groups(self.temporaries).items())
        for index, (setup, names) in enumerate(planned):
            group, seconds, _ = self.group(setup, names, tokens=None, free=index < len(planned) - 1)
            made += group
            timings.update(seconds)
        return made, timings

    def in_parallel(self, jobs: int) -> tuple[list[Made], dict[str, float]]:
        """Each group in a child of its own, which shares its editions with helpers as jobs allow.
        What a group's child leaves once its pages are painted (_Left) goes on in a fresh child."""
        _load_before_forking(self.temporaries)
        tokens = parallel.Tokens(jobs)
        made: dict[str, Made] = {}
        timings: dict[str, float] = {}
        with parallel.Workers() as workers:
            for setup, names in groups(self.temporaries).items():
                # A token for each group's child; with more setups than jobs the rest start without.
                token = tokens if tokens.take() else None
                workers.start(f"making the {', '.join(names)} edition{'s' * (len(names) > 1)}",
                              self.group, setup, names, tokens, False, True, token=token)
            for done, seconds, left in workers.as_they_end():
                timings.update(seconds)
                for m in done:
                    made[m.name] = made[m.name].then(m) if m.name in made else m
                if left:
                    token = tokens if tokens.take() else None
                    workers.start(f"proving the {', '.join(left.prove)} and making the {', '.join(left.make)} "
                                  f"editions", self.follow, left, token=token)
        return [made[name] for name in self.temporaries], timings

    def group(self, setup: str | None, names: list[str], tokens: parallel.Tokens | None, free: bool,
              leave: bool = False):
        """Lay `setup` out, then write and prove each of `names`. With `tokens` (in a child of a
        parallel build), before taking each edition this process forks a helper for every free
        job while two or more editions are untaken, and the helpers take editions from the same
        queue. Then, if `free`, free the layout (a child about to end gives its memory back at once).

        With `leave`, and no helper started, this process writes only the editions that paint
        the pages and leaves the rest, and their proofs, to a fresh process (_Left, `follow`):
        a process that has laid out 300 pages keeps some 100 MB after freeing them (Python's
        arenas stay pinned by what the layout left), and would keep it through five seconds of
        proof while the other group paints (`make bench`'s peak memory)."""
        from .layout import SETUPS, lay_out, release

        timings = {}
        if setup is not None:
            started = time.perf_counter()
            lay_out(self.rendering, SETUPS[setup])
            timings[f"layout {setup}"] = time.perf_counter() - started
        if tokens is not None and setup is not None:
            started = time.perf_counter()
            from .editions.pdf import paint_ahead

            if paint_ahead(self.rendering, names):  # the PDF editions sharing a painting: one painting
                timings[f"paint {setup}"] = time.perf_counter() - started
        queue = parallel.Queue(names, shared=tokens is not None)
        made, left = {}, _Left()
        with parallel.Workers() as workers:
            while True:
                while tokens is not None and queue.left() > 1 and tokens.take():
                    _freeze_for_children()
                    workers.start(f"helping with the {', '.join(names)} editions", self.take, queue,
                                  setup, token=tokens)
                leaving = leave and not workers.children
                name = queue.take(lambda n: EDITIONS[n].reads == "pages") if leaving else queue.take()
                if name is None:
                    break
                # Its layout freed once nothing untaken paints it; not by a process about to
                # leave the rest and end, which frees it all at once (a collection takes 0.6 s).
                made[name] = self.edition_keeping_the_painting(
                    name, queue, setup, free=(free or tokens is not None) and not leaving, prove=not leaving)
                if leaving:
                    left.prove.append(name)
            parallel.idle()  # its own share done: its job token may start another helper
            for done in workers.results():
                made.update((m.name, m) for m in done)
        if left or queue.left():
            left.make = queue.untaken()
            left.kept = self.kept_for(left.make, setup)
        for m in made.values():
            timings.update(m.timings)
        if setup is not None and free:
            release(self.rendering, SETUPS[setup])
        return [made[name] for name in names if name in made], timings, left

    def kept_for(self, names: list[str], setup: str | None) -> dict:
        """What the editions `names` read of `setup`'s layout, for a process that has none."""
        from .layout import SETUPS
        from .pagemap import layout_print

        if setup is None:
            return {}
        if any(EDITIONS[n].reads == "page starts" for n in names):
            layout_print(self.rendering)
        return {key: value for key, value in self.rendering.shared.items()
                if key[0] in ("page count", "page starts") and key[1] == SETUPS[setup]}

    def follow(self, left: _Left) -> tuple[list[Made], dict[str, float], _Left]:
        """What a group's process left (_Left), in a fresh child of the build's process: the
        proofs of what it wrote, then the editions it left, each written and proven."""
        self.rendering.shared.update(left.kept)
        made = [self.proof(name) for name in left.prove] + [self.edition(name) for name in left.make]
        return made, {k: v for m in made for k, v in m.timings.items()}, _Left()

    def take(self, queue: parallel.Queue, setup: str | None = None) -> list[Made]:
        """The editions of the queue, one after another, until none is left."""
        return [self.edition_keeping_the_painting(name, queue, setup) for name in iter(queue.take, None)]

    def edition_keeping_the_painting(self, name: str, queue: parallel.Queue, setup: str | None = None,
                                     free: bool = True, prove: bool = True) -> Made:
        """`edition(name)`; but where finishing it would consume this process's painting of the
        pages while an edition still untaken needs it too (editions/pdfpaint.py), in a child
        forked for it, this process waiting: the fork leaves the painting pristine here.
        With `setup` and `free`, its layout is freed as soon as no untaken edition paints it."""
        from .editions.pdf import shares_the_painting

        done = (lambda: self.free_if_unread(setup, queue)) if setup and free else None
        if not (shares_the_painting(self.rendering, name)
                and any(shares_the_painting(self.rendering, n) for n in queue.untaken())):
            return self.edition(name, done, prove)
        _freeze_for_children()
        with parallel.Workers() as apart:
            apart.start(f"making the {name} edition", self.edition, name, None, prove)
            return apart.results()[0]

    @staticmethod
    def unread_after(setup: str | None, queue: parallel.Queue) -> bool:
        """Whether no edition still untaken paints `setup`'s layout."""
        return setup is not None and not any(EDITIONS[n].reads == "pages" for n in queue.untaken())

    def free_if_unread(self, setup: str, queue: parallel.Queue) -> None:
        """Free `setup`'s layout in this process if no edition still untaken paints it: what the
        others read of it (the page count, where each page begins) is kept. The print sheet's
        layout goes before the print edition is proven, not after the cover is made: the 300-page
        paper's build held it through the proof, at the moment its peak memory was measured."""
        from .layout import SETUPS, release

        if not self.unread_after(setup, queue) or ("layout", SETUPS[setup]) not in self.rendering.shared:
            return
        self.kept_for(queue.untaken(), setup)  # the page count and starts stay in the rendering
        release(self.rendering, SETUPS[setup])

    def edition(self, name: str, written_hook=None, prove: bool = True) -> Made:
        """Write one edition to its temporary file and prove it there (`written_hook()` between;
        not `prove`: written only, its proof left to `proof`)."""
        rendering = self.rendering
        before = len(rendering.notices)
        parallel.now_doing(f"making the {name} edition")
        started = time.perf_counter()
        try:
            EDITIONS[name].write(rendering, self.temporaries[name])
            written = time.perf_counter()
            if written_hook is not None and EDITIONS[name].reads == "pages":
                written_hook()
            freed = time.perf_counter()
        except Exception as exc:  # a bug's traceback says which edition it broke
            exc.add_note(f"while making the {name} edition")
            raise
        notices = rendering.notices[before:]
        del rendering.notices[before:]  # the build gathers every edition's, in edition order
        timings = {f"write {name}": written - started}
        if freed - written > 0.001:
            timings[f"free after {name}"] = freed - written
        made = Made(name, None, notices, timings)
        return made.then(self.proof(name)) if prove else made

    def proof(self, name: str) -> Made:
        """Prove the edition written to its temporary file (by `edition`, here or in another process)."""
        parallel.now_doing(f"proving the {name} edition")
        started = time.perf_counter()
        try:
            report = verify(self.rendering.document, {self.temporaries[name]: self.finals[name]})
        except Exception as exc:
            exc.add_note(f"while proving the {name} edition")
            raise
        return Made(name, report, [], {f"proof {name}": time.perf_counter() - started})



def _load_before_forking(names) -> None:
    """Import what every child needs once, here (WeasyPrint alone takes a second or more): the
    children inherit the modules instead of each importing them again."""
    import pypdfium2  # noqa: F401 - the proof's PDF reader

    from .layout import import_weasyprint

    import_weasyprint()  # every layout

    for name in names:
        EDITIONS[name].load()


def _freeze_for_children() -> None:
    """Move what this process holds (the layout) out of the cycle collector's sight before
    forking: a collection in a child would otherwise write to every object, copying the pages
    the child shares with this process."""
    import gc

    gc.freeze()

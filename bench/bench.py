"""`make bench`: how fast Octavo is, against its baselines, in one run on this machine.

Prints two tables: the targets (each measurement beside its target, met or
not), then every figure taken. Wall times are medians where a run is short
or `--runs` asks for more; the commands compared are run in turn, round after
round, so that both see the same load. It writes nothing outside a temporary
folder. Not a test: the figures depend on the machine and its load (the
first row says what it was); the ratios measured in the same run are what
compare.

    .venv/bin/python bench/bench.py [--runs N] [--long-runs N] [--catalog N] [--pages N] [--book-pages N]
                                    [--only seed,overhead,noop,longword,catalog,long,book]

1. the seed paper: `octavo build` (every edition, with the proof), and its
   screen PDF and EPUB alone, against pandoc writing an EPUB and a PDF
   (through WeasyPrint) of the same text; target: screen PDF + EPUB at most
   1.5 times pandoc;
2. Octavo's overhead over calling WeasyPrint directly on Octavo's own print HTML
   (end to end: `octavo build` against the `weasyprint` command; and the print
   edition alone in a warm process, where both lay out the same HTML);
3. a no-op rebuild (nothing changed), target at most 0.3 s;
4. the seed's screen PDF with and without a 20,000-character URL, target at
   most twice the time;
5. a generated catalog (20 titles) on 1 and on 2 workers, target at least
   1.8 times faster on 2; the same on a Dask LocalCluster of 2 workers
   against the process pool's 2 (`octavo build --scheduler`, `--only dask`);
6. a generated long paper (about 300 pages, a footnote on most pages, quotes,
   lists and tables): `octavo build` of every edition with the proof, against
   the `weasyprint` command on the same paged HTML (target at most 1.5
   times), its peak memory (target at most 500 MB), and, built one edition
   after another in one process (OCTAVO_JOBS=1), each stage's time and the
   proof's share of the build (target at most 25 %);
7. a generated book of about 1,000 pages: that it builds and proves, its
   time and its peak memory.

Peak memory is the largest sum, over the build's process and every process
it started, of their proportional set size (PSS: a page shared by n
processes counts 1/n in each), sampled every 0.1 s from /proc: what the
build holds in all its processes together. The largest RSS of any one of
them, sampled the same way, is given beside it. MB is 10^6 bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OCTAVO = [str(BIN / "octavo")]
SEED = REPO / "content" / "breaking-deadlock"
NOOP_TARGET = 0.3
PROOF_SHARE_TARGET = 0.25  # the proof's share of a 300-page paper's build
SEED_PANDOC_TARGET = 1.5  # the seed's screen PDF + EPUB + proof against pandoc's EPUB + PDF
LONG_WEASYPRINT_TARGET = 1.5  # the 300-page paper, every edition + proof, against WeasyPrint alone
CATALOG_SPEEDUP_TARGET = 1.8  # a catalog on 2 workers against 1
PEAK_MEMORY_TARGET_MB = 500  # the 300-page paper's build
MB = 1_000_000

sys.path.insert(0, str(REPO / "src"))


def run(command: list[str], cwd: Path | None = None, env: dict | None = None) -> float:
    """Wall seconds of one command; the bench stops if it fails."""
    started = time.perf_counter()
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed ({process.returncode}):\n{process.stdout}\n{process.stderr}")
    return seconds


@dataclass
class Measured:
    """One run of a command: what a user waits, what it costs, what it holds."""

    wall: float  # seconds
    cpu: float  # user + system seconds, of the command and every process it waited for
    largest: int  # bytes: the largest RSS one of its processes had (TreeMemory)
    peak: int  # bytes: the largest sum of PSS over the command's process tree (TreeMemory)
    code: int = 0


class TreeMemory(threading.Thread):
    """Samples, every `every` seconds, the summed PSS of a process and all its descendants
    (/proc/<pid>/smaps_rollup), and keeps the largest sum: a forked worker's copy-on-write
    pages count once between the processes sharing them, not once in each. And the largest
    RSS of any one of them (not getrusage's ru_maxrss: that counts what a child held before
    it exec'd the command, a copy of the bench's own process)."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.largest = pid, every, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            sizes = [_pss_and_rss(p) for p in [self.pid, *_descendants(self.pid)]]
            self.peak = max(self.peak, sum(pss for pss, _ in sizes))
            self.largest = max(self.largest, *(rss for _, rss in sizes))
            self.done.wait(self.every)

    def stop(self) -> tuple[int, int]:
        self.done.set()
        self.join()
        return self.peak, self.largest


def _descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    except OSError:  # gone meanwhile
        pass
    return found


def _pss_and_rss(pid: int) -> tuple[int, int]:
    """A process's PSS and RSS in bytes (0, 0 once it is gone)."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Pss:", "Rss:")):
                found[line.split(":")[0]] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return found.get("Pss", 0), found.get("Rss", 0)


def measure(command: list[str], cwd: Path | None = None, env: dict | None = None, check: bool = True) -> Measured:
    """Wall seconds, CPU seconds, the largest process's RSS and the tree's peak PSS of a command.

    os.wait4 reports the child's CPU time together with that of the processes
    it waited for (its workers). CPU time is what the command itself costs,
    whatever else the machine is doing; wall time is what a user waits.
    """
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty failure cannot fill it and hang
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        memory = TreeMemory(process.pid)
        memory.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        peak, largest = memory.stop()
        if code != 0 and check:
            errors.seek(0)
            sys.exit(f"bench: {' '.join(command)} failed ({code}): {errors.read().decode(errors='replace')}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, largest, peak, code)


def alternate(commands: dict[str, list[str]], runs: int, **kwargs) -> dict[str, list[Measured]]:
    """Each command `runs` times, in turn (a b a b ...), so that a change in the machine's load
    falls on both; the runs of each, for medians."""
    out: dict[str, list[Measured]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            out[name].append(measure(command, **kwargs))
    return out


def middle(runs: list[Measured], what: str = "wall") -> float:
    return statistics.median(getattr(m, what) for m in runs)


@dataclass
class Target:
    """One row of the targets table."""

    measurement: str
    target: str
    figure: str
    met: bool
    why: str = ""  # for a target not met: what the figures say about why


TARGETS: list[Target] = []


def target(measurement: str, goal: str, figure: str, met: bool, why: str = "") -> None:
    TARGETS.append(Target(measurement, goal, figure, met, why if not met else ""))


def median(command, runs, **kwargs) -> float:
    return statistics.median(run(command, **kwargs) for _ in range(runs))


# ------------------------------------------------------------ generated content

def make_catalog(root: Path, count: int) -> Path:
    """content/ with `count` copies of the seed paper, each under its own slug and title."""
    content = root / "content"
    content.mkdir(parents=True)
    shutil.copy(SEED.parent / "publisher.yaml", content)
    for n in range(1, count + 1):
        folder = content / f"paper-{n:02d}"
        shutil.copytree(SEED, folder)
        yaml = folder / "publication.yaml"
        yaml.write_text(re.sub(r"^title: .*$", f"title: Catalog Paper {n:02d}", yaml.read_text(), count=1,
                               flags=re.M), encoding="utf-8")
    return content


# Words of a policy paper, for generated text that reads like one (and hyphenates and
# justifies like one) while every paragraph and note stays unique, so that the proof
# cannot match a block at another block's place.
WORDS = """
security policy dialogue negotiation deterrence alliance cooperation coordination
escalation de-escalation sanctions verification agreement framework confidence
measures region regional government governments parliament ministry minister
institute analysis assessment strategy strategic interests capacity capabilities
nuclear missile programme programmes inspection inspectors treaty treaties
obligations commitments enforcement implementation transparency accountability
economic development investment infrastructure energy resilience interconnector
trade exports imports tariffs supply chains shipping ports maritime territorial
boundary boundaries peninsula neighbours neighbouring partners partnership summit
declaration communiqué resolution council assembly delegation envoy ambassador
military exercises forces deployment posture readiness logistics procurement
budget expenditure revenue taxation reform reforms administration bureaucracy
legitimacy sovereignty stability instability uncertainty risk risks incentives
constraints leverage pressure concessions guarantees assurances reciprocity
multilateral bilateral trilateral institutional institutions organisation
organisations mechanisms channels consultations observers monitoring compliance
humanitarian assistance refugees migration population demographic urbanisation
agriculture fisheries water climate adaptation emissions renewable storage grid
operators regulators markets prices volatility shortages reserves adequacy
interdependence vulnerability deterrent credibility signalling perception
perceptions misperception miscalculation communication hotline crisis management
confidence-building normalisation rapprochement engagement isolation containment
the the the the of of of of and and and to to to in in in a a a
that which whose while although because therefore however moreover nevertheless
its their our this these those such other further earlier later current recent
long-term short-term medium-term unprecedented considerable significant limited
gradual sustained comprehensive incremental conditional unconditional reciprocal
""".split()
TITLE_WORDS = [w for w in WORDS if len(w) > 5]


def make_long(root: Path, pages: int) -> Path:
    """content/long: the seed with generated chapters, about `pages` A4 pages in all.

    Like a long paper, not like a test: chapters of paragraphs of varied length
    (20 to 260 words, a few sentences each), sub-headings, a block quote, a list
    and now and then a table in each chapter, and a footnote or two every three
    paragraphs (most pages carry one), one note in six long (up to 160 words),
    some called from a quote, a list item or a table cell. The text is generated
    from a fixed seed, so every run lays out the same paper.
    """
    content = root / "content"
    content.mkdir(parents=True)
    shutil.copy(SEED.parent / "publisher.yaml", content)
    folder = content / "long"
    shutil.copytree(SEED, folder)
    rng = random.Random(20180205)

    def sentence(low=8, high=28) -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
        if len(words) > 10 and rng.random() < 0.5:
            words[rng.randint(3, len(words) - 4)] += ","
        if rng.random() < 0.08:
            words.insert(rng.randint(1, len(words) - 1), str(rng.randint(1950, 2024)))
        if rng.random() < 0.06:
            at = rng.randint(0, len(words) - 3)
            words[at], words[at + 2] = "\u201c" + words[at], words[at + 2] + "\u201d"
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def sentences(words: int) -> list[str]:
        out, total = [], 0
        while total < words:
            out.append(sentence())
            total += len(out[-1].split())
        return out

    notes: list[str] = []

    def note() -> str:
        label = f"n{len(notes) + 1}"
        long = rng.random() < 1 / 6
        notes.append(f"[^{label}]: " + " ".join(sentences(rng.randint(90, 160) if long else rng.randint(12, 40))))
        return f"[^{label}]"

    def paragraph(words: int, with_note: bool) -> str:
        parts = sentences(words)
        if with_note:
            at = rng.randrange(len(parts))
            parts[at] += note()
        return " ".join(parts)

    def table() -> str:
        columns = rng.randint(3, 4)
        head = ["Measure"] + [rng.choice(TITLE_WORDS).capitalize() for _ in range(columns - 1)]
        rows = ["| " + " | ".join(head) + " |", "|" + "---|" * columns]
        for r in range(rng.randint(4, 8)):
            cells = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))).capitalize()]
            cells += [f"{rng.randint(1, 9999):,}" for _ in range(columns - 1)]
            if r == 1 and rng.random() < 0.5:
                cells[0] += note()
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def bullets() -> str:
        numbered = rng.random() < 0.4
        items = []
        for i in range(rng.randint(3, 6)):
            item = " ".join(sentences(rng.randint(8, 40)))
            if i == 1 and rng.random() < 0.3:
                item += note()
            items.append(f"{i + 1}. {item}" if numbered else f"- {item}")
        return "\n".join(items)

    def quote() -> str:
        text = paragraph(rng.randint(40, 110), rng.random() < 0.3)
        return "> " + text

    # A chapter of 3,600 words of text (with its notes, quote, list and table) fills
    # about 14.5 A4 pages; the seed itself about 8.
    chapters = max(1, round((pages - 8) / 14.5))
    listed = []
    for n in range(1, chapters + 1):
        notes.clear()
        title = " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(2, 5))).capitalize()
        author = ["isdp", "ryang-tong-il", "joon-hyung-kim", "zhu-feng", "abraham-denmark"][n % 5]
        blocks, words, since_note = [], 0, 0
        extras = ["quote", "list"] + (["table"] if n % 3 == 0 else [])
        while words < 3600:
            if words and rng.random() < 0.08:
                level = "###" if rng.random() < 0.3 else "##"
                blocks.append(f"{level} " + " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(2, 6))).capitalize())
            if extras and words > 600 and rng.random() < 0.15:
                blocks.append({"quote": quote, "list": bullets, "table": table}[extras.pop(0)]())
            size = rng.choice((rng.randint(20, 60), rng.randint(60, 140), rng.randint(60, 140), rng.randint(140, 260)))
            since_note += 1
            with_note = since_note >= 3 or rng.random() < 0.3
            since_note = 0 if with_note else since_note
            blocks.append(paragraph(size, with_note))
            words += size
        name = f"sections/90-{n:03d}.md"
        (folder / name).write_text(f"---\ntitle: {title}\nrole: chapter\nauthors: [{author}]\n---\n"
                                   + "\n\n".join(blocks) + "\n\n" + "\n\n".join(notes) + "\n", encoding="utf-8")
        listed.append(f"  - {name}\n")
    yaml = folder / "publication.yaml"
    text = yaml.read_text()
    text = text.replace("  - sections/07-conclusion.md\n", "".join(listed) + "  - sections/07-conclusion.md\n")
    yaml.write_text(text, encoding="utf-8")
    return content


def pages_of(out: Path, slug: str) -> int:
    from pypdf import PdfReader
    return len(PdfReader(out / f"{slug}.pdf").pages)


def seed_markdown(target: Path) -> tuple[Path, str]:
    """The seed's text as one Markdown file for pandoc: section titles as headings, disclaimers in place."""
    from octavo.model import load_publication
    publication = load_publication(SEED)
    parts = []
    for section in publication.sections:
        body = re.sub(r"\{\{\s*disclaimer:([^}\s]*)\s*\}\}",
                      lambda m: publication.disclaimer(m.group(1)).text, section.body)
        parts.append(f"# {section.title}\n\n{body}")
    target.write_text("\n\n".join(parts), encoding="utf-8")
    return target, publication.title


# ------------------------------------------------------------ the figures

def bench_seed(work: Path, runs: int) -> tuple[list[tuple[str, str]], float]:
    out = work / "seed-out"
    source, title = seed_markdown(work / "seed.md")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}  # pandoc runs the `weasyprint` command
    build = [*OCTAVO, "build", str(SEED), "--out", str(out), "--force"]
    timed = alternate({
        "all": build,
        # Like for like: one PDF and one EPUB, as pandoc makes (still with the proof).
        "pair": [*build, "--edition", "screen,epub"],
        "epub": ["pandoc", str(source), "-o", str(work / "pandoc.epub"), "--metadata", f"title={title}"],
        "pdf": ["pandoc", str(source), "-o", str(work / "pandoc.pdf"), "--pdf-engine=weasyprint",
                "--metadata", f"title={title}"],
    }, runs, env=env)
    octavo, pair, epub, pdf = (middle(timed[name]) for name in ("all", "pair", "epub", "pdf"))
    pandoc = epub + pdf
    ratio = pair / pandoc
    target("seed: screen PDF + EPUB + proof, against pandoc's EPUB + PDF (WeasyPrint)",
           f"≤ {SEED_PANDOC_TARGET:g}×", f"{pair:.2f} s vs {pandoc:.2f} s: {ratio:.2f}×", ratio <= SEED_PANDOC_TARGET,
           f"Octavo's CPU {middle(timed['pair'], 'cpu'):.2f} s against pandoc's "
           f"{middle(timed['epub'], 'cpu') + middle(timed['pdf'], 'cpu'):.2f} s: Octavo makes and proves a tagged "
           f"PDF/UA and an EPUB with the print pages' map and the designed cover, each read back")
    return [(f"seed: `octavo build --force` (all editions + proof), median of {runs}",
             f"{octavo:.2f} s (CPU {middle(timed['all'], 'cpu'):.2f} s)"),
            ("seed: pandoc EPUB + pandoc PDF (WeasyPrint)", f"{pandoc:.2f} s ({epub:.2f} + {pdf:.2f})"),
            ("seed: Octavo (all editions) / pandoc, wall time", f"{octavo / pandoc:.2f}×"),
            ("seed: `octavo build --force --edition screen,epub` (one PDF, one EPUB, proof)",
             f"{pair:.2f} s (CPU {middle(timed['pair'], 'cpu'):.2f} s)"),
            ("seed: Octavo (screen PDF + EPUB) / pandoc, wall time", f"{ratio:.2f}×")], octavo


def bench_overhead(work: Path, runs: int, octavo_seconds: float) -> list[tuple[str, str]]:
    """Octavo against WeasyPrint alone on the HTML Octavo generates for the print edition."""
    from octavo import build
    from octavo.editions import EDITIONS
    from octavo.layout import paged_html
    from octavo.model import load_publication
    from octavo.render import Rendering
    publication = load_publication(SEED)
    html_text = paged_html(Rendering(publication))
    html = work / "seed-print.html"
    html.write_text(html_text, encoding="utf-8")
    cli = median([str(BIN / "weasyprint"), str(html), str(work / "weasyprint.pdf")], runs)

    # In one warm process: the print edition through Octavo's pipeline (load,
    # render, lay out with the guarded fetcher, prove, publish) against
    # WeasyPrint laying out the same HTML.
    from weasyprint import HTML
    print_edition = next(name for name, e in EDITIONS.items() if e.filename(publication.slug) == "breaking-deadlock.pdf")
    warm = work / "warm"

    def octavo_print():  # in this process, like WeasyPrint here: one edition after another
        build.build_publication(SEED, warm, editions=(print_edition,), jobs=1)

    def weasyprint_only():
        HTML(string=html_text, base_url=str(SEED) + "/").write_pdf(str(work / "warm-weasyprint.pdf"))

    timings = {}
    for name, job in (("octavo", octavo_print), ("weasyprint", weasyprint_only)):
        job()  # warm: fonts, caches
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            job()
            samples.append(time.perf_counter() - started)
        timings[name] = statistics.median(samples)
    o, w = timings["octavo"], timings["weasyprint"]
    return [("`weasyprint` command on Octavo's print HTML", f"{cli:.2f} s"),
            ("end to end: `octavo build` (all editions + proof) / `weasyprint`", f"{octavo_seconds / cli:.2f}×"),
            (f"warm process: Octavo's '{print_edition}' edition (load, render, layout, proof)", f"{o:.2f} s"),
            ("warm process: WeasyPrint alone on the same HTML", f"{w:.2f} s"),
            ("warm process: Octavo's overhead over WeasyPrint", f"{(o / w - 1) * 100:+.0f} %")]


def bench_noop(work: Path, runs: int) -> list[tuple[str, str]]:
    out = work / "noop-out"
    run([*OCTAVO, "build", str(SEED), "--out", str(out)])
    samples = [measure([*OCTAVO, "build", str(SEED), "--out", str(out)]) for _ in range(max(runs, 9))]
    wall = middle(samples)
    cpu = middle(samples, "cpu")
    verdict = "meets" if wall <= NOOP_TARGET else "MISSES"
    target("seed: no-op rebuild (nothing changed)", f"≤ {NOOP_TARGET:g} s", f"{wall:.3f} s", wall <= NOOP_TARGET)
    return [(f"no-op rebuild of the seed: wall (median of {len(samples)})",
             f"{wall:.3f} s ({verdict} the {NOOP_TARGET} s target; fastest {min(s.wall for s in samples):.3f} s)"),
            ("no-op rebuild of the seed: CPU, user + system (median)", f"{cpu:.3f} s")]


LONG_WORD_TARGET = 2.0  # the hardening issue: a 20,000-character word costs under twice the paper without it


def bench_long_word(work: Path, runs: int) -> list[tuple[str, str]]:
    """The seed's screen PDF with and without one 20,000-character URL in its conclusion."""
    content = work / "long-word"
    shutil.copytree(SEED.parent, content / "content")
    folder = content / "content" / SEED.name
    plain = median([*OCTAVO, "build", str(folder), "--out", str(content / "plain"), "--force", "--edition", "screen"],
                   runs)
    section = folder / "sections" / "07-conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nSee https://example.org/" + "a" * 20000 + ".\n",
                       encoding="utf-8")
    word = median([*OCTAVO, "build", str(folder), "--out", str(content / "word"), "--force", "--edition", "screen"],
                  runs)
    verdict = "meets" if word / plain <= LONG_WORD_TARGET else "MISSES"
    target("seed screen PDF with a 20,000-character URL, against without", f"≤ {LONG_WORD_TARGET:g}×",
           f"{word / plain:.2f}×", word / plain <= LONG_WORD_TARGET,
           f"the URL adds {word - plain:.1f} s to {plain:.1f} s: it fills pages of its own, which are laid out, "
           f"written and proven like the others")
    return [("seed screen PDF with a 20,000-character URL / without it",
             f"{word:.2f} s / {plain:.2f} s = {word / plain:.2f}× ({verdict} the ≤ {LONG_WORD_TARGET:g}× target)")]


# The resource curves (issue 22): how the seed's screen PDF grows with each input the limits
# bound (notes, sections, table rows, a word's length), up to near each limit. A curve that grows
# at most linearly costs at most twice the time when its size doubles, beyond a fixed part.
CURVE_SIZES = {"notes": (250, 500, 1000, 2000), "sections": (120, 240, 480, 960),
               "table rows": (240, 480, 960, 1920), "word length": (2500, 5000, 10000, 20000)}


def _curve_paper(root: Path, kind: str, size: int) -> Path:
    """The seed with `size` of one input added to its last section (or `size` sections more)."""
    content = root / f"{kind.replace(' ', '-')}-{size}"
    shutil.copytree(SEED.parent, content)
    folder = content / SEED.name
    last = sorted((folder / "sections").glob("*.md"))[-1]
    if kind == "notes":
        body = " ".join(f"Claim {n}[^n{n}]." for n in range(size)) + "\n" + "".join(
            f"\n[^n{n}]: Note {n} on the claim.\n" for n in range(size))
    elif kind == "table rows":
        body = "| n | what |\n|---|---|\n" + "".join(f"| {n} | row {n} of the table |\n" for n in range(size))
    elif kind == "word length":
        body = "See https://example.org/" + "a" * size + ".\n"
    else:
        body = ""
        yaml_path = folder / "publication.yaml"
        text = yaml_path.read_text(encoding="utf-8")
        entries = "".join(f"  - sections/90-{n:04d}.md\n" for n in range(size))
        if not text.rstrip().endswith(".md"):
            sys.exit(f"bench: {yaml_path} no longer ends with its list of sections")
        yaml_path.write_text(text.rstrip("\n") + "\n" + entries, encoding="utf-8")  # the list is the file's last
        for n in range(size):
            (folder / "sections" / f"90-{n:04d}.md").write_text(
                f"---\ntitle: Part {n}\nauthors: [isdp]\n---\nThe text of part {n} of the paper.\n", encoding="utf-8")
    if body:
        last.write_text(last.read_text(encoding="utf-8") + "\n" + body, encoding="utf-8")
    return folder


def bench_curves(work: Path) -> list[tuple[str, str]]:
    """The seed's screen PDF (layout, writing, proof) at each size of each curve: wall time and
    the peak memory of every process (PSS)."""
    root = work / "curves"
    rows = []
    for kind, sizes in CURVE_SIZES.items():
        figures = []
        for size in sizes:
            folder = _curve_paper(root, kind, size)
            m = measure([*OCTAVO, "build", str(folder), "--out", str(root / "out"), "--force", "--edition", "screen"])
            figures.append((size, m))
        (small, first), (large, last) = figures[0], figures[-1]
        rows.append((f"curve: {kind} (seed's screen PDF): size: wall, peak memory",
                     "; ".join(f"{size:,}: {m.wall:.1f} s, {m.peak / 1e6:.0f} MB" for size, m in figures)
                     + f" ({large // small}× the size: {last.wall / first.wall:.1f}× the time)"))
    return rows


def bench_catalog(work: Path, count: int, runs: int) -> list[tuple[str, str]]:
    root = work / "catalog"
    content = make_catalog(root, count)
    build = [*OCTAVO, "build", "--content", str(content), "--out", str(root / "out"), "--force"]
    timed = alternate({1: [*build, "--jobs", "1"], 2: [*build, "--jobs", "2"]}, runs)
    rows, wall = [], {}
    for jobs in (1, 2):
        wall[jobs] = middle(timed[jobs])
        rows.append((f"{count}-title catalog, {jobs} worker{'s' if jobs > 1 else ''}, median of {runs}",
                     f"{wall[jobs]:.1f} s ({wall[jobs] / count:.2f} s a title; CPU {middle(timed[jobs], 'cpu'):.1f} s)"))
    speedup = wall[1] / wall[2]
    rows.append((f"{count}-title catalog: speed-up on 2 workers", f"{speedup:.2f}×"))
    cpu = middle(timed[2], "cpu") / middle(timed[1], "cpu")
    target(f"catalog of {count} titles: 2 workers against 1", f"≥ {CATALOG_SPEEDUP_TARGET:g}× faster",
           f"{wall[1]:.1f} s vs {wall[2]:.1f} s: {speedup:.2f}×", speedup >= CATALOG_SPEEDUP_TARGET,
           f"2 workers spend {cpu:.2f}× the CPU time of 1 for the same titles (each worker starts Python, "
           f"imports WeasyPrint and loads the fonts; two busy cores run slower than one), and the machine was "
           f"shared (load above)")
    samples = [run([*OCTAVO, "build", "--content", str(content), "--out", str(root / "out")]) for _ in range(5)]
    rows.append((f"{count}-title catalog: no-op rebuild (median of 5)", f"{statistics.median(samples):.3f} s"))
    return rows


def bench_dask(work: Path, count: int) -> list[tuple[str, str]]:
    """The generated catalog on a Dask LocalCluster (2 worker processes, 1 thread each), started
    before the clock, against the local process pool's 2 workers (docs/cluster.md). The client's
    CPU is what proving every title here costs this machine."""
    from distributed import LocalCluster

    root = work / "dask"
    content = make_catalog(root, count)
    build = [*OCTAVO, "build", "--content", str(content), "--out", str(root / "out"), "--force"]
    pool = measure([*build, "--jobs", "2"]).wall
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        measured = measure([*build, "--scheduler", cluster.scheduler_address])
        dask, client_cpu = measured.wall, measured.cpu
    return [(f"{count}-title catalog: process pool, 2 workers", f"{pool:.1f} s"),
            (f"{count}-title catalog: Dask LocalCluster, 2 workers (client proves each title)",
             f"{dask:.1f} s (client CPU {client_cpu:.1f} s)"),
            (f"{count}-title catalog: Dask / process pool, wall time", f"{dask / pool:.2f}×")]


def long_build(folder: Path, out: Path, jobs: int | None) -> dict:
    """Build every edition of `folder` in this process (`bench.py --long-build FOLDER OUT JSON JOBS`,
    a child of bench_long, so that its CPU time and memory are the build's own) and return the
    build's own timings of each stage, wherever it ran (BuildResult.timings: "layout print sheet",
    "write screen", "proof screen", ...). A build whose proof fails is measured all the same
    (everything but publishing was done) and its problems are returned."""
    from octavo import build
    from octavo.errors import VerificationError

    started = time.perf_counter()
    timings: dict = {}
    try:
        result = build.build_publication(folder, out, jobs=jobs)
        report, timings = result.report, result.timings
    except VerificationError as failure:
        report = failure.report
    seconds = time.perf_counter() - started
    return {"build": seconds, "stages": timings, "ok": report.ok, "summary": report.summary(),
            "pages": next((len(f.edition.pages) for f in report.findings
                           if f.edition.path.name == f"{folder.name}.pdf" and f.edition.pages), 0)}


def _stage_sums(stages: dict[str, float]) -> dict[str, float]:
    sums = {"layout": 0.0, "write": 0.0, "proof": 0.0}
    for name, seconds in stages.items():  # also "paint <setup>", "free after <edition>"
        kind = name.split(" ", 1)[0]
        sums[kind] = sums.get(kind, 0.0) + seconds
    return sums


def bench_long(work: Path, pages: int, runs: int) -> list[tuple[str, str]]:
    """The long paper: `octavo build` (every edition, the proof, default jobs) against the
    `weasyprint` command on the same paged HTML, in turn; then built one edition after another
    in one process for each stage's time and the proof's share."""
    root = work / "long"
    content = make_long(root, pages)
    folder = content / "long"
    from octavo.layout import paged_html
    from octavo.model import load_publication
    from octavo.render import Rendering
    rendering = Rendering(load_publication(folder))
    document = rendering.document
    html = root / "long.html"  # the trimmed page's paged HTML: what the screen PDF is laid out from
    html.write_text(paged_html(rendering), encoding="utf-8")
    del rendering
    timed = alternate({
        "octavo": [*OCTAVO, "build", str(folder), "--out", str(root / "out"), "--force"],
        "weasyprint": [str(BIN / "weasyprint"), "-u", folder.as_uri() + "/", str(html), str(root / "weasyprint.pdf")],
    }, runs)
    octavo, weasyprint = middle(timed["octavo"]), middle(timed["weasyprint"])
    peak = max(m.peak for m in timed["octavo"])
    largest = max(m.largest for m in timed["octavo"])

    report = root / "timings.json"
    serial = measure([sys.executable, __file__, "--long-build", str(folder), str(root / "serial"), str(report), "1"])
    t = json.loads(report.read_text())
    sums = _stage_sums(t["stages"])
    share = sums["proof"] / t["build"]
    blocks = [b for section in document.sections for b in section.blocks]
    notes = sum(1 for b in blocks if b.kind == "footnote")
    chapters = sum(1 for s in document.sections if s.section.path.name.startswith("90-"))
    name = f"{pages}-page paper"
    cores = len(os.sched_getaffinity(0))
    ratio = octavo / weasyprint
    work_ratio = middle(timed["octavo"], "cpu") / middle(timed["weasyprint"], "cpu")
    target(f"{name}: all editions + proof, against WeasyPrint alone on the same HTML", f"≤ {LONG_WEASYPRINT_TARGET:g}×",
           f"{octavo:.1f} s vs {weasyprint:.1f} s: {ratio:.2f}×", ratio <= LONG_WEASYPRINT_TARGET,
           f"Octavo does {work_ratio:.1f}× WeasyPrint's work (CPU {middle(timed['octavo'], 'cpu'):.0f} s against "
           f"{middle(timed['weasyprint'], 'cpu'):.0f} s: two layouts, four PDFs, the EPUB, the web page, the proof) "
           f"on {cores} cores")
    target(f"{name}: proof's share of the build (one process)", f"≤ {PROOF_SHARE_TARGET * 100:.0f} %",
           f"{sums['proof']:.1f} s of {t['build']:.1f} s: {share * 100:.1f} %", share <= PROOF_SHARE_TARGET and t["ok"],
           "" if t["ok"] else "the proof failed")
    target(f"{name}: peak memory (every process of the build)", f"≤ {PEAK_MEMORY_TARGET_MB} MB",
           f"{peak / MB:.0f} MB (one after another, OCTAVO_JOBS=1: {serial.peak / MB:.0f} MB)",
           peak <= PEAK_MEMORY_TARGET_MB * MB,
           f"in parallel the two page setups are laid out at once, each in its own process, and their PDFs "
           f"are written at once: two layouts and two PDFs in memory; one after another, one of each: "
           f"{serial.peak / MB:.0f} MB" if serial.peak <= PEAK_MEMORY_TARGET_MB * MB else
           "each page setup's layout is held while its editions are written")
    proven = (t["summary"].removeprefix("proof: ") if t["ok"]
              else "FAILS: " + t["summary"].splitlines()[0].removeprefix("proof failed: ") + " (listed above)")
    if not t["ok"]:
        print(f"  {name}: the proof failed (paths under {root}):\n" + t["summary"].replace(f"{root}/", ""),
              file=sys.stderr, flush=True)
    stages = ", ".join(f"{k} {v:.1f}" for k, v in t["stages"].items())
    slowest, path = _slowest_edition(t["stages"])
    return [(f"{name}: pages (screen PDF), chapters, footnotes",
             f"{t['pages']} pages, {chapters} generated chapters, {notes} notes"),
            (f"{name}: `octavo build --force`, every edition + proof, default jobs, median of {runs}",
             f"{octavo:.1f} s (CPU {middle(timed['octavo'], 'cpu'):.1f} s)"),
            (f"{name}: `weasyprint` on the same paged HTML (one PDF), median of {runs}",
             f"{weasyprint:.1f} s (CPU {middle(timed['weasyprint'], 'cpu'):.1f} s)"),
            (f"{name}: Octavo / WeasyPrint, wall time", f"{ratio:.2f}×"),
            (f"{name}: peak memory, every process (PSS); largest process (RSS)",
             f"{peak / MB:.0f} MB; {largest / MB:.0f} MB"),
            (f"{name}: one process (OCTAVO_JOBS=1): whole build", f"{t['build']:.1f} s (process: {serial.wall:.1f} s, "
                                                                  f"CPU {serial.cpu:.1f} s)"),
            (f"{name}: one process: layout, writing, proof", f"{sums['layout']:.1f} s, {sums['write']:.1f} s, "
                                                             f"{sums['proof']:.1f} s"),
            (f"{name}: one process: proof / whole build", f"{share * 100:.1f} %"),
            (f"{name}: the slowest edition alone (its layout + writing + proof, one process)",
             f"{slowest}: {path:.1f} s; the parallel build took {octavo / path:.2f}× that, and one process "
             f"{t['build'] / path:.2f}× (the whole build's work over {cores} cores: "
             f"{(sums['layout'] + sums['write'] + sums['proof']) / cores:.1f} s)"),
            (f"{name}: one process: each stage (s)", stages),
            (f"{name}: one process: peak memory", f"{serial.peak / MB:.0f} MB"),
            (f"{name}: proof's verdict", proven)]


def _slowest_edition(stages: dict[str, float]) -> tuple[str, float]:
    """The edition whose own path is longest: the layout of its page setup, its writing, its proof."""
    from octavo.editions import EDITIONS
    paths = {}
    for name, edition in EDITIONS.items():
        if f"write {name}" in stages:
            layout = stages.get(f"layout {edition.setup}", 0.0) if edition.setup else 0.0
            paths[name] = layout + stages[f"write {name}"] + stages.get(f"proof {name}", 0.0)
    slowest = max(paths, key=paths.get)
    return slowest, paths[slowest]


def bench_book(work: Path, pages: int) -> list[tuple[str, str]]:
    """A generated book of about `pages` pages: `octavo build` of every edition, default jobs."""
    root = work / "book"
    content = make_long(root, pages)
    out = root / "out"
    m = measure([*OCTAVO, "build", str(content / "long"), "--out", str(out), "--force"], check=False)
    built = m.code == 0
    count = pages_of(out, "long") if built else 0
    name = f"{pages:,}-page generated book"
    target(f"{name}: every edition + proof", "builds; time and memory in the table",
           (f"builds and proves: {count} pages in {m.wall:.0f} s, peak {m.peak / MB:.0f} MB" if built
            else f"FAILS (exit {m.code}) after {m.wall:.0f} s"), built, "the build failed")
    return [(f"{name}: `octavo build --force`, default jobs", f"{m.wall:.1f} s (CPU {m.cpu:.1f} s), "
                                                              f"{'proven' if built else f'exit {m.code}'}"),
            (f"{name}: pages (screen PDF)", str(count)),
            (f"{name}: peak memory, every process (PSS); largest process (RSS)",
             f"{m.peak / MB:.0f} MB; {m.largest / MB:.0f} MB")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per short measurement (median)")
    parser.add_argument("--long-runs", type=int, default=1,
                        help="rounds of the long paper's build against WeasyPrint, and of the catalog (median)")
    parser.add_argument("--catalog", type=int, default=20, help="titles in the generated catalog")
    parser.add_argument("--pages", type=int, default=300, help="pages (about) of the generated long paper")
    parser.add_argument("--book-pages", type=int, default=1000, help="pages (about) of the generated book")
    parser.add_argument("--only", help="some of the figures: " + ",".join(SECTIONS))
    parser.add_argument("--long-build", nargs=4, metavar=("FOLDER", "OUT", "JSON", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.long_build:  # the child process of bench_long
        folder, out, report = map(Path, args.long_build[:3])
        jobs = int(args.long_build[3]) or None
        report.write_text(json.dumps(long_build(folder, out, jobs)), encoding="utf-8")
        return 0
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        sys.exit(f"bench: --only {','.join(unknown)}: choose from {', '.join(SECTIONS)}")
    if not shutil.which("pandoc"):
        sys.exit("bench: pandoc is not installed (make bench installs it)")
    pandoc = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = [("machine", f"{os.cpu_count()} CPUs, load average {load} at the start (1 / 5 / 15 min), "
                        f"Python {sys.version.split()[0]}, {pandoc}")]
    with tempfile.TemporaryDirectory(prefix="octavo-bench-") as temporary:
        sections = measurements(Path(temporary), args)
        for name in chosen:
            new = sections[name]()
            rows.extend(new)
            for name, value in new:
                print(f"  {name}: {value}", file=sys.stderr, flush=True)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rows.append(("machine at the end", f"load average {load}"))
    if TARGETS:
        print(targets_table())
    print(_table(["measurement", "figure"], rows))
    return 0


SECTIONS = ("seed", "overhead", "noop", "longword", "curves", "catalog", "dask", "long", "book")


def measurements(work: Path, args: argparse.Namespace) -> dict:
    """Each section of the bench (SECTIONS, in order), a function that measures it and returns its rows."""
    seed = {}

    def seed_rows():
        seed["rows"], seed["seconds"] = bench_seed(work, args.runs)
        return seed["rows"]

    return {"seed": seed_rows,
            "overhead": lambda: bench_overhead(work, args.runs, seed["seconds"] if seed
                                               else (bench_seed(work, args.runs)[1])),
            "noop": lambda: bench_noop(work, args.runs),
            "longword": lambda: bench_long_word(work, args.runs),
            "curves": lambda: bench_curves(work),
            "catalog": lambda: bench_catalog(work, args.catalog, args.long_runs),
            "dask": lambda: bench_dask(work, args.catalog),
            "long": lambda: bench_long(work, args.pages, args.long_runs),
            "book": lambda: bench_book(work, args.book_pages)}


def targets_table() -> str:
    """Every target measured in this run: its figure, and whether it was met (if not, why)."""
    return _table(["measurement", "target", "measured", "met"],
                  [(t.measurement, t.target, t.figure, "yes" if t.met else f"**no**: {t.why}") for t in TARGETS])


def _table(head: list[str], rows: list[tuple]) -> str:
    """A Markdown table, its columns padded to line up in a terminal."""
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head) - 1)]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row[:-1], widths)) + f" | {row[-1]} |"
             for row in [head, *rows]]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|---|")
    return "\n" + "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

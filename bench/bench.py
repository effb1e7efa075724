"""`make bench`: how fast Octavo is, against its baselines, in one run on this machine.

Prints a table of wall times (median of several runs where a run is short)
and writes nothing outside a temporary folder. Not a test: the figures depend
on the machine and its load; the ratios measured in the same run are what
compare.

    .venv/bin/python bench/bench.py [--runs N] [--catalog N] [--pages N] [--only long]

1. the seed paper: `octavo build` (every edition, with the proof) against
   pandoc writing an EPUB and a PDF (through WeasyPrint) of the same text;
2. Octavo's overhead over calling WeasyPrint directly on Octavo's own print HTML
   (end to end: `octavo build` against the `weasyprint` command; and the print
   edition alone in a warm process, where both lay out the same HTML);
3. a no-op rebuild (nothing changed), target at most 0.3 s;
4. a generated catalog (20 titles) on 1 and on 2 workers; the same on a Dask LocalCluster of
   2 workers against the process pool's 2 (`octavo build --scheduler`);
5. a generated long paper (about 300 pages, a footnote on most pages, quotes,
   lists and tables): the whole build of every edition, the proof's share of it
   (target at most 25 %), the proof's time by edition, its verdict, peak memory.
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OCTAVO = [str(BIN / "octavo")]
SEED = REPO / "content" / "breaking-deadlock"
NOOP_TARGET = 0.3
PROOF_SHARE_TARGET = 0.25  # the proof's share of a 300-page paper's build

sys.path.insert(0, str(REPO / "src"))


def run(command: list[str], cwd: Path | None = None, env: dict | None = None) -> float:
    """Wall seconds of one command; the bench stops if it fails."""
    started = time.perf_counter()
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed ({process.returncode}):\n{process.stdout}\n{process.stderr}")
    return seconds


def measure(command: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of a command, its children included.

    os.wait4 reports the child's resource use together with that of the
    processes it waited for (its workers). CPU time is what the command itself
    costs, whatever else the machine is doing; wall time is what a user waits.
    """
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty failure cannot fill it and hang
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            sys.exit(f"bench: {' '.join(command)} failed ({code}): {errors.read().decode(errors='replace')}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


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

def bench_seed(work: Path, runs: int) -> list[tuple[str, str]]:
    out = work / "seed-out"
    octavo = median([*OCTAVO, "build", str(SEED), "--out", str(out), "--force", "--jobs", "1"], runs)
    source, title = seed_markdown(work / "seed.md")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}  # pandoc runs the `weasyprint` command
    epub = median(["pandoc", str(source), "-o", str(work / "pandoc.epub"), "--metadata", f"title={title}"],
                  runs, env=env)
    pdf = median(["pandoc", str(source), "-o", str(work / "pandoc.pdf"), "--pdf-engine=weasyprint",
                  "--metadata", f"title={title}"], runs, env=env)
    # Like for like: one PDF and one EPUB, as pandoc makes (still with the proof).
    pair = median([*OCTAVO, "build", str(SEED), "--out", str(out), "--force", "--edition", "screen,epub"], runs)
    return [("seed: `octavo build --force` (all editions + proof)", f"{octavo:.2f} s"),
            ("seed: pandoc EPUB + pandoc PDF (WeasyPrint)", f"{epub + pdf:.2f} s ({epub:.2f} + {pdf:.2f})"),
            ("seed: Octavo (all editions) / pandoc, wall time", f"{octavo / (epub + pdf):.2f}×"),
            ("seed: `octavo build --force --edition screen,epub` (one PDF, one EPUB, proof)", f"{pair:.2f} s"),
            ("seed: Octavo (screen PDF + EPUB) / pandoc, wall time", f"{pair / (epub + pdf):.2f}×")], octavo


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

    def octavo_print():
        build.build_publication(SEED, warm, editions=(print_edition,))

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
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    verdict = "meets" if wall <= NOOP_TARGET else "MISSES"
    return [(f"no-op rebuild of the seed: wall (median of {len(samples)})",
             f"{wall:.3f} s ({verdict} the {NOOP_TARGET} s target; fastest {min(s[0] for s in samples):.3f} s)"),
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
    return [("seed screen PDF with a 20,000-character URL / without it",
             f"{word:.2f} s / {plain:.2f} s = {word / plain:.2f}× ({verdict} the ≤ {LONG_WORD_TARGET:g}× target)")]


def bench_catalog(work: Path, count: int) -> list[tuple[str, str]]:
    root = work / "catalog"
    content = make_catalog(root, count)
    rows, wall = [], {}
    for jobs in (1, 2):
        wall[jobs], cpu, rss = measure([*OCTAVO, "build", "--content", str(content), "--out", str(root / "out"),
                                        "--force", "--jobs", str(jobs)])
        rows.append((f"{count}-title catalog, {jobs} worker{'s' if jobs > 1 else ''}",
                     f"{wall[jobs]:.1f} s ({wall[jobs] / count:.2f} s a title; CPU {cpu:.1f} s)"))
    rows.append((f"{count}-title catalog: speed-up on 2 workers", f"{wall[1] / wall[2]:.2f}×"))
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
    pool, _, _ = measure([*build, "--jobs", "2"])
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        dask, client_cpu, _ = measure([*build, "--scheduler", cluster.scheduler_address])
    return [(f"{count}-title catalog: process pool, 2 workers", f"{pool:.1f} s"),
            (f"{count}-title catalog: Dask LocalCluster, 2 workers (client proves each title)",
             f"{dask:.1f} s (client CPU {client_cpu:.1f} s)"),
            (f"{count}-title catalog: Dask / process pool, wall time", f"{dask / pool:.2f}×")]


def long_build(folder: Path, out: Path) -> dict:
    """Build every edition of `folder` in this process, timing the proof apart from the whole build.

    Run by bench_long in a child process (`bench.py --long-build FOLDER OUT JSON`), so
    that its CPU time and peak memory are the build's own. The proof is timed
    where the build calls it (octavo.build.verify) and, inside it, each
    edition's reading back (read_edition) and checks (check_edition). A build
    whose proof fails is measured all the same (everything but publishing
    was done) and its problems are returned.
    """
    from octavo import build, verify
    from octavo.editions import edition_for_file
    from octavo.errors import VerificationError

    timings = {"proof": 0.0, "read": {}, "check": {}, "pages": 0}

    def timed(function, record):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            result = function(*args, **kwargs)
            record(result, time.perf_counter() - started, *args, **kwargs)
            return result
        return wrapper

    def read_done(reading, seconds, *args, **kwargs):
        name = Path(reading.path).name  # the name the report shows: the edition's final file name
        timings["read"][name] = seconds
        if edition_for_file(Path(name)).name == "screen":
            timings["pages"] = len(reading.pages)

    def check_done(findings, seconds, *args, **kwargs):
        edition = next(a for a in (*args, *kwargs.values()) if isinstance(a, verify.Reading))
        timings["check"][Path(edition.path).name] = seconds

    def proof_done(report, seconds, *args, **kwargs):
        timings["proof"] += seconds

    verify.read_edition = timed(verify.read_edition, read_done)
    verify.check_edition = timed(verify.check_edition, check_done)
    build.verify = timed(build.verify, proof_done)
    started = time.perf_counter()
    try:
        result = build.build_publication(folder, out)
        report = result.report
    except VerificationError as failure:
        report = failure.report
    timings["build"] = time.perf_counter() - started
    timings["ok"] = report.ok
    timings["summary"] = report.summary()
    return timings


def bench_long(work: Path, pages: int, target: float = PROOF_SHARE_TARGET) -> list[tuple[str, str]]:
    root = work / "long"
    content = make_long(root, pages)
    out = root / "out"
    report = root / "timings.json"
    seconds, cpu, rss = measure([sys.executable, __file__, "--long-build", str(content / "long"), str(out),
                                 str(report)])
    t = json.loads(report.read_text())
    from octavo.editions import edition_for_file
    from octavo.model import load_publication
    from octavo.render import Rendering
    document = Rendering(load_publication(content / "long")).document
    notes = len(document.notes)
    chapters = sum(1 for s in document.sections if s.section.path.name.startswith("90-"))
    share = t["proof"] / t["build"]
    verdict = "meets" if share <= target else "MISSES"
    by_edition = ", ".join(f"{edition_for_file(Path(name)).name} {t['read'][name]:.1f} + {t['check'].get(name, 0):.1f}"
                           for name in t["read"])
    proven = (t["summary"].removeprefix("proof: ") if t["ok"]
              else "FAILS: " + t["summary"].splitlines()[0].removeprefix("proof failed: ")
              + " (listed above the table)")
    if not t["ok"]:
        print(f"  {pages}-page paper: the proof failed (paths under {root}):\n"
              + t["summary"].replace(f"{root}/", ""), file=sys.stderr, flush=True)
    name = f"{pages}-page paper"
    return [(f"{name}: pages (screen PDF), chapters, footnotes", f"{t['pages']} pages, {chapters} generated chapters, "
                                                                 f"{notes} notes"),
            (f"{name}: whole build, every edition + proof, one process", f"{t['build']:.1f} s "
                                                                          f"(process: {seconds:.1f} s, CPU {cpu:.1f} s)"),
            (f"{name}: proof alone (read back + check, every edition)", f"{t['proof']:.1f} s"),
            (f"{name}: proof / whole build", f"{share * 100:.1f} % ({verdict} the ≤ {target * 100:.0f} % target)"),
            (f"{name}: proof by edition, read back + check (s)", by_edition),
            (f"{name}: proof's verdict", proven),
            (f"{name}: peak memory (RSS)", f"{rss / 1024:.0f} MiB")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per short measurement (median)")
    parser.add_argument("--catalog", type=int, default=20, help="titles in the generated catalog")
    parser.add_argument("--pages", type=int, default=300, help="pages (about) of the generated long paper")
    parser.add_argument("--only", help="some of the figures: seed,overhead,noop,longword,catalog,dask,long")
    parser.add_argument("--long-build", nargs=3, metavar=("FOLDER", "OUT", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.long_build:  # the child process of bench_long
        folder, out, report = map(Path, args.long_build)
        report.write_text(json.dumps(long_build(folder, out)), encoding="utf-8")
        return 0
    if not shutil.which("pandoc"):
        sys.exit("bench: pandoc is not installed (make bench installs it)")
    pandoc = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = [("machine", f"{os.cpu_count()} CPUs, load average {load} at the start, "
                        f"Python {sys.version.split()[0]}, {pandoc}")]
    with tempfile.TemporaryDirectory(prefix="octavo-bench-") as temporary:
        work = Path(temporary)
        seed = {}

        def seed_rows():
            seed["rows"], seed["seconds"] = bench_seed(work, args.runs)
            return seed["rows"]

        sections = {"seed": seed_rows,
                    "overhead": lambda: bench_overhead(work, args.runs, seed["seconds"] if seed
                                                       else (bench_seed(work, args.runs)[1])),
                    "noop": lambda: bench_noop(work, args.runs),
                    "longword": lambda: bench_long_word(work, args.runs),
                    "catalog": lambda: bench_catalog(work, args.catalog),
                    "dask": lambda: bench_dask(work, args.catalog),
                    "long": lambda: bench_long(work, args.pages)}
        chosen = args.only.split(",") if args.only else list(sections)
        unknown = [name for name in chosen if name not in sections]
        if unknown:
            sys.exit(f"bench: --only {','.join(unknown)}: choose from {', '.join(sections)}")
        for name in chosen:
            new = sections[name]()
            rows.extend(new)
            for name, value in new:
                print(f"  {name}: {value}", file=sys.stderr, flush=True)
    width = max(len(name) for name, _ in rows)
    print(f"\n| {'measurement'.ljust(width)} | figure |\n|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

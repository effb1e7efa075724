"""`make bench`: how fast Octavo is, against its baselines, in one run on this machine.

Prints a table of wall times (median of several runs where a run is short)
and writes nothing outside a temporary folder. Not a test: the figures depend
on the machine and its load; the ratios measured in the same run are what
compare.

    .venv/bin/python bench/bench.py [--runs N] [--catalog N] [--pages N]

1. the seed paper: `octavo build` (every edition, with the proof) against
   pandoc writing an EPUB and a PDF (through WeasyPrint) of the same text;
2. Octavo's overhead over calling WeasyPrint directly on Octavo's own print HTML
   (end to end: `octavo build` against the `weasyprint` command; and the print
   edition alone in a warm process, where both lay out the same HTML);
3. a no-op rebuild (nothing changed), target at most 0.3 s;
4. a generated catalog (20 titles) on 1 and on 2 workers;
5. a generated long publication (about 300 pages): time and peak memory.
"""

from __future__ import annotations

import argparse
import os
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


def make_long(root: Path, chapters: int) -> Path:
    """content/long: the seed plus `chapters` generated chapters of the seed's own paragraphs."""
    content = root / "content"
    content.mkdir(parents=True)
    shutil.copy(SEED.parent / "publisher.yaml", content)
    folder = content / "long"
    shutil.copytree(SEED, folder)
    paragraphs = [p for s in sorted((SEED / "sections").glob("*.md"))
                  for p in s.read_text().split("---", 2)[2].split("\n\n")
                  if len(p) > 200 and "{{" not in p]
    listed = []
    for n in range(1, chapters + 1):
        body = "\n\n".join(paragraphs[(n + k) % len(paragraphs)] for k in range(12))
        name = f"sections/90-{n:03d}.md"
        (folder / name).write_text(f"---\ntitle: Generated Chapter {n}\nrole: chapter\nauthors: [isdp]\n---\n"
                                   f"{body}\n\n## A second heading in chapter {n}\n\n{body}\n", encoding="utf-8")
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


def bench_long(work: Path, chapters: int) -> list[tuple[str, str]]:
    root = work / "long"
    content = make_long(root, chapters)
    out = root / "out"
    seconds, cpu, rss = measure([*OCTAVO, "build", str(content / "long"), "--out", str(out), "--jobs", "1"])
    pages = pages_of(out, "long")
    return [(f"long publication ({pages} pages, {chapters} generated chapters): build",
             f"{seconds:.1f} s (CPU {cpu:.1f} s)"),
            ("long publication: peak memory (RSS)", f"{rss / 1024:.0f} MiB")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per short measurement (median)")
    parser.add_argument("--catalog", type=int, default=20, help="titles in the generated catalog")
    parser.add_argument("--chapters", type=int, default=56, help="generated chapters in the long publication")
    args = parser.parse_args()
    if not shutil.which("pandoc"):
        sys.exit("bench: pandoc is not installed (make bench installs it)")
    pandoc = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = [("machine", f"{os.cpu_count()} CPUs, load average {load} at the start, "
                        f"Python {sys.version.split()[0]}, {pandoc}")]
    with tempfile.TemporaryDirectory(prefix="octavo-bench-") as temporary:
        work = Path(temporary)
        seed_rows, octavo_seconds = bench_seed(work, args.runs)
        for section in (lambda: seed_rows, lambda: bench_overhead(work, args.runs, octavo_seconds),
                        lambda: bench_noop(work, args.runs), lambda: bench_catalog(work, args.catalog),
                        lambda: bench_long(work, args.chapters)):
            new = section()
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

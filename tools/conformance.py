"""`make conformance`: every EPUB checked by the tools reading systems and libraries use.

For every publication in content/, the EPUB feature fixtures (tests/fixtures/epub-content), the distribution fixture (tests/fixtures/distribution-content) and the papers in six scripts
(tests/fixtures/languages-content):
- DAISY Ace (accessibility: EPUB Accessibility 1.1, WCAG 2.x AA through axe-core, in Chromium):
  its report.json must hold 0 violations;
- calibre's ebook-meta must read the title, every author and the language;
- `pandoc -f epub -t plain` must read every author, every disclaimer and the full text
  of every section (compared as the proof compares: letters and digits, case-folded).

Usage: conformance.py ACE_CLI OUT_DIR   (the Makefile installs Ace and the Debian tools first)
Exit 0 when every check passes, 1 otherwise. Reports stay in OUT_DIR/<slug>/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from octavo.build import build_publication
from octavo.verify import skeleton

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "content", REPO / "tests" / "fixtures" / "epub-content", REPO / "tests" / "fixtures" / "distribution-content",
           REPO / "tests" / "fixtures" / "languages-content"]


def main(ace_cli: str, out_dir: str) -> int:
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    failures, rows = [], []
    for source in SOURCES:
        for folder in sorted(p.parent for p in source.glob("*/publication.yaml")):
            result = build_publication(folder, out / "build" / source.name)
            publication, epub = result.publication, _epub(result)
            print(f"== {folder.relative_to(REPO)} -> {epub.relative_to(REPO) if epub.is_relative_to(REPO) else epub}")
            violations = ace(ace_cli, epub, out / folder.name)
            meta_problems = calibre(epub, publication)
            text_problems = pandoc(epub, result.document)
            for what, problems in (("calibre", meta_problems), ("pandoc", text_problems)):
                failures += [f"{folder.name}: {what}: {p}" for p in problems]
            if violations:
                failures += [f"{folder.name}: Ace: {v}" for v in violations]
            rows.append((folder.name, len(violations), "ok" if not meta_problems else "FAILED",
                         "ok" if not text_problems else "FAILED"))
    print("\npublication            Ace violations  calibre  pandoc")
    for name, count, cal, pan in rows:
        print(f"{name:<22} {count:>14}  {cal:<7}  {pan}")
    if failures:
        print("\n" + "\n".join(failures))
        return 1
    print(f"\nconformance: {len(rows)} EPUBs, 0 Ace violations; calibre and pandoc read every title, "
          "author, language, disclaimer and section")
    return 0


def _epub(result) -> Path:
    return next(p for p in result.outputs if p.suffix == ".epub")


def ace(ace_cli: str, epub: Path, out: Path) -> list[str]:
    """Run DAISY Ace; return its violations (report.json, EARL assertions with outcome fail)."""
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=os.environ.get("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium"),
               PUPPETEER_SKIP_DOWNLOAD="1")
    report_path = out / "report.json"
    # Ace drives Chromium; on a loaded machine Chromium sometimes fails to start and Ace exits 1
    # with no report and nothing said (--silent). That is no verdict on the EPUB: try once more,
    # and if it fails again, say what Ace printed.
    for _ in range(2):
        report_path.unlink(missing_ok=True)
        run = subprocess.run([ace_cli, "--force", "--silent", "--outdir", str(out), str(epub)],
                             env=env, capture_output=True, text=True, timeout=600)
        if run.returncode == 0 and report_path.is_file():
            break
    else:
        said = (run.stderr.strip() or run.stdout.strip() or "nothing on stdout or stderr")[-500:]
        return [f"Ace did not run (exit {run.returncode}, twice): {said}"]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    violations = []
    for subject in report.get("assertions", []):
        for assertion in subject.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") == "fail":
                test = assertion["earl:test"]
                violations.append(f"{test.get('earl:impact', '?')} {test['dct:title']} in "
                                  f"{subject['earl:testSubject']['url']}: {test['dct:description']}")
    print(f"   Ace {report.get('earl:result', {}).get('earl:outcome')}: {len(violations)} violations "
          f"(report: {report_path})")
    return violations


def calibre(epub: Path, p) -> list[str]:
    # As root, calibre's QtWebEngine refuses to start without this (Chromium's sandbox needs a user).
    env = dict(os.environ, QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox")
    run = subprocess.run(["ebook-meta", str(epub)], env=env, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        return [f"ebook-meta failed: {run.stderr.strip()[-300:]}"]
    fields = dict(re.findall(r"^(\S[^:]*?)\s*:\s(.*)$", run.stdout, re.M))
    problems = []
    title, authors, languages = fields.get("Title", ""), fields.get("Author(s)", ""), fields.get("Languages", "")
    if skeleton(p.title) not in skeleton(title):
        problems.append(f"title {p.title!r} not in {title!r}")
    read = [a.strip() for a in authors.split("[")[0].split("&")]
    problems += [f"author {c.name!r} not in {read}" for c in p.authors if c.name not in read]
    wanted = calibre_language(p.language)
    if wanted not in [x.strip() for x in languages.split(",")]:
        problems.append(f"language {wanted!r} not in {languages!r}")
    print(f"   calibre: title {title!r}; authors {authors!r}; languages {languages!r}")
    return problems


def calibre_language(tag: str) -> str:
    """The ISO 639-2/T code calibre shows for a BCP 47 tag ("de" -> "deu", "he" -> "heb"),
    from python-iso639, Octavo's own source of language codes (distribution/common.py)."""
    import iso639

    primary = tag.split("-")[0]
    try:
        return iso639.Language.from_part1(primary).part2t
    except iso639.LanguageNotFoundError:  # a three-letter tag already (or none python-iso639 knows): calibre shows it as is
        return primary


def pandoc(epub: Path, document) -> list[str]:
    p = document.publication
    run = subprocess.run(["pandoc", "-f", "epub", "-t", "plain", "--wrap=none", str(epub)],
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        return [f"pandoc failed: {run.stderr.strip()[-300:]}"]
    text = skeleton(run.stdout)
    problems = []
    for c in p.contributors:
        if skeleton(c.name) not in text:
            problems.append(f"contributor {c.name!r} missing")
        if c.affiliation_text and skeleton(c.attribution) not in text:
            problems.append(f"attribution {c.attribution!r} missing")
    for d in p.disclaimers:
        if skeleton(d.text) not in text:
            problems.append(f"disclaimer {d.id!r} missing")
    if skeleton(p.title) not in text:
        problems.append("title missing")
    for s in document.sections:
        missing = [b.text for b in s.blocks if skeleton(b.text) not in text]
        problems += [f"section {s.id}: text missing: {para[:70]!r}" for para in missing]
    print(f"   pandoc: {len(run.stdout.split())} words read; {len(problems)} missing")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

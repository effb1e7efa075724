"""Debian's Chromium, headless, driven over the DevTools protocol on a pipe
(--remote-debugging-pipe): the engine that lays out what an EPUB or a web page shows.

The proof asks it where the text it must find is drawn (seen.py); the tests run the web
edition's independent checkers in it (tests/webcheck.py: axe-core and layout checks). A file
is opened where it is and not changed; the page's Content-Security-Policy is bypassed for the
caller's script alone. Chromium that cannot be found or started is an error, never a pass.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .errors import OctavoError


class BrowserUnavailable(OctavoError):
    """Chromium is not installed (`make` installs Debian's)."""


class BrowserFailed(OctavoError):
    """Chromium ran but gave no answer (crashed, timed out, a script failed)."""


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable("no `chromium` on PATH: Octavo reads what an EPUB and a web page show in Debian's Chromium (`make` installs it; or apt-get install chromium)")


def _lift_address_space_limit() -> None:
    """Chromium reserves far more address space than it uses (V8's cage, its allocator), and
    does not start under the limit `octavo check` reads a stranger's file with (verify.py sets
    the soft limit only): the browser runs with the hard one, bounded by its deadline instead."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def _high_fd(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class DevTools:
    """Chromium's DevTools protocol on --remote-debugging-pipe: JSON messages,
    each ended by a NUL byte, written to the browser's fd 3 and read from its fd 4."""

    def __init__(self, chromium: str, width: int, height: int, deadline: float):
        self.deadline = deadline
        self.folder = Path(tempfile.mkdtemp(prefix="octavo-browser-"))  # its profile and log, removed by close()
        profile = self.folder / "profile"
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The browser's ends moved to fds >= 10, clear of the 3 and 4 they go to.
        to_browser_r, from_browser_w = (_high_fd(to_browser_r), _high_fd(from_browser_w))
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions",
                 "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
                 "--hide-scrollbars", "--mute-audio", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", f"--window-size={width},{height}",
                 "--remote-debugging-pipe", "about:blank"]
        self.log = self.folder / "chromium.log"
        # Chromium wants the pipe on fds 3 and 4; bash moves it there (bash, not
        # sh: the pipe's own fds may have two digits).
        script = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-'
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                ["/bin/bash", "-c", script, chromium, *flags], pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                preexec_fn=_lift_address_space_limit)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []

    def _read_message(self) -> dict:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise BrowserFailed("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserFailed(f"Chromium closed the DevTools pipe: {self.log_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            data = data[os.write(self._to_browser, data):]
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserFailed(f"DevTools {method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, method: str, session: str) -> dict:
        while True:
            for event in self._events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    return event
            self._events.append(self._read_message())

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        if self._to_browser is None:
            return  # closed already
        try:
            if self.process.poll() is None:
                try:
                    data = json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0"
                    os.write(self._to_browser, data)
                    self.process.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if self.process.poll() is None:
                os.killpg(self.process.pid, 9)  # the browser's own process group: its helpers too
                self.process.wait(timeout=10)
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            self._to_browser = self._from_browser = None
            shutil.rmtree(self.folder, ignore_errors=True)


def evaluate(browser, session: str, expression: str, path: Path) -> str:
    result = browser.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                               "returnByValue": True}, session=session)
    if "exceptionDetails" in result:
        raise BrowserFailed(f"the check failed on {path}: {result['exceptionDetails']}")
    return result["result"]["value"]


def in_page(path: Path, width: int, height: int | None, timeout: float, run):
    """Open the file in headless Chromium at `width` x `height` CSS pixels and return run(browser, session, url)."""
    return in_pages([path], width, height, timeout, 1.0,
                     lambda browser, session, url, _: run(browser, session, url))[Path(path)]


def in_pages(paths, width: int, height: int | None, timeout: float, text_scale: float, run) -> dict[Path, object]:
    """Open each file in turn in one headless Chromium at `width` x `height` CSS pixels and
    return {path: run(browser, session, url, path)}.

    `text_scale` sets the browser's default font sizes (16 px and 13 px, times the scale), as a
    reader who asks for larger text does: a page sized in em and rem (as every Octavo edition
    is) grows with it, which is WCAG 1.4.4's "resize text" and a reading system's text size."""
    found = at_widths(paths, (width,), height, timeout, text_scale, run)
    return {path: found[path, width] for path in map(Path, paths)}


def at_widths(paths, widths, height: int | None, timeout: float, text_scale: float, run,
              scripts: bool = True) -> dict:
    """in_pages at each width in turn, in one browser: {(path, width): run(browser, session, url, path)}.
    Without `scripts` the pages' own scripts do not run (the caller's still do, through DevTools):
    a file from anywhere cannot rewrite what the caller measures."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(path)
    results = {}
    first = widths[0]
    with _browser(first, height or _height(first), time.monotonic() + timeout) as browser:
        # One tab: a screenshot waits for its tab's next frame, which a tab behind another may never draw.
        target, session = _tab(browser, scripts, text_scale)
        for path in paths:
            # Laid out at the first width, loaded; then laid out again at each other width (a
            # window resized), without loading it again.
            browser.send("Emulation.setDeviceMetricsOverride", _metrics(first, height), session=session)
            url = path.resolve().as_uri()
            navigated = browser.send("Page.navigate", {"url": url}, session=session)
            if navigated.get("errorText"):
                raise BrowserFailed(f"Chromium could not open {path}: {navigated['errorText']}")
            browser.wait_for("Page.loadEventFired", session)
            for width in widths:
                if width != first:
                    browser.send("Emulation.setDeviceMetricsOverride", _metrics(width, height), session=session)
                results[path, width] = run(browser, session, url, path)
        browser.send("Target.closeTarget", {"targetId": target})  # a kept browser is left as it was found
    return results


# The browser kept() keeps, and the process it belongs to (a forked child starts its own).
_kept: dict = {}


@contextlib.contextmanager
def kept():
    """One Chromium for every file measured inside (a build proves its EPUB and its web page
    with one, not two: starting one takes a quarter of a second), closed at the end. In a
    process forked inside, each measurement starts and closes its own, as outside."""
    if _kept.get("owner") == os.getpid():
        yield  # already kept, by a caller further up
        return
    _kept.clear()
    _kept["owner"] = os.getpid()
    try:
        yield
    finally:
        browser = _kept.pop("browser", None)
        _kept.clear()
        if browser is not None:
            browser.close()


@contextlib.contextmanager
def _browser(width: int, height: int, deadline: float):
    """A Chromium to measure with until `deadline`: the one kept() keeps, else a new one,
    closed after. One that failed (a crash, a time-out, a script's error) is never used again."""
    keeping = _kept.get("owner") == os.getpid()
    browser = _kept.pop("browser", None) if keeping else None
    if browser is not None and browser.process.poll() is not None:
        browser.close()  # it died since: a new one
        browser = None
    if browser is None:
        browser = DevTools(chromium_binary(), width, height, deadline)
    browser.deadline = deadline
    try:
        yield browser
    except BaseException:
        browser.close()
        raise
    if keeping:
        _kept["browser"] = browser
    else:
        browser.close()


def _tab(browser: DevTools, scripts: bool, text_scale: float) -> tuple[str, str]:
    """A new tab, and its DevTools session set up to load and measure files."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    browser.send("Page.enable", session=session)
    browser.send("Page.setBypassCSP", {"enabled": True}, session=session)
    if not scripts:
        browser.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=session)
    if text_scale != 1.0:
        browser.send("Page.setFontSizes", {"fontSizes": {"standard": round(16 * text_scale),
                                                         "fixed": round(13 * text_scale)}}, session=session)
    return target, session


def _metrics(width: int, height: int | None) -> dict:
    return {"width": width, "height": height or _height(width), "deviceScaleFactor": 1, "mobile": False}


def _height(width: int) -> int:
    return 844 if width <= 600 else 900  # a phone's screen, a desktop window's

"""Forked workers for one build: a function run in a child process, its result sent back.

A publication's editions are written in parallel (build.py): each page setup
is laid out in a child of the build, and that child forks a grandchild for
each edition it can give a core to. Forked, not spawned, so that a child
inherits the rendering and its layout as they stand (copy-on-write) instead
of making them again; the result (the proof's report, a few numbers) comes
back pickled through a pipe.

The rules every child keeps:
- it never publishes: the process that started the build moves the proven
  editions into place, so a failure anywhere leaves build/ as it was;
- it dies with its parent (PR_SET_PDEATHSIG), so a build killed outright
  leaves no worker writing behind it;
- it leaves SIGINT and SIGTERM to the build: on either, or on a failure in a
  sibling, the parent kills and reaps every child before its temporary files
  are removed, so that no child writes after the build has stopped;
- its exception comes back as itself (a RenderError with its message and
  exit code, an OSError, a bug with the child's traceback attached), or, for
  one that cannot be pickled, as an error with the same message and code.

Job tokens bound how many processes of one build work at once (--jobs): a
process takes a token for each child it starts and never waits for one (it
does the work itself when none is free), so the tree cannot deadlock.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import sys
import traceback
from collections.abc import Callable

from .errors import OctavoError

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


class Tokens:
    """How many processes of one build may work at once, shared by every process it forks.
    Never waited for: `take` says whether a token was free."""

    def __init__(self, count: int):
        import multiprocessing

        # A fork context's semaphore: shared with the children, no resource tracker process.
        self._semaphore = multiprocessing.get_context("fork").BoundedSemaphore(count)

    def take(self) -> bool:
        return self._semaphore.acquire(block=False)

    def give_back(self) -> None:
        self._semaphore.release()


class ChildDied(Exception):
    """A child ended without a result: killed by a signal (out of memory), or crashed in a C library."""


class ForwardedError(OctavoError):
    """An Octavo error of a child that could not cross the pipe as itself: the same message and exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class Child:
    """`function(*args)` running in a forked child; `gather` collects its result."""

    def __init__(self, what: str, function: Callable, *args, token: Tokens | None = None):
        self.what = what  # "writing the screen edition", for a child that dies
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing buffered before the fork is written twice
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _run_child(write, parent, function, args, token)
        os.close(write)
        self.pid, self.fd, self.data = pid, read, bytearray()
        self.status: int | None = None

    def read_some(self) -> bool:
        """Read what the child has sent; True once it has closed the pipe."""
        chunk = os.read(self.fd, 1 << 20)
        self.data += chunk
        return not chunk

    def reap(self) -> None:
        os.close(self.fd)
        self.fd = -1
        _, self.status = os.waitpid(self.pid, 0)

    def kill(self) -> None:
        if self.status is not None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        _, self.status = os.waitpid(self.pid, 0)

    def outcome(self):
        """The child's return value, or its exception raised here."""
        try:
            kind, value, trace = pickle.loads(bytes(self.data))
        except Exception:
            code = os.waitstatus_to_exitcode(self.status) if self.status is not None else None
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            raise ChildDied(f"the worker process {self.what} died ({how})") from None
        if kind == "ok":
            return value
        if trace:
            value.add_note(f"in the worker process {self.what}:\n{trace}")
        raise value


class Workers:
    """The children of one process, as a context manager: leaving it by an exception (a failure
    here, an interrupt, SIGTERM's Terminated) kills and reaps every child still running, so none
    writes after the build has stopped or its temporary files have been removed."""

    def __init__(self):
        self.children: list[Child] = []

    def start(self, what: str, function: Callable, *args, token: Tokens | None = None) -> None:
        self.children.append(Child(what, function, *args, token=token))

    def results(self) -> list:
        """The children's results in the order they were started. The first failure is raised as
        soon as it comes back (the others are then killed on the way out)."""
        pending = {child.fd: child for child in self.children if child.status is None}
        with selectors.DefaultSelector() as selector:
            for fd in pending:
                selector.register(fd, selectors.EVENT_READ)
            while pending:
                for key, _ in selector.select():
                    child = pending[key.fd]
                    if child.read_some():
                        selector.unregister(key.fd)
                        del pending[key.fd]
                        child.reap()
                        child.outcome()  # raises the child's failure now, not after the others end
        return [child.outcome() for child in self.children]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is not None:
            for child in self.children:
                child.kill()


_held: Tokens | None = None  # in a child: the pool its token came from, until the token is given back


def idle() -> None:
    """This process has done its own share and only waits for its children: its token may start another."""
    global _held
    if _held is not None:
        _held.give_back()
        _held = None


def _run_child(pipe: int, parent: int, function: Callable, args: tuple, token: Tokens | None) -> None:
    global _held
    _held = token
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the build decides
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler, which raises in the build
        _die_with(parent)
        try:
            payload = ("ok", function(*args), "")
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build
            payload = ("error", _portable(exc), traceback.format_exc())
        try:
            data = pickle.dumps(payload)
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled is a bug
            data = pickle.dumps(("error", RuntimeError(f"the result could not be sent back: {exc}"),
                                 traceback.format_exc()))
        with os.fdopen(pipe, "wb") as stream:
            stream.write(data)
    except BaseException:  # noqa: BLE001 - the pipe is gone (the build stopped): nothing to tell
        code = 1
    finally:
        idle()
        os._exit(code)  # no atexit handler, no `finally` of the build's, no flush of its buffers


def _portable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling unchanged; else one with its message and exit code."""
    try:
        copy = pickle.loads(pickle.dumps(exc))
        if type(copy) is type(exc) and str(copy) == str(exc):
            return exc
    except Exception:  # noqa: BLE001
        pass
    if isinstance(exc, OctavoError):
        return ForwardedError(str(exc), exc.exit_code)
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def _die_with(parent: int) -> None:
    """The kernel kills this child when its parent dies (PR_SET_PDEATHSIG), so a build killed
    outright (SIGKILL) leaves no child writing; Linux only, elsewhere the parent's kill stops them."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the setting took effect
        os._exit(1)

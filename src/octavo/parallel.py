"""Forked workers for one build: a function run in a child process, its result sent back.

A publication's editions are written in parallel (build.py): each page setup
is laid out in a child of the build, and that child shares the editions
reading it with helpers it forks whenever a core is free. Forked, not
spawned, so that a child inherits the rendering and its layout as they stand
(copy-on-write) instead of making them again; the result (the proof's
report, a few numbers) comes back pickled through a pipe.

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
  one that cannot be pickled, as an error with the same message and code;
- it runs under a memory limit (its address space: OCTAVO_WORKER_MEMORY,
  default WORKER_MEMORY_BYTES): a publication that needs more fails with an
  error that says so and what to set, instead of taking the machine.

Job tokens bound how many processes of one build work at once (--jobs); no
process ever waits for a token, so the tree cannot deadlock. A group's
editions are a shared queue: the process that laid the group out takes them
one by one, and whenever it finds a token free before taking the next it
forks a helper that takes from the same queue. A helper is forked only to
work at once: forked early to wait, it would keep the layout's pages as they
were while its parent writes, copying them (100 MB and more for a 300-page
paper) for nothing.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import sys
import traceback
from collections.abc import Callable

from .errors import EXIT_RENDER, OctavoError, UsageError

PR_SET_PDEATHSIG = 1  # linux/prctl.h
_held: Tokens | None = None  # in a child: the pool its job token came from, until the token is given back
_doing = None  # in a child: where it says what it is doing (shared with its parent), for a death report


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


class Tokens:
    """How many processes of one build may work at once, shared by every process it forks.
    No process ever waits for one (`take` says whether one was free), so none can wait for
    another."""

    def __init__(self, count: int):
        import multiprocessing

        self.count = count
        # A fork context's semaphore: shared with the children, no resource tracker process.
        self._semaphore = multiprocessing.get_context("fork").BoundedSemaphore(count)

    def take(self) -> bool:
        return self._semaphore.acquire(block=False)

    def give_back(self) -> None:
        self._semaphore.release()


class Queue:
    """Work shared by the processes of one group: each takes the next item when it is free,
    so a process that gets a job token finds work at once instead of a sibling keeping it."""

    def __init__(self, items, shared: bool = True):
        import multiprocessing

        self.items = list(items)
        # The index of the next item: in memory the forked processes share (`shared`), or this one's.
        self._next = multiprocessing.get_context("fork").Value("i", 0) if shared else _Local()

    def take(self, only=None):
        """The next item, or None when every item has been taken (or, with `only`, when the
        next one is not `only(item)`: it is left for another to take)."""
        with self._next.get_lock():
            if self._next.value >= len(self.items):
                return None
            if only is not None and not only(self.items[self._next.value]):
                return None
            self._next.value += 1
            return self.items[self._next.value - 1]

    def untaken(self) -> list:
        """The items no process has taken yet, in order."""
        with self._next.get_lock():
            return self.items[self._next.value:]

    def left(self) -> int:
        """How many items are still untaken."""
        with self._next.get_lock():
            return len(self.items) - self._next.value


class _Local:
    """An index for one process: the shape of multiprocessing's shared Value, without the lock."""

    value = 0

    def get_lock(self):
        import contextlib

        return contextlib.nullcontext()


# Each worker's address space. A 994-page generated book was laid out and written in 786 MB of
# memory (`make bench`), in some 2 GB of address space; the limit leaves room for four times that.
WORKER_MEMORY_BYTES = 8 * 1024 ** 3
WORKER_MEMORY_ENV = "OCTAVO_WORKER_MEMORY"


def worker_memory() -> int:
    """The address space each worker may use: OCTAVO_WORKER_MEMORY in bytes, or with a unit
    (512M, 8G), else WORKER_MEMORY_BYTES."""
    text = os.environ.get(WORKER_MEMORY_ENV, "").strip()
    if not text:
        return WORKER_MEMORY_BYTES
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    try:
        value = int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"{WORKER_MEMORY_ENV}={text!r}: give the memory each worker process may use, "
                          "in bytes or with a unit (512M, 8G)")
    return value


def memory_words(limit: int) -> str:
    return f"{limit / 1024 ** 3:.3g} GB" if limit >= 1024 ** 3 else f"{limit / 1024 ** 2:.0f} MB"


def out_of_memory_message(what: str, limit: int) -> str:
    """What a build says of a worker that went over its limit, and what to set."""
    return (f"{what} ran out of memory: each worker may use {memory_words(limit)} ({WORKER_MEMORY_ENV}); "
            "set it higher (8G, 16G) for a publication this large")


class OutOfMemory(OctavoError):
    """A worker needed more memory than its limit (OCTAVO_WORKER_MEMORY)."""

    exit_code = EXIT_RENDER


class ChildDied(OctavoError):
    """A child ended without a result: killed by a signal (out of memory), or crashed in a C library."""

    exit_code = EXIT_RENDER


class ForwardedError(OctavoError):
    """An Octavo error of a child that could not cross the pipe as itself: the same message and exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def __reduce__(self):
        return type(self), (str(self), self.exit_code)


class Child:
    """`function(*args)` running in a forked child; `Workers.results` collects what it returns."""

    def __init__(self, what: str, function: Callable, *args, token: Tokens | None = None):
        import multiprocessing

        self.what = what  # "making the print, cover editions", for a child that dies
        self.memory = worker_memory()
        self.doing = multiprocessing.get_context("fork").Array("c", 200, lock=False)  # see now_doing
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # nothing buffered before the fork is written twice
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _run_child(write, parent, function, args, token, self.doing, self.memory)
        os.close(write)
        self.pid, self.fd, self.data = pid, read, bytearray()
        self.status: int | None = None
        self._outcome = None  # ("ok", value) or ("error", exception), once read

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
        if self._outcome is None:
            self._outcome = self._read_outcome()
        kind, value = self._outcome
        if kind == "ok":
            return value
        raise value

    def _read_outcome(self) -> tuple[str, object]:
        doing = self.doing.value.decode() or self.what
        try:
            kind, value, trace = pickle.loads(bytes(self.data))
        except Exception:
            code = os.waitstatus_to_exitcode(self.status) if self.status is not None else None
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            return "error", ChildDied(f"the worker process {doing} died ({how}); if it ran out of the "
                                      f"{memory_words(self.memory)} each worker may use, set {WORKER_MEMORY_ENV} "
                                      "higher (8G, 16G)")
        self.data = bytearray()  # read once: a long paper's proof report is megabytes
        if kind == "error" and trace:
            value.add_note(f"in the worker process {doing}:\n{trace}")
        return kind, value


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
        for _ in self.as_they_end():
            pass
        return [child.outcome() for child in self.children]

    def as_they_end(self):
        """Each child's result as soon as it comes back, children started meanwhile included (a
        result may start another). The first failure is raised as it comes back, as in `results`."""
        with selectors.DefaultSelector() as selector:
            watched: dict[int, Child] = {}
            while True:
                for child in self.children:
                    if child.status is None and child.fd not in watched:
                        selector.register(child.fd, selectors.EVENT_READ)
                        watched[child.fd] = child
                if not watched:
                    return
                for key, _ in selector.select():
                    child = watched[key.fd]
                    if child.read_some():
                        selector.unregister(key.fd)
                        del watched[key.fd]
                        child.reap()
                        yield child.outcome()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is not None:
            for child in self.children:
                child.kill()


def now_doing(what: str) -> None:
    """In a child: say what it is doing ("making the epub edition"), so that if it dies the build says so."""
    if _doing is not None:
        _doing.value = what.encode()[:199]


def idle() -> None:
    """This process has done its own share and only waits for its children: its token may start another."""
    global _held
    if _held is not None:
        _held.give_back()
        _held = None


def _run_child(pipe: int, parent: int, function: Callable, args: tuple, token: Tokens | None, doing,
               memory: int = WORKER_MEMORY_BYTES) -> None:
    global _held, _doing
    _held, _doing = token, doing
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the build decides
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler, which raises in the build
        _die_with(parent)
        limit_memory(memory)
        try:
            payload = ("ok", function(*args), "")
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build
            if out_of_memory(exc):
                # What it was doing, and the limit: never a traceback for a publication that is only large.
                payload = ("error", OutOfMemory(out_of_memory_message(
                    f"the worker process {doing.value.decode() or 'building'}", memory)), "")
            else:
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


def out_of_memory(exc: BaseException) -> bool:
    """Whether `exc` came of this process's memory limit (limit_memory): a MemoryError, or, in a
    process that has a limit, any failure once it had come near it (a C library whose allocation
    fails may say "error return without exception set", or anything else). Near: its peak
    address space at three quarters of the limit."""
    import resource

    if isinstance(exc, MemoryError):
        return True
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak:")), 0)
    except (OSError, ValueError):
        return False
    return peak >= 0.75 * limit


def limit_memory(limit: int) -> None:
    """The soft limit of this process's address space (its hard limit is left: Chromium, which
    reserves far more than it uses, lifts its own, browser.py)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


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

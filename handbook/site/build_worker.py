"""A second process that builds pages into the build cache while this one builds.

MkDocs builds a site's pages one after the other, on one core. A clean
build spends most of its time in two passes over the pages: converting
each page's Markdown (Pygments, mkdocstrings), then indexing it for search
and wrapping it in the theme's templates. At the start of each pass the
build forks a worker: it takes the pages last to first, does each exactly
as MkDocs would (the same functions, on a copy of the same state), and
keeps the results in the build cache (:mod:`handbook.site.build_cache`).
This process takes the pages first to last, as usual; each page is done by
whichever process claims it first (a file created with ``O_EXCL``), and the
two meet in the middle. A page the worker took is waited for, then served by
the cache like any page a previous build left unchanged.

The worker only fills the cache. Its entries are keyed and checked like
any other, and hold what rendering logged, so this process replays the
page's warnings and counts them for ``--strict``. A page the worker failed
on is done again here, where the error is raised and reported as MkDocs
reports it, with the page's name. The worker shows nothing itself.

The pages are done serially where the worker cannot help or cannot be
trusted: no ``os.fork`` (Windows), one CPU, threads running (the rebuilds
of ``mkdocs serve``: forking a threaded process can deadlock), the cache
off, a cache a build of the same site has filled (most pages are reused:
the worker would cost more than it saves), a site with draft pages
(``mkdocs serve`` builds more pages than ``mkdocs build``, and the worker
takes the build's), or ``HANDBOOK_BUILD_WORKER=off``.
"""

import atexit
import contextlib
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

ENVIRONMENT_VARIABLE = "HANDBOOK_BUILD_WORKER"

Work = Callable[[str], bool]
"""Do a page's pass, given its path; True if it rendered anything (the cache
had no entry for it)."""


def can_fork() -> bool:
    """True where a forked worker can run beside this process and help."""
    setting = os.environ.get(ENVIRONMENT_VARIABLE, "").lower()
    if setting in ("off", "0", "false", "no"):
        return False
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    # "on" forces a worker even on one CPU (the tests use it).
    return setting == "on" or len(os.sched_getaffinity(0)) > 1


class Worker:
    """One pass's worker, as this process sees it."""

    def __init__(
        self, pid: int, claims: Path, reports: int, index: dict[str, int]
    ) -> None:
        self.pid = pid
        self.claims = claims
        self.reports = reports
        self.index = index
        self.done: dict[int, bool] = {}
        """The worker's pages so far, by number: True if it rendered them."""
        self.mine: set[int] = set()
        self._pending = b""
        self._ended = False

    @classmethod
    def start(
        cls, pages: Sequence[str], work: Work, first: Sequence[str] = ()
    ) -> "Worker | None":
        """Fork a worker doing ``work`` on the pages ``first`` names, in
        their order, then on ``pages``, last to first; or None if no worker
        can run here. The pages ``first`` names are the worker's alone
        (claimed before it starts): whatever state their work leaves for the
        next one, the worker's copy holds it."""
        if not can_fork() or len(pages) + len(first) < 2:
            return None
        index = {uri: number for number, uri in enumerate([*first, *pages])}
        claims = Path(tempfile.mkdtemp(prefix="handbook-build-claims-"))
        for uri in first:
            _claim(claims, index[uri])
        reports, report = os.pipe()
        # Output buffered now would be written again by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        # The objects so far out of the collector's sight: collections in
        # either process would otherwise touch, and so copy, every page of
        # memory the two share.
        gc.freeze()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child ends in os._exit, unmeasured
            os.close(reports)
            order = [*first, *reversed(pages)]
            _work_then_exit(order, len(first), work, claims, report, index)
        os.close(report)
        worker = cls(pid, claims, reports, index)
        # A build ended by Ctrl-C never reaches stop(): MkDocs catches
        # Exception, not KeyboardInterrupt. The interpreter's exit still does.
        atexit.register(worker.stop, at_once=True)
        return worker

    def take(self, uri: str) -> bool:
        """Called before this process does the pass of the page at ``uri``:
        True if the worker has done it (this waits until it has), False if
        this process does."""
        number = self.index.get(uri)
        if number is None or number in self.mine:
            return False
        if number not in self.done:
            if _claim(self.claims, number):
                self.mine.add(number)
                return False
            self._wait_for(number)
        return number in self.done

    def rendered(self, uri: str) -> bool:
        """True if the worker rendered the page at ``uri`` (it was not in the
        cache)."""
        return self.done.get(self.index.get(uri, -1), False)

    def _wait_for(self, number: int) -> None:
        while number not in self.done and not self._ended:
            chunk = os.read(self.reports, 4096)
            if not chunk:
                # The worker ended without finishing the page: this process
                # does it (take() returns False).
                self._ended = True
                break
            lines = (self._pending + chunk).split(b"\n")
            self._pending = lines.pop()
            for line in lines:
                done, rendered = line.split()
                self.done[int(done)] = rendered == b"1"

    def stop(self, *, at_once: bool = False) -> None:
        """Wait for the worker to end, or end it ``at_once`` (the build
        failed), and clean up.

        After this process's pass every page is claimed, and the worker has
        reported each of its own: it is ending at its next claim.
        """
        atexit.unregister(self.stop)
        os.close(self.reports)
        if at_once:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        shutil.rmtree(self.claims, ignore_errors=True)
        gc.unfreeze()


def _claim(claims: Path, number: int) -> bool:
    """True for the first process to claim page ``number``, False for the other."""
    try:
        os.close(os.open(claims / str(number), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _work_then_exit(  # pragma: no cover - runs in the forked child
    order: Sequence[str],
    claimed: int,
    work: Work,
    claims: Path,
    report: int,
    index: dict[str, int],
) -> None:
    """Work on the pages in ``order``; the first ``claimed`` are claimed
    already, the others one by one until one is not the worker's to take."""
    code, parent = 0, os.getppid()
    try:
        _silence_logging()
        for position, uri in enumerate(order):
            number = index[uri]
            if os.getppid() != parent:
                break  # the build is gone
            if position >= claimed and not _claim(claims, number):
                break  # the build has come this far
            try:
                rendered = work(uri)
            except Exception:
                rendered = False  # the build does the page again and reports
            os.write(report, f"{number} {int(rendered)}\n".encode())
    except BaseException:
        code = 1  # whatever it was, the build carries on alone
    finally:
        # No atexit handlers, no flushing of buffers copied from the parent.
        os._exit(code)


def _silence_logging() -> None:
    """Nothing the worker logs is shown: what rendering logs goes into the
    cache entry (the cache's recorder is a handler of its own, added per
    render), and this process logs it when it uses the entry."""
    for name in ("mkdocs", ""):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(logging.NullHandler())

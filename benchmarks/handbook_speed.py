"""The handbook's own speed, against its budgets: the suite, the build, a rebuild.

    uv run task speed            # clean and warm build x5, serve rebuild x5, checker x5, suite x1
    uv run python -m benchmarks.handbook_speed --suite-runs 0 --zensical
    uv run python -m benchmarks.handbook_speed --suite-runs 0 --one-process

Budgets on a 2-core machine: ``uv run task test`` in 150 s; ``mkdocs build
--strict`` in 5 s from clean (an empty build cache) and in 2 s warm (the
cache of the previous build, one page edited since); ``mkdocs serve``
showing an edited page again in 1.5 s; ``principles check --stage static
snippets`` (the pre-commit stage) in 2 s. Shared machines are noisy, so
these are measured and reported here, with the median and the range of
repeated runs and the load average, never asserted by a test.

A clean build converts and templates pages in two processes
(handbook/site/build_worker.py). ``--one-process`` pairs each clean build
with one in a single process (``HANDBOOK_BUILD_WORKER=off``), in
alternating order so both see the same load, as information.

``--zensical`` adds, as information, Zensical and MkDocs building the same
Markdown: every page as the hooks produce it, written out once, built by both
with the same theme settings and no hooks or plugins (the API reference pages,
which need mkdocstrings, are left out of both). Zensical is run with
``uv tool run``, so it never enters the project's dependencies.
"""

import argparse
import contextlib
import itertools
import json
import os
import queue
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import yaml

from benchmarks import machine
from benchmarks.stats import Summary, summarize
from throwaway.ports import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
BUDGETS_SECONDS = {
    "suite": 150.0,
    "build": 5.0,
    "warm_build": 2.0,
    "serve_rebuild": 1.5,
    "checker_static": 2.0,
}
# The page whose edit the rebuild measurements time: a long principle page.
EDITED_PAGE = REPO_ROOT / "docs" / "principles" / "performance" / "eager-loading.md"
ZENSICAL = "zensical==0.0.73"
QUIET = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
# The variable handbook/site/build_cache.py reads: where the build cache lives.
CACHE_VARIABLE = "HANDBOOK_BUILD_CACHE"


@dataclass
class Samples:
    """Wall-clock seconds of each run, and the CPU seconds it used.

    On a shared machine the wall clock counts the waits for a core too; the
    CPU seconds say what the work itself cost.
    """

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    command: Sequence[str],
    samples: Samples,
    cwd: Path = REPO_ROOT,
    cache: Path | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run ``command`` to completion, adding its wall and CPU seconds to ``samples``."""
    env = {**QUIET, **(env or {})}
    if cache is not None:
        env[CACHE_VARIABLE] = str(cache)
    cpu, started = _children_cpu(), time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    samples.wall.append(time.perf_counter() - started)
    samples.cpu.append(_children_cpu() - cpu)
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def _timed(command: Sequence[str], cwd: Path = REPO_ROOT) -> float:
    samples = Samples()
    _run(command, samples, cwd)
    return samples.wall[0]


MKDOCS_BUILD = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]


# The variable handbook/site/build_worker.py reads: "off" builds in one process.
WORKER_VARIABLE = "HANDBOOK_BUILD_WORKER"


def measure_build(
    runs: int, workdir: Path, one_process: Samples | None = None
) -> Samples:
    """``mkdocs build --strict`` (what `task build` runs) from clean: each run
    starts with an empty build cache. With ``one_process``, each run is
    paired with one in a single process, added there, the two in
    alternating order."""
    samples = Samples()
    for run in range(runs):
        variants: list[tuple[Samples, dict[str, str]]] = [(samples, {})]
        if one_process is not None:
            variants.append((one_process, {WORKER_VARIABLE: "off"}))
        for measured, env in variants[:: 1 if run % 2 == 0 else -1]:
            cache = Path(tempfile.mkdtemp(prefix="clean-cache-", dir=workdir))
            site = str(workdir / "site")
            _run([*MKDOCS_BUILD, "-d", site], measured, cache=cache, env=env)
    return samples


@contextlib.contextmanager
def _edits(page: Path) -> Iterator[Callable[[], None]]:
    """A function that edits ``page`` anew on each call (one more sentence at
    its end, as a writer's change); the page is restored afterwards."""
    original = page.read_bytes()
    edits = itertools.count(1)

    def save(content: bytes) -> None:
        # Atomically, as editors save: a watcher polling the file must never
        # see it half written, which would be a second change to rebuild for.
        scratch = page.with_name(f".{page.name}.{os.getpid()}.tmp")
        scratch.write_bytes(content)
        os.replace(scratch, page)

    def edit() -> None:
        sentence = f"\nEdited for the speed measurement, edit {next(edits)}.\n"
        save(original + sentence.encode())

    try:
        yield edit
    finally:
        save(original)


def measure_warm_build(runs: int, workdir: Path) -> Samples:
    """``mkdocs build --strict`` after a one-page edit, with the build cache
    the previous build left."""
    cache = workdir / "warm-cache"
    command = [*MKDOCS_BUILD, "-d", str(workdir / "site")]
    samples = Samples()
    with _edits(EDITED_PAGE) as edit:
        _run(command, Samples(), cache=cache)  # the previous build
        for _ in range(runs):
            edit()
            _run(command, samples, cache=cache)
    return samples


def _process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # utime and stime, the 14th and 15th fields, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_serve_rebuild(runs: int, workdir: Path) -> Samples:
    """Seconds from saving an edited page to ``mkdocs serve`` having rebuilt the site.

    The clock starts when the page is written and stops at the line serve
    logs when the rebuilt site is ready ("Reloading browsers").
    """
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT,
        env={**QUIET, CACHE_VARIABLE: str(workdir / "serve-cache")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if server.stderr is None:  # pragma: no cover - stderr=PIPE always sets it
        raise SystemExit("mkdocs serve has no stderr pipe")
    log = _ServeLog(server.stderr)
    samples = Samples()
    try:
        with _edits(EDITED_PAGE) as edit:
            log.wait_for(r"Serving on")
            for _ in range(runs):
                time.sleep(1)  # let the watcher settle after the previous build
                log.forget()
                cpu, started = _process_cpu(server.pid), time.perf_counter()
                edit()
                # A rebuild that starts after the save, then its end.
                log.wait_for(r"Detected file changes")
                log.wait_for(r"Reloading browsers")
                samples.wall.append(time.perf_counter() - started)
                samples.cpu.append(_process_cpu(server.pid) - cpu)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return samples


def measure_checker(runs: int) -> Samples:
    """``principles check --stage static snippets``: the pre-commit stage over
    the reference service, a new process each time, as a hook runs."""
    check = [sys.executable, "-m", "handbook.checker", "check", "--stage", "static"]
    samples = Samples()
    for _ in range(runs):
        _run([*check, "snippets"], samples)
    return samples


class _ServeLog:
    """The lines `mkdocs serve` logs, read as they come by a thread of their own."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def forget(self) -> None:
        """Drop what was logged so far: only what follows counts."""
        with contextlib.suppress(queue.Empty):
            while True:
                self.lines.get_nowait()

    def wait_for(self, pattern: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(queue.Empty):
                if re.search(pattern, self.lines.get(timeout=left)):
                    return
        raise SystemExit(f"mkdocs serve never logged {pattern!r}")


def measure_suite(runs: int) -> Samples:
    """``uv run task test``, exactly as a writer runs it."""
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is not on PATH: install it with `pip install uv`")
    samples = Samples()
    for _ in range(runs):
        _run([uv, "run", "task", "test"], samples)
    return samples


class _EnvDefaultsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml's ``!ENV`` tags as their defaults, wherever they are."""


def _env_default(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # `!ENV [NAME, ..., default]`: the last item is the default, as MkDocs
    # reads it with no variable set; `!ENV NAME` has none.
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)[-1]
    return None


_EnvDefaultsLoader.add_constructor("!ENV", _env_default)


def _config() -> dict[str, Any]:
    """mkdocs.yml as data, each ``!ENV [NAME, default]`` as its default."""
    text = (REPO_ROOT / "mkdocs.yml").read_text()
    # A SafeLoader subclass: nothing but plain data and `!ENV` is built.
    config: dict[str, Any] = yaml.load(text, Loader=_EnvDefaultsLoader)  # noqa: S506
    return config


def _materialise(export_dir: Path) -> Path:
    """Every non-API page as the hooks render it to Markdown, and a config
    without hooks or plugins that both engines can build from the repo root."""
    docs = export_dir / "docs"
    shutil.copytree(REPO_ROOT / "docs" / "assets", docs / "assets")
    hook = export_dir / "export_hook.py"
    hook.write_text(
        "from pathlib import Path\n"
        f"OUT = Path({str(docs)!r})\n"
        "def on_page_markdown(markdown, page, **_):\n"
        "    if not page.file.src_uri.startswith('reference/shop'):\n"
        "        target = OUT / page.file.src_uri\n"
        "        target.parent.mkdir(parents=True, exist_ok=True)\n"
        "        target.write_text(markdown, encoding='utf-8')\n"
        "    return markdown\n"
    )
    config = _config()
    # Hooks and docs_dir resolve against the config file's folder: the
    # exporting config sits in the repository root for the build's duration.
    export_config = REPO_ROOT / f".handbook-speed-export-{os.getpid()}.yml"
    export_config.write_text(
        yaml.safe_dump(dict(config, hooks=[*config["hooks"], str(hook)]))
    )
    try:
        _timed(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(export_config),
             "-d", str(export_dir / "exported-site")]
        )  # fmt: skip
    finally:
        export_config.unlink()
    plain = {
        key: value
        for key, value in config.items()
        if key not in ("hooks", "plugins", "watch", "exclude_docs", "validation")
    }
    # Paths relative to the config, which sits beside its docs: Zensical
    # 0.0.73 panics on an absolute docs_dir.
    shutil.copytree(REPO_ROOT / "overrides", export_dir / "overrides")
    # Both engines take Material's own nav item: ours splits a principle's
    # title with str.partition, which Zensical 0.0.73's templates lack
    # ("string has no method named partition"), and has no split either.
    (export_dir / "overrides" / "partials" / "nav-item.html").unlink()
    plain |= {"docs_dir": "docs", "site_dir": "site", "strict": False}
    plain["markdown_extensions"] = [
        {
            "pymdownx.snippets": dict(
                ext["pymdownx.snippets"], base_path=[str(REPO_ROOT)]
            )
        }
        if isinstance(ext, dict) and "pymdownx.snippets" in ext
        else ext
        for ext in config["markdown_extensions"]
    ]
    plain_config = export_dir / "mkdocs.yml"
    plain_config.write_text(yaml.safe_dump(plain))
    return plain_config


def measure_engines(runs: int, workdir: Path) -> dict[str, list[float]]:
    """MkDocs and Zensical building the same materialised Markdown."""
    config = _materialise(workdir)
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is not on PATH: install it with `pip install uv`")
    zensical = [uv, "tool", "run", "--python", sys.executable, "--from", ZENSICAL]
    _timed([*zensical, "zensical", "--version"])  # install it before timing
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)]
    samples: dict[str, list[float]] = {"mkdocs": [], "zensical": []}
    for _ in range(runs):  # alternate, so neither always runs on a warmer cache
        samples["mkdocs"].append(_timed(mkdocs))
        shutil.rmtree(workdir / "site", ignore_errors=True)
        samples["zensical"].append(
            _timed([*zensical, "zensical", "build", "-c", "-f", str(config)])
        )
    return samples


def bytecode_note() -> str | None:
    """Why the figures may be higher than on a writer's machine, if they may."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return None
    return (
        "note: PYTHONDONTWRITEBYTECODE is set, so Python compiles again, on every "
        "run, any module without cached bytecode (about 1 s of every build when "
        "site-packages has none: `uv sync --compile-bytecode` writes it)"
    )


def _line(
    name: str, summary: Summary, budget: float | None, cpu: Summary | None = None
) -> str:
    verdict = ""
    if budget is not None:
        verdict = "within" if summary.median <= budget else "OVER"
        verdict = f"  budget {budget:g} s: {verdict}"
    used = f"  cpu median {cpu.median:6.2f} s" if cpu else ""
    return (
        f"{name:<22} median {summary.median:6.2f} s  "
        f"range {summary.min:6.2f}-{summary.max:6.2f} s  n={summary.n}{used}{verdict}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-runs", type=int, default=5)
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--serve-runs", type=int, default=5)
    parser.add_argument("--suite-runs", type=int, default=1)
    parser.add_argument("--checker-runs", type=int, default=5)
    parser.add_argument("--zensical", action="store_true")
    parser.add_argument("--one-process", action="store_true")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine.machine(),
        "commit": machine.git_commit(REPO_ROOT),
        "load_average_start": machine.load_average(),
    }
    samples: dict[str, Samples] = {}
    with tempfile.TemporaryDirectory(prefix="handbook-speed-") as scratch:
        workdir = Path(scratch)
        if args.build_runs:
            one_process = Samples() if args.one_process else None
            samples["build"] = measure_build(args.build_runs, workdir, one_process)
            if one_process is not None:
                samples["build_one_process"] = one_process
        if args.warm_runs:
            samples["warm_build"] = measure_warm_build(args.warm_runs, workdir)
        if args.serve_runs:
            samples["serve_rebuild"] = measure_serve_rebuild(args.serve_runs, workdir)
        if args.checker_runs:
            samples["checker_static"] = measure_checker(args.checker_runs)
        if args.suite_runs:
            samples["suite"] = measure_suite(args.suite_runs)
        if args.zensical:
            engines = measure_engines(max(args.build_runs, 1), workdir / "engines")
            samples["same_markdown_mkdocs"] = Samples(engines["mkdocs"])
            samples["same_markdown_zensical"] = Samples(engines["zensical"])
    report["load_average_end"] = machine.load_average()

    print(f"{report['date']}, load average {report['load_average_start']:.2f} "
          f"at the start and {report['load_average_end']:.2f} at the end")  # fmt: skip
    if note := bytecode_note():
        print(note)
    report["samples_seconds"] = {name: s.wall for name, s in samples.items()}
    report["cpu_seconds"] = {name: s.cpu for name, s in samples.items() if s.cpu}
    report["summaries"] = {}
    for name, measured in samples.items():
        summary = summarize(measured.wall)
        cpu = summarize(measured.cpu) if measured.cpu else None
        report["summaries"][name] = summary.as_dict()
        print(_line(name, summary, BUDGETS_SECONDS.get(name), cpu))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

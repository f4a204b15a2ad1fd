"""``task search-speed``: how long a slow phone waits for its first search result.

A measurement, not a test (a shared machine is too noisy to assert a time
on): it serves a built site gzip-compressed, as a static host does, opens a
page in Chromium's headless shell with a phone's screen and touch, a slow
network (400 kbit/s down and up, 400 ms latency, CDP
``Network.emulateNetworkConditions``) and a CPU four times slower
(``Emulation.setCPUThrottlingRate``), taps the search button, types a query,
and times the first result from the tap. Each run is a fresh browser
context, so nothing is cached. It prints the median and range of the runs,
split into:

- download: from the tap to the last byte of ``search/search_index.json``
  (its Resource Timing entry; the page requests it on the tap, see
  overrides/partials/search-on-demand.html);
- parse: the main thread's ``JSON.parse`` of it, up to the index's documents
  posted to the search worker;
- index build: the search worker building the lunr index, up to its "ready"
  message. Chromium (156) slows the page's main thread only: asked to slow
  the worker, it answers "Operation is only supported for pages, not
  workers". This phase runs at this machine's speed, about a quarter of
  what a phone with that CPU would take;
- answer: from "ready" to the first result shown.

    uv run python -m handbook.tools.search_on_a_phone [SITE_DIR] [--runs 5]

Without SITE_DIR it builds the site (``mkdocs build --strict``) into a
temporary directory first. It lives in handbook/tools rather than
benchmarks/ because it serves the site with handbook/tools/static_server.py,
which benchmarks/ may not import (tests/test_layers.py).
"""

import argparse
import asyncio
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, ViewportSize, async_playwright

from handbook.content.docs_tree import REPO_ROOT
from handbook.tools.static_server import serve

HEADLESS_SHELL = "chromium-headless-shell"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The phone of the review: a slow mobile network and a mid-range CPU.
KBIT = 1000 / 8  # bytes per second in a kbit/s
NETWORK = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
CPU_SLOWDOWN = 4
# A 390 px wide phone screen (iPhone 12-15 size), touched, not pointed at.
PHONE_SCREEN: ViewportSize = {"width": 390, "height": 844}
INDEX = "search/search_index.json"
SEARCH_BUTTON = "label.md-header__button[for='__search']"
RESULT = ".md-search-result__item"
PHASES = ("download", "parse", "index build", "answer", "first result")

# Before any of the page's scripts: note when the search worker is handed the
# index (Material posts {type: 0}, SETUP) and when it answers {type: 1},
# READY, and when the first result appears. Times are performance.now().
TIMINGS = """(() => {
  const marks = (window.__pbpSearch = {});
  const Original = window.Worker;
  window.Worker = function (url, options) {
    const worker = new Original(url, options);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = function (message) {
      if (message && message.type === 0 && !marks.setup) marks.setup = performance.now();
      return post.apply(worker, arguments);
    };
    worker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 1 && !marks.ready) marks.ready = performance.now();
    });
    return worker;
  };
  window.Worker.prototype = Original.prototype;
  document.addEventListener('pointerdown', () => {
    if (!marks.tap) marks.tap = performance.now();
  }, true);
  new MutationObserver(() => {
    if (!marks.result && document.querySelector('RESULT')) marks.result = performance.now();
  }).observe(document, {childList: true, subtree: true});
})()""".replace("RESULT", RESULT)

MARKS = """(index) => {
  const marks = window.__pbpSearch;
  const entry = performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith(index))[0];
  return {...marks, responseEnd: entry ? entry.responseEnd : null,
          transferSize: entry ? entry.transferSize : null};
}"""


@dataclass(frozen=True)
class Run:
    """One run's phases, in seconds, and the bytes the index took on the wire."""

    download: float
    parse: float
    index_build: float
    answer: float
    transferred: int

    @property
    def first_result(self) -> float:
        return self.download + self.parse + self.index_build + self.answer

    def phase(self, name: str) -> float:
        if name == "first result":
            return self.first_result
        value: float = getattr(self, name.replace(" ", "_"))
        return value


def run_from_marks(marks: dict[str, float | None]) -> Run:
    """A run's phases from the page's marks (milliseconds since its origin)."""
    missing = [
        name
        for name in ("tap", "responseEnd", "setup", "ready", "result")
        if marks.get(name) is None
    ]
    if missing:
        raise ValueError(f"the page recorded no {', '.join(missing)}: {marks}")
    tap, end, setup, ready, result = (
        float(marks[name] or 0)
        for name in ("tap", "responseEnd", "setup", "ready", "result")
    )
    return Run(
        download=(end - tap) / 1000,
        parse=(setup - end) / 1000,
        index_build=(ready - setup) / 1000,
        answer=(result - ready) / 1000,
        transferred=int(marks.get("transferSize") or 0),
    )


async def one_run(browser: Browser, url: str, query: str) -> Run:
    """Open ``url`` on a fresh phone, tap search, type ``query``, time the answer."""
    context = await browser.new_context(
        viewport=PHONE_SCREEN, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    try:
        await context.add_init_script(TIMINGS)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.emulateNetworkConditions", NETWORK)
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        await page.goto(url, wait_until="networkidle", timeout=120_000)
        await page.locator(SEARCH_BUTTON).tap()
        box = page.get_by_role("textbox", name="Search")
        await box.fill(query)
        await box.press("End")
        await page.locator(RESULT).first.wait_for(timeout=120_000)
        return run_from_marks(await page.evaluate(MARKS, INDEX))
    finally:
        await context.close()


async def measure(site_url: str, query: str, runs: int) -> list[Run]:
    chromium = shutil.which(HEADLESS_SHELL)
    if chromium is None:
        raise SystemExit(
            f"no {HEADLESS_SHELL}: `uv run task prerequisites` installs it"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            return [await one_run(browser, site_url, query) for _ in range(runs)]
        finally:
            await browser.close()


def index_size(site_dir: Path) -> tuple[int, int]:
    """The index's bytes raw and gzip-compressed as the static server sends it."""
    raw = (site_dir / INDEX).read_bytes()
    return len(raw), len(gzip.compress(raw, compresslevel=6))


def report(runs: Sequence[Run]) -> list[str]:
    """Median and range of each phase over the runs, in seconds."""
    lines = []
    for name in PHASES:
        values = [run.phase(name) for run in runs]
        lines.append(
            f"{name:<13} median {statistics.median(values):6.2f} s  "
            f"range {min(values):5.2f}-{max(values):5.2f} s  n={len(values)}"
        )
    return lines


MKDOCS_BUILD = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]


def build(site_dir: Path) -> None:
    subprocess.run(
        [*MKDOCS_BUILD, "--site-dir", str(site_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    with tempfile.TemporaryDirectory(prefix="search-on-a-phone-") as scratch:
        site_dir = arguments.site_dir
        if site_dir is None:
            site_dir = Path(scratch) / "site"
            build(site_dir)
        if not (site_dir / INDEX).is_file():
            raise SystemExit(f"{site_dir}: no built site here (no {INDEX})")
        raw, compressed = index_size(site_dir)
        print(f"{site_dir / INDEX}: {raw:,} bytes, {compressed:,} gzip")
        print(
            f"phone: {NETWORK['latency']} ms latency, "
            f"{NETWORK['downloadThroughput'] / KBIT:.0f} kbit/s, "
            f"CPU {CPU_SLOWDOWN}x slower; query {arguments.query!r}, "
            f"from {arguments.page or 'the home page'}"
        )
        with serve(site_dir) as base:
            runs = asyncio.run(
                measure(base + arguments.page, arguments.query, arguments.runs)
            )
        print(f"index on the wire: {runs[0].transferred:,} bytes")
        for line in report(runs):
            print(line)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m handbook.tools.search_on_a_phone",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument(
        "site_dir", nargs="?", type=Path, help="a built site (default: build one)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="eager loading")
    parser.add_argument("--page", default="", help="the page to search from")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()

"""A second process builds pages into the cache, and hides nothing.

handbook/site/build_worker.py forks a worker that converts and templates
pages from the last while the build does them from the first. What the
worker's pages log is still shown, named by page, and still fails
``--strict``; each page is done by one process; a page the worker fails on
is done again by the build.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.registry import load_registry
from handbook.site import build_worker
from handbook.site.build import Build
from handbook.site.build_worker import Worker
from tests.support.git_repos import copy_working_tree
from tests.support.site import CACHE_LINE

BROKEN_LINK = "no-such-page-for-the-build-worker-test.md"


def test_a_warning_on_any_page_is_shown_with_its_page_and_fails_strict(
    tmp_path: Path,
) -> None:
    """Every principle page links to a page that does not exist: MkDocs warns
    while converting it, in whichever process converts it."""
    repo = copy_working_tree(tmp_path / "repo")
    principles = load_registry(DOCS_DIR).principles
    for principle in principles:
        page = repo / "docs" / principle.document.path.relative_to(DOCS_DIR)
        page.write_text(page.read_text() + f"\nSee [nowhere]({BROKEN_LINK}).\n")

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
         str(tmp_path / "site")],
        cwd=repo,
        env={
            **os.environ,
            "NO_MKDOCS_2_WARNING": "1",
            "HANDBOOK_BUILD_WORKER": "on",
            "HANDBOOK_BUILD_CACHE": str(tmp_path / "cache"),
        },
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip

    assert result.returncode != 0
    counts = CACHE_LINE.search(result.stderr)
    assert counts is not None, result.stderr[-2000:]
    assert int(counts["by_worker"]) > 0, "the worker converted no page"
    warned = set(
        re.findall(
            rf"WARNING\s+-\s+Doc file '([^']+)' contains a link "
            rf"'{re.escape(BROKEN_LINK)}'",
            result.stderr,
        )
    )
    expected = {p.document.path.relative_to(DOCS_DIR).as_posix() for p in principles}
    assert warned == expected
    output = result.stdout + result.stderr
    assert f"Aborted with {len(principles)} warnings in strict mode!" in output


def _two_processes(
    failing: str = "", first: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """40 pages taken by a worker and by a fresh, single-threaded process
    (pytest's own may run threads, and is not forked): which pages each did,
    in the order the worker did them, and which the worker reported
    rendered. The worker raises on ``failing``, and does ``first`` first."""
    script = f"""
import json, os, sys, time
from pathlib import Path
from handbook.site.build_worker import Worker
done = Path(sys.argv[1])
pages = [f"page-{{number:02}}.md" for number in range(40)]
first = {list(first)!r}
def work(uri):
    if uri == {failing!r}:
        raise RuntimeError("a snippet is missing")
    with open(done / "order", "a") as order:
        print(uri, file=order)
    return True
worker = Worker.start([p for p in pages if p not in first], work, first=first)
mine = []
for uri in pages:
    if not worker.take(uri):
        mine.append(uri)
        time.sleep(0.02)  # a page's work: the worker has time to start
worker.stop()
print(json.dumps({{
    "pages": pages,
    "mine": mine,
    "theirs": (done / "order").read_text().split(),
    "rendered": [uri for uri in pages if worker.rendered(uri)],
}}))
"""
    with tempfile.TemporaryDirectory() as done:
        result = subprocess.run(
            [sys.executable, "-c", script, done],
            env={**os.environ, build_worker.ENVIRONMENT_VARIABLE: "on"},
            capture_output=True,
            text=True,
            check=True,
        )
    taken: dict[str, list[str]] = json.loads(result.stdout)
    return taken


def test_a_build_stopped_by_ctrl_c_leaves_no_worker_and_no_claims() -> None:
    """MkDocs catches Exception, not KeyboardInterrupt: the interpreter's
    exit ends the worker and removes its claims."""
    script = """
import sys, time
from handbook.site.build_worker import Worker
def work(uri):
    time.sleep(0.05)
    return True
worker = Worker.start([f"page-{number:02}.md" for number in range(40)], work)
print(worker.pid, worker.claims, flush=True)
raise KeyboardInterrupt
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, build_worker.ENVIRONMENT_VARIABLE: "on"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "KeyboardInterrupt" in result.stderr
    pid, claims = result.stdout.split()
    assert not Path(claims).exists(), "the claims directory was left behind"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)


def test_each_page_is_done_by_exactly_one_of_the_two_processes() -> None:
    taken = _two_processes()

    assert sorted(taken["mine"] + taken["theirs"]) == taken["pages"]
    assert not set(taken["mine"]) & set(taken["theirs"])
    assert taken["theirs"], "the worker did no page"
    assert sorted(taken["rendered"]) == sorted(taken["theirs"])
    assert taken["theirs"][:2] == ["page-39.md", "page-38.md"], "from the last"


def test_pages_reserved_for_the_worker_are_all_its_own_and_done_in_order() -> None:
    """mkdocstrings' pages: each one's result depends on the ones before it."""
    reserved = ("page-00.md", "page-01.md", "page-20.md", "page-21.md")
    taken = _two_processes(first=reserved)

    assert tuple(taken["theirs"][:4]) == reserved
    assert not set(reserved) & set(taken["mine"])
    assert sorted(taken["mine"] + taken["theirs"]) == taken["pages"]


def test_a_page_the_worker_fails_on_is_left_to_the_build() -> None:
    # The worker's first page: it takes them from the last.
    taken = _two_processes(failing="page-39.md")

    assert "page-39.md" not in taken["theirs"]
    assert "page-39.md" not in taken["rendered"]
    assert "page-38.md" in taken["rendered"], "the worker stopped at the failure"


@pytest.mark.parametrize(
    ("setting", "threads", "expected"),
    [("off", 1, False), ("on", 2, False), ("on", 1, True)],
    ids=["switched off", "threads running (mkdocs serve)", "switched on"],
)
def test_the_build_is_serial_where_a_worker_would_not_help_or_be_safe(
    setting: str, threads: int, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(build_worker.ENVIRONMENT_VARIABLE, setting)
    monkeypatch.setattr(threading, "active_count", lambda: threads)
    assert build_worker.can_fork() is expected


def test_without_fork_the_build_is_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(build_worker.ENVIRONMENT_VARIABLE, "on")
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.delattr(os, "fork")
    assert Worker.start(["a.md", "b.md"], lambda _uri: True) is None


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MkDocsConfig:
    monkeypatch.setenv("HANDBOOK_BUILD_CACHE", str(tmp_path / "cache"))
    return load_config(str(REPO_ROOT / "mkdocs.yml"))


def _files(config: MkDocsConfig, draft: bool = False) -> Files:
    def page(name: str, inclusion: InclusionLevel) -> File:
        return File(
            name,
            config.docs_dir,
            config.site_dir,
            config.use_directory_urls,
            inclusion=inclusion,
        )

    later = InclusionLevel.DRAFT if draft else InclusionLevel.INCLUDED
    return Files([page("index.md", InclusionLevel.INCLUDED), page("later.md", later)])


def test_a_clean_build_gives_the_worker_its_pages(config: MkDocsConfig) -> None:
    pages = Build.start(config).pages_for_worker(_files(config))
    assert pages == ["index.md", "later.md"]


def test_a_dirty_build_has_no_worker(config: MkDocsConfig) -> None:
    """`mkdocs build --dirty` builds only the edited pages: a worker would
    build the others too."""
    assert Build.start(config, dirty=True).pages_for_worker(_files(config)) is None


def test_a_site_with_drafts_has_no_worker(config: MkDocsConfig) -> None:
    """`mkdocs serve` builds drafts that `mkdocs build` leaves out, and the
    worker takes the pages `mkdocs build` builds."""
    assert Build.start(config).pages_for_worker(_files(config, draft=True)) is None

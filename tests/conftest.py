"""Fixtures shared across test folders: the site, built once per test run.

The reference service's fixtures (a real PostgreSQL, one rolled-back
transaction per test, signed-in users) live in ``tests/support/shop_fixtures.py``: both
the service's own tests (tests/service/) and the principles' evidence
modules (tests/principles/) use them, so they are registered for the whole
suite here. ``throwaway.postgres`` decides where the server comes from.
"""

import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import Registry, load_registry
from tests.support.site import BUILT_SITE_URL, build_site

# The reference service's fixtures (a real PostgreSQL, sessions, users), shared
# by tests/service/ and the evidence modules in tests/principles/.
pytest_plugins = ["tests.support.shop_fixtures"]


def run_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary directory every pytest-xdist worker of this run shares.

    Each worker's base temp is ``<run>/popen-gwN``; without xdist it is the
    run's own directory.
    """
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


def pytest_xdist_auto_num_workers() -> int:
    """``--numprocesses=auto``: one pytest-xdist worker more than the cores.

    Each worker spends part of its time waiting (on a server it started, a
    build, a browser page), so a worker per core leaves the cores idle for
    a fifth of the run. Measured on 2 cores from fresh clones, one run each:
    two workers 352 s (573 s of CPU), three 303 s (588 s), four 374 s (742 s:
    each worker starts its own PostgreSQL, Redis and Chromium).
    """
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The real registry, loaded once: it is frozen, so tests share it."""
    return load_registry(DOCS_DIR)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` of the real docs, shared by every site test.

    Built once per run: the first worker to ask builds it under a file lock,
    into a scratch directory renamed when complete, so no worker ever reads
    a half-built site; the others wait, then reuse it.
    """
    return shared_build(tmp_path_factory, "site", BUILT_SITE_URL)


@pytest.fixture(scope="session")
def build_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``build_once(name, site_url, published_url="")``: another build of the
    site, once per run (a local build's copied links, for instance)."""
    return functools.partial(shared_build, tmp_path_factory)


def shared_build(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    site_url: str,
    published_url: str = "",
) -> Path:
    """A site built once per run under ``name``, whichever worker asks first."""
    shared = run_temp_dir(tmp_path_factory)
    site_dir = shared / name
    with FileLock(shared / f"{name}.lock"):
        if not site_dir.is_dir():
            scratch = shared / f"{name}.building"
            shutil.rmtree(scratch, ignore_errors=True)
            build_site(scratch, site_url, published_url)
            scratch.rename(site_dir)
    return site_dir


# Every test this run collected, before -k or -m deselect any: the verdicts
# test checks that each test a verdict names exists, without a second
# collection in a subprocess.
COLLECTED_NODE_IDS = pytest.StashKey[frozenset[str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    config.stash[COLLECTED_NODE_IDS] = frozenset(item.nodeid for item in items)


@pytest.fixture(scope="session")
def collected_node_ids(request: pytest.FixtureRequest) -> frozenset[str]:
    return request.config.stash.get(COLLECTED_NODE_IDS, frozenset())

"""The build cache never serves a stale page.

A scratch copy of the repository, with its own cache (``.tmp/build-cache/``
of the copy), is built, then edited the way a writer would edit it, one
kind of input at a time, and built again: each edit shows on the pages
that depend on it, while the pages that do not still come from the cache.
"""

import json
import os
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mkdocs.config import load_config

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.registry import Principle, load_registry
from handbook.site import build_cache, build_fingerprint
from handbook.site.build_cache import BuildCache, documents_code
from handbook.site.listing_redirects import LISTING_FOLDERS
from tests.support.git_repos import copy_working_tree
from tests.support.site import CACHE_LINE

MARK = "edited-for-the-build-cache-test"


@dataclass(frozen=True)
class Built:
    """One build of the scratch repository."""

    site: Path
    reused: int
    rendered: int
    by_worker: int

    def page(self, url: str) -> str:
        return (self.site / url / "index.html").read_text()


def _build(repo: Path, name: str, cache: str | None = None) -> Built:
    """``mkdocs build --strict`` of ``repo``, with the cache in ``repo/.tmp``
    (or as ``cache`` says), and pages converted and templated by two
    processes even on one CPU (handbook/site/build_worker.py)."""
    site = repo.parent / name
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "SITE_URL": "https://handbook.test/",
        "HANDBOOK_BUILD_WORKER": "on",
    }
    env.pop("HANDBOOK_BUILD_CACHE", None)
    if cache is not None:
        env["HANDBOOK_BUILD_CACHE"] = cache
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = CACHE_LINE.search(result.stderr)
    return Built(
        site,
        int(counts["reused"]) if counts else 0,
        int(counts["rendered"]) if counts else 0,
        int(counts["by_worker"]) if counts else 0,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: {old!r} not found"
    path.write_text(text.replace(old, new, 1))


def _quoting_page() -> tuple[Principle, str, str]:
    """A principle page that quotes a Python section of snippets/ and cites no
    measurement (new results would change its Markdown): the page, the file
    and the section."""
    for principle in load_registry(DOCS_DIR).principles:
        if "[[bench:" in principle.document.text:
            continue
        for block in principle.document.fences:
            for target in block.includes:
                path, _, section = target.partition(":")
                if path.startswith("snippets/") and path.endswith(".py") and section:
                    return principle, path, section
    raise LookupError("no page quotes a section of a Python file in snippets/")


QUOTING_PAGE, QUOTED_FILE, QUOTED_SECTION = _quoting_page()


def test_an_edit_always_shows_and_what_it_does_not_touch_comes_from_the_cache(
    tmp_path: Path,
) -> None:
    """One scratch repository, built after each kind of edit in turn.

    One test, not one per edit: each build needs the one before it, and
    pytest-xdist would otherwise run the chain once per worker.
    """
    repo = copy_working_tree(tmp_path / "repo")
    first = _build(repo, "site-0")
    assert first.rendered > 100
    assert first.reused == 0

    # Neither a quoted snippet, nor another page's name, nor the benchmark
    # results change the site's fingerprint: only what each page's entry
    # records as read, or its Markdown, can tell the cache they changed.
    start = f"# --8<-- [start:{QUOTED_SECTION}]\n"
    _edit(repo / QUOTED_FILE, start, f"{start}# {MARK}\n")
    _edit(
        repo / "docs/principles/api/cursor-pagination.md",
        # The navigation names a principle by its ID and short name.
        "short_name: Cursor pagination",
        f"short_name: Cursor pagination {MARK}",
    )
    measured, remeasured = _a_day_later(repo / "docs/_data/benchmarks.json")
    content = _build(repo, "site-1")
    assert f"# {MARK}" in content.page(QUOTING_PAGE.url), "the edited snippet"
    for url in ("principles/api/etag", "principles/testing/test-rollback", "checklist"):
        assert MARK in content.page(url), f"the new title in the navigation of {url}"
    assert MARK in (content.site / "404.html").read_text(), "404's navigation"
    cited = content.page("principles/api/etag")
    assert f"measured {remeasured}" in cited, "the new results"
    assert f"measured {measured}" not in cited, "the old results"
    # Else all of the above would hold without the cache doing anything.
    assert content.reused > 50
    assert content.rendered >= 3
    # A cache a build of this site filled: no second process.
    assert content.by_worker == 0

    # A theme override changes every page.
    _edit(
        repo / "overrides/main.html",
        "{% block extrahead %}\n",
        f"{{% block extrahead %}}\n  <!-- {MARK} -->\n",
    )
    theme = _build(repo, "site-2")
    pages = [*theme.site.rglob("index.html"), theme.site / "404.html"]
    without = [p for p in pages if f"<!-- {MARK} -->" not in p.read_text()]
    # The short URLs' redirect pages, and the two listing redirects
    # (/id/, /principles/), are written by the build, not the theme.
    listings = {theme.site / folder / "index.html" for folder in LISTING_FOLDERS}
    assert all("/id/" in p.as_posix() or p in listings for p in without), without[:3]
    assert len(without) < len(pages)

    # The build's code decides what goes into any page: every page is built
    # again, as without a cache.
    _edit(
        repo / "handbook/site/principle_page.py",
        "Paste this into a review comment; the short link never breaks.",
        f"Paste this into a review comment; the short link never breaks ({MARK}).",
    )
    clean = _build(repo, "site-3")
    assert clean.reused == 0
    assert f"never breaks ({MARK})" in clean.page(QUOTING_PAGE.url)

    # Pages a second process converted and templated into the cache are the
    # pages one process builds without any cache, byte for byte.
    assert clean.by_worker > 0
    serial = _build(repo, "site-serial", cache="off")
    assert _differences(clean.site, serial.site) == []

    # Built again from the cache only, the site is byte for byte the same.
    cached = _build(repo, "site-4")
    assert cached.rendered == 0
    assert cached.reused == clean.rendered > 100
    assert _differences(clean.site, cached.site) == []

    # One API reference page rendered after the others came from the cache:
    # it still lists every alias the modules before it import it by.
    module, aliases = _module_with_most_aliases(clean.site)
    assert aliases >= 5, (module, aliases)
    for entry in _cache_entries_documenting(repo, module):
        entry.unlink()
    partial = _build(repo, "site-5")
    assert partial.rendered == 1
    assert _inventory(partial.site) == _inventory(clean.site)
    assert _differences(clean.site, partial.site) == []


def test_a_quiet_build_leaves_no_entry_that_hides_a_warning_later(
    tmp_path: Path,
) -> None:
    """`mkdocs build -q` logs no warnings, so its entries record none; a
    later build that reused them would pass --strict over a broken link."""
    repo = copy_working_tree(tmp_path / "repo")
    page = repo / "docs" / QUOTING_PAGE.document.path.relative_to(DOCS_DIR)
    page.write_text(page.read_text() + "\nSee [nowhere](no-such-page.md).\n")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir"]
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "HANDBOOK_BUILD_CACHE": str(tmp_path / "cache"),
    }

    def build(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, str(tmp_path / "site"), *options],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    assert build("-q").returncode == 0, "-q hides the warning from --strict"
    loud = build()
    assert loud.returncode != 0
    assert "contains a link 'no-such-page.md'" in loud.stderr


def _a_day_later(results: Path) -> tuple[str, str]:
    """Move the committed results' date one day on, as a new `task bench` run
    would: the day the pages cite before and after."""
    document = json.loads(results.read_text())
    before = datetime.fromisoformat(document["date"])
    after = before + timedelta(days=1)
    _edit(results, f'"date": "{document["date"]}"', f'"date": "{after.isoformat()}"')
    return before.date().isoformat(), after.date().isoformat()


def _inventory(site: Path) -> list[str]:
    """The entries of the site's ``objects.inv`` (Sphinx inventory, version 2):
    four lines of header, then zlib-compressed lines."""
    data = (site / "objects.inv").read_bytes().split(b"\n", 4)[4]
    return sorted(zlib.decompress(data).decode().splitlines())


def _module_with_most_aliases(site: Path) -> tuple[str, int]:
    """The module whose reference page the inventory points the most names
    of other modules to (the names they import it by), and how many."""
    aliases: Counter[str] = Counter()
    for line in _inventory(site):
        name, _domain, _priority, uri, *_ = line.split(" ")
        module = uri.split("#")[0].strip("/").rpartition("/")[2]
        if uri.startswith("reference/") and not name.startswith(module):
            aliases[module] += 1
    return aliases.most_common(1)[0]


def _cache_entries_documenting(repo: Path, module: str) -> list[Path]:
    """The cached renders of ``module``'s reference page in ``repo``'s cache."""
    entries = sorted((repo / ".tmp" / "build-cache" / "pages").glob("*.json"))
    found = [
        path
        for path in entries
        if f'id="{module}.' in json.loads(path.read_text())["content"]
    ]
    assert found, f"no cached page documents {module}"
    return found


def _differences(site: Path, other: Path) -> list[str]:
    """Files of one site missing from, or different in, the other."""
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    others = sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    return [str(p) for p in set(files) ^ set(others)] + [
        path.as_posix()
        for path in files
        # The sitemap's dates are the day of the build, which may have changed.
        if not path.name.startswith("sitemap.xml")
        and (other / path).is_file()
        and (site / path).read_bytes() != (other / path).read_bytes()
    ]


def test_the_cache_is_off_when_the_environment_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config(str(REPO_ROOT / "mkdocs.yml"))
    monkeypatch.setenv("HANDBOOK_BUILD_CACHE", "off")
    assert BuildCache.open(config) is None
    monkeypatch.setenv("HANDBOOK_BUILD_CACHE", str(REPO_ROOT / ".tmp" / "elsewhere"))
    cache = BuildCache.open(config)
    assert cache is not None
    assert cache.directory == REPO_ROOT / ".tmp" / "elsewhere"


def test_code_changed_since_it_was_loaded_turns_the_cache_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`mkdocs serve` keeps the modules it imported: their output would be
    stored under the new code's fingerprint."""
    assert build_fingerprint.loaded_code(REPO_ROOT) is not None
    module = str(Path(build_cache.__file__).resolve())
    monkeypatch.setitem(build_fingerprint._FIRST_LOADED, module, "the source as loaded")

    assert build_fingerprint.loaded_code(REPO_ROOT) is None


def test_entries_no_build_used_for_a_week_are_deleted(tmp_path: Path) -> None:
    config = load_config(str(REPO_ROOT / "mkdocs.yml"))
    cache = BuildCache(tmp_path, "fingerprint", config)
    old, recent, killed = (
        tmp_path / "pages" / "old.json",
        tmp_path / "html" / "recent.json",
        tmp_path / "search" / "tmp1234.tmp",
    )
    for path in (old, recent, killed):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    eight_days_ago = time.time() - 8 * 86400
    os.utime(old, (eight_days_ago, eight_days_ago))
    os.utime(killed, (eight_days_ago, eight_days_ago))

    cache.finish()

    assert not old.exists()
    assert not killed.exists()
    assert recent.exists()


def test_a_theme_that_shows_the_build_date_keeps_no_page_html(tmp_path: Path) -> None:
    config = load_config(str(REPO_ROOT / "mkdocs.yml"))
    theme = [Path(directory) for directory in config.theme.dirs]
    override = tmp_path / "overrides" / "partials" / "footer.html"
    override.parent.mkdir(parents=True)
    override.write_text("Built on {{ build_date_utc.strftime('%Y-%m-%d') }}\n")

    assert not build_cache._shows_build_date(theme)
    assert build_cache._shows_build_date([override.parents[1], *theme])


# mkdocstrings' autodoc is a block processor: Markdown hands it the content
# of an admonition, a tab, a list item or a block quote with the
# indentation or the ``>`` removed, and it renders the block there too.
NESTED_BLOCKS = {
    "top level": "::: shop.shared.exceptions\n",
    "with a heading level": "## ::: shop.shared.exceptions.NotFoundError\n",
    "in an admonition": (
        '!!! note "The error most handlers raise"\n\n'
        "    ::: shop.shared.exceptions.NotFoundError\n"
    ),
    "in a content tab": '=== "Errors"\n\n    ::: shop.shared.exceptions\n',
    "in a list item": "- The errors:\n\n    ::: shop.shared.exceptions\n",
    "in a block quote": "> ::: shop.shared.exceptions\n",
}


@pytest.mark.parametrize("markdown", NESTED_BLOCKS.values(), ids=NESTED_BLOCKS)
def test_a_page_with_an_autodoc_block_at_any_depth_documents_code(
    markdown: str,
) -> None:
    assert documents_code(markdown)


def test_a_page_without_an_autodoc_block_does_not_document_code() -> None:
    assert not documents_code("# Errors\n\nSee `shop.shared.exceptions`.\n")
    assert not documents_code("A ratio of 3:::1 is not a block.\n")

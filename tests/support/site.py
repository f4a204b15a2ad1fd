"""The real site, built the way `task build` builds it."""

import os
import re
import subprocess
import sys
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT

# The address the suite's own build (tests/conftest.py ``built_site``) is for.
BUILT_SITE_URL = "https://handbook.test/"

# What a build with the cache (handbook/site/build_cache.py) says at its end.
CACHE_LINE = re.compile(
    r"Build cache: (?P<reused>\d+) pages reused, (?P<rendered>\d+) rendered"
    r" \((?P<by_worker>\d+) by a second process\)"
)


def build_site(site_dir: Path, site_url: str, published_url: str = "") -> None:
    """``mkdocs build --strict`` of the real docs into ``site_dir`` for ``site_url``,
    with copied links on ``published_url`` if given (mkdocs.yml ``extra``)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(site_dir),
        ],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "NO_MKDOCS_2_WARNING": "1",
            "SITE_URL": site_url,
            "PUBLISHED_URL": published_url,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"


REFRESH = re.compile(r'http-equiv="refresh" content="0; url=([^"]+)"')


def redirect_target(html: str) -> str:
    """The URL a redirect page's ``<meta http-equiv="refresh">`` sends to."""
    match = REFRESH.search(html)
    assert match, f"no meta refresh in:\n{html[:500]}"
    return match[1]

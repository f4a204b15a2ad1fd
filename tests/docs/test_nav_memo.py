"""The navigation reads the same on every page with the memo as without it.

handbook/site/nav_memo.py renders each branch of the navigation once for
the pages it looks the same on; overrides/partials/nav-item.html renders
every branch afresh when the memo is absent. The site with the memo is the
suite's own build (tests/conftest.py ``built_site``), so only the build
without it is extra.
"""

import os
import subprocess
import sys
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT
from tests.docs.test_build_cache import _differences
from tests.support.site import BUILT_SITE_URL

# Builds the real site through MkDocs' API, with the handbook's hooks and
# one more that takes the memo away after they ran.
BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config

hooks = ["handbook/site/mkdocs_hooks.py", sys.argv[2]]
build(load_config("mkdocs.yml", site_dir=sys.argv[1], hooks=hooks))
"""

WITHOUT_MEMO = """
from mkdocs.plugins import event_priority


@event_priority(-300)  # after the handbook's on_env (-200) set it
def on_env(env, **_):
    del env.globals["pbp_nav"]
    return env
"""


def _build_without_memo(site: Path, hook: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", BUILD, str(site), str(hook)],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "NO_MKDOCS_2_WARNING": "1",
            # The settings built_site builds with (tests/support/site.py).
            "SITE_URL": BUILT_SITE_URL,
            "PUBLISHED_URL": "",
            # One process, nothing reused: every page renders without the memo.
            "HANDBOOK_BUILD_CACHE": "off",
        },
        capture_output=True,
        check=True,
    )


def test_every_page_s_navigation_is_the_same_with_the_memo_as_without(
    built_site: Path, tmp_path: Path
) -> None:
    hook = tmp_path / "without_nav_memo.py"
    hook.write_text(WITHOUT_MEMO)
    _build_without_memo(tmp_path / "without", hook)

    assert _differences(built_site, tmp_path / "without") == []

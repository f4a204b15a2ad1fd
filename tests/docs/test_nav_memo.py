"""The navigation reads the same on every page with the memo as without it.

handbook/site/nav_memo.py renders each branch of the navigation once for
the pages it looks the same on; overrides/partials/nav-item.html renders
every branch afresh when the memo is absent.
"""

import os
import subprocess
import sys
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT
from tests.docs.test_build_cache import _differences

# Builds the real site through MkDocs' API, with the handbook's hooks and,
# when asked, one more that takes the memo away after they ran.
BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config

hooks = ["handbook/site/mkdocs_hooks.py"]
if sys.argv[2] == "without":
    hooks.append(sys.argv[3])
build(load_config("mkdocs.yml", site_dir=sys.argv[1], hooks=hooks))
"""

WITHOUT_MEMO = """
from mkdocs.plugins import event_priority


@event_priority(-300)  # after the handbook's on_env (-200) set it
def on_env(env, **_):
    del env.globals["pbp_nav"]
    return env
"""


def _build(site: Path, memo: str, hook: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", BUILD, str(site), memo, str(hook)],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "NO_MKDOCS_2_WARNING": "1",
            # One process, nothing reused: each build renders every page.
            "HANDBOOK_BUILD_CACHE": "off",
        },
        capture_output=True,
        check=True,
    )


def test_every_page_s_navigation_is_the_same_with_the_memo_as_without(
    tmp_path: Path,
) -> None:
    hook = tmp_path / "without_nav_memo.py"
    hook.write_text(WITHOUT_MEMO)
    _build(tmp_path / "with", "with", hook)
    _build(tmp_path / "without", "without", hook)

    assert _differences(tmp_path / "with", tmp_path / "without") == []

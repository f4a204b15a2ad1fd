"""The tests pytest collects from given files, for the ledgers that name tests.

docs/_data/verdicts.yml, tests/principles/counterfactuals.yml and
tests/principles/absolutes.yml name tests; their tests check that pytest
collects each one (:func:`handbook.content.test_ids.is_collected`). This
run's own collection answers for the files it collected; any other file
(when only part of the suite runs) is collected in a subprocess, once per
session: the three ledgers name many of the same files.
"""

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path


def _file(node_id: str) -> str:
    return node_id.split("::", 1)[0]


class Collection:
    """Node ids by test file, filled from this run and, for the rest, by
    collecting the missing files in a subprocess."""

    def __init__(self, this_run: Iterable[str], repo_root: Path) -> None:
        self.repo_root = repo_root
        self.by_file: dict[str, set[str]] = {}
        for node_id in this_run:
            self.by_file.setdefault(_file(node_id), set()).add(node_id)
        self.subprocesses = 0

    def of(self, files: Iterable[str]) -> frozenset[str]:
        """Every node id pytest collects from ``files``."""
        wanted = sorted(set(files))
        if missing := [f for f in wanted if f not in self.by_file]:
            for node_id in self._collect(missing):
                self.by_file.setdefault(_file(node_id), set()).add(node_id)
            for name in missing:
                self.by_file.setdefault(name, set())
        return frozenset(n for name in wanted for n in self.by_file[name])

    def _collect(self, files: list[str]) -> list[str]:
        self.subprocesses += 1
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
            cwd=self.repo_root,
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return [line for line in result.stdout.splitlines() if "::" in line]

"""What every family of rules gets to look at during one run."""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from handbook.checker.catalogue import Catalogue
from handbook.checker.config import Config
from handbook.checker.findings import NotChecked
from handbook.checker.project import Project, Unreadable
from handbook.checker.pysource import PyModule


@dataclass
class Context:
    project: Project
    config: Config
    catalogue: Catalogue
    principle_ids: set[str]
    """The principles this run reports on (select, ignore, level)."""
    unreadable: list[NotChecked] = field(default_factory=list)
    examined: set[Path] = field(default_factory=set)
    """Non-Python files a rule read: only there can a departure be unused."""

    @cached_property
    def python(self) -> list[PyModule]:
        """Every Python file of the run, parsed; the others are in ``unreadable``."""
        modules = []
        for path in self.project.files:
            if path.suffix != ".py":
                continue
            try:
                text = self.project.read(path)
            except Unreadable as error:
                self.unreadable.append(
                    NotChecked(
                        (),
                        f"{self.project.relative(path)}: {error}",
                        error.failure,
                        path,
                    )
                )
                continue
            try:
                modules.append(PyModule.parse(path, self.project.relative(path), text))
            except (SyntaxError, ValueError) as error:
                line = getattr(error, "lineno", None) or 1
                message = getattr(error, "msg", str(error))
                self.unreadable.append(
                    NotChecked(
                        (),
                        f"{self.project.relative(path)}:{line}: syntax error: {message}",
                        True,
                        path,
                    )
                )
        return modules

    def text(self, path: Path) -> str | None:
        """A non-Python file's text, or None (recorded as not checked)."""
        try:
            text = self.project.read(path)
            self.examined.add(path)
            return text
        except Unreadable as error:
            self.unreadable.append(
                NotChecked(
                    (), f"{self.project.relative(path)}: {error}", error.failure, path
                )
            )
            return None

"""Every rule the checker has, in families that run together.

A family runs its rules in one go (one Ruff process, one import graph, one
import of the app). Families run in this order; the static stage is the
first five.
"""

from collections.abc import Callable
from dataclasses import dataclass

from handbook.checker import (
    containers,
    files,
    imports,
    openapi,
    own,
    py_api,
    py_async,
    py_database,
    py_security,
    py_structure,
    ruff_rules,
)
from handbook.checker import files_repository as _files_repository
from handbook.checker import files_tooling as _files_tooling
from handbook.checker.context import Context
from handbook.checker.findings import Outcome
from handbook.checker.rules import Rule

# Importing the modules above registers their checks.
_REGISTERING = (
    py_api,
    py_async,
    py_database,
    py_security,
    py_structure,
    _files_repository,
    _files_tooling,
)


@dataclass(frozen=True)
class Family:
    name: str
    rules: tuple[Rule, ...]
    run: Callable[[Context, list[Rule]], Outcome]


FAMILIES = (
    Family("ruff", ruff_rules.RULES, ruff_rules.run_rules),
    Family("python", tuple(c.rule for c in own.CHECKS), own.run_checks),
    Family("files", tuple(c.rule for c in files.FILE_CHECKS), files.run_file_checks),
    Family("imports", imports.RULES, imports.run_rules),
    Family("migrations", containers.MIGRATION_RULES, containers.run_migrations),
    Family("dockerfile", containers.DOCKER_RULES, containers.run_dockerfiles),
    Family("openapi", openapi.RULES, openapi.run_rules),
)
RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.rules)


def rules_for(principle_id: str) -> list[Rule]:
    return [rule for rule in RULES if rule.principle_id == principle_id]

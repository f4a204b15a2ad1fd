"""Known problems the rule catalogue states, each shown by a run."""

from pathlib import Path

import pytest

from handbook.checker.registry import RULES
from tests.checker.checker_support import (
    check,
    pyproject_selecting,
    scratch_project,
)

# A dependency function and the route that uses it, each taking its session
# as a default value: the form FAST002 asks to write with Annotated.
USERS = """\
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import get_db

router = APIRouter()


class UserService:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db


async def get_user_service(db: AsyncSession = Depends(get_db)) -> UserService:
    return UserService(db)


@router.get("/users/count")
async def count_users(service: UserService = Depends(get_user_service)) -> int:
    return 0
"""


@pytest.fixture
def default_value_dependencies(tmp_path: Path) -> Path:
    pyproject = pyproject_selecting("shop", "STRUCT-DEPENDS", "API-FIELD-DEFAULTS")
    return scratch_project(
        tmp_path / "shop", {"pyproject.toml": pyproject, "app/users.py": USERS}
    )


def test_fast002_reports_the_route_and_an_own_rule_the_dependency_function(
    default_value_dependencies: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = check(
        default_value_dependencies,
        "--format",
        "json",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )

    found = sorted((f["code"], f["line"]) for f in run.report["findings"])
    lines = USERS.splitlines()
    route = lines.index('@router.get("/users/count")') + 2
    dependency = next(
        number
        for number, line in enumerate(lines, start=1)
        if line.startswith("async def get_user_service(")
    )
    # B008 leaves FastAPI's declarations to FAST002, which reads route
    # handlers only: the checker's own rule reports the dependency function,
    # and not the route a second time.
    assert found == [("FAST002", route), ("dependency-as-default", dependency)]
    problems = {
        (rule.principle_id, rule.code): rule.known_problems
        for rule in RULES
        if rule.known_problems
    }
    assert "dependency-as-default" in problems["STRUCT-DEPENDS", "FAST002"]
    assert "dependency-as-default" in problems["API-FIELD-DEFAULTS", "B008"]

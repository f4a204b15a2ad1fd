"""The reference service in snippets/ is what the checker calls clean.

Zero findings in both stages, with the departures the service records
(``# Departs from API-ETAG`` on two reads of a user) honoured and reported
as departures, not dropped.
"""

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from handbook.content.docs_tree import REPO_ROOT

USERS_ROUTER = REPO_ROOT / "snippets" / "shop" / "users" / "router.py"

# The app reads these at import; nothing connects to them.
APP_ENVIRONMENT = {
    "DATABASE_URL": "postgresql://shop@127.0.0.1:1/shop",
    "JWT_SECRET": "checker-test-secret-that-is-long-enough-0123456789",  # pragma: allowlist secret
    "ENVIRONMENT": "test",
}


def principles_check(*arguments: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "handbook.checker",
            "check",
            "snippets",
            "--format",
            "json",
            *arguments,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **APP_ENVIRONMENT},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("stage", ["static", "all"])
def test_the_reference_service_has_no_finding(stage: str) -> None:
    code, report = principles_check("--stage", stage)

    assert report["findings"] == []
    assert report["departure_problems"] == []
    assert report["not_checked"] == []
    assert code == 0


def test_its_recorded_departures_are_honoured_and_reported() -> None:
    code, report = principles_check("--stage", "all")

    departures = report["departures"]
    assert isinstance(departures, list)
    # Each departure is reported at the statement it covers: the first line
    # after its comment that is code.
    lines = USERS_ROUTER.read_text().splitlines()
    recorded = [
        ("API-ETAG", "snippets/shop/users/router.py", after + 1)
        for number, line in enumerate(lines)
        if "# Departs from API-ETAG:" in line
        for after in [
            next(
                i
                for i in range(number, len(lines))
                if not lines[i].lstrip().startswith("#")
            )
        ]
    ]
    assert len(recorded) == 2
    assert sorted((d["id"], d["path"], d["line"]) for d in departures) == recorded
    assert all(d["reason"] for d in departures)
    assert code == 0


def test_the_static_stage_leaves_the_ci_rules_for_the_ci_stage() -> None:
    _, report = principles_check("--stage", "static")

    left = {(r["tool"], r["id"]) for r in report["not_in_stage"]}
    assert {
        ("openapi", "API-ETAG"),
        ("squawk", "DB-MIGRATIONS"),
        ("hadolint", "DEPLOY-DOCKERFILE"),
    } <= left
    assert report["departures"] == []

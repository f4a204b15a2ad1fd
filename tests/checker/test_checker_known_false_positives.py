"""False positives found by running the checker over a project nobody here
wrote (the Full Stack FastAPI Template's backend), each kept from coming back.

The project below has the template's shapes: an OAuth2 token type, a reset
token's lifetime, a `tests_pre_start.py` script, and beside them the two
real findings the run also gave, so the rules are shown still to fire.
"""

from pathlib import Path

import pytest

from tests.checker.checker_support import (
    check,
    pyproject_selecting,
    scratch_project,
)

PYPROJECT = pyproject_selecting("fullstack", "SEC-SECRETS", "SEC-AUTHN")

SECURITY = """\
from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


def token_response(access_token: str) -> Token:
    return Token(access_token=access_token, token_type="bearer")


EMAIL_RESET_TOKEN_EXPIRE_HOURS = 48
ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8
SMTP_PASSWORD = "changethis-in-production"
"""

# A start-up script of the template's test tooling, not service code.
TESTS_PRE_START = 'FIRST_SUPERUSER_PASSWORD = "changethis"\n'


@pytest.fixture
def template_like(tmp_path: Path) -> Path:
    return scratch_project(
        tmp_path / "backend",
        {
            "pyproject.toml": PYPROJECT,
            "app/security.py": SECURITY,
            "app/tests_pre_start.py": TESTS_PRE_START,
        },
    )


def test_only_the_real_secret_and_the_long_access_token_are_reported(
    template_like: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = check(
        template_like, "--format", "json", monkeypatch=monkeypatch, capsys=capsys
    )

    found = sorted(
        (f["id"], f["code"], f["path"], f["line"]) for f in run.report["findings"]
    )
    assert found == [
        # ACCESS_TOKEN_EXPIRE_MINUTES: eight days; the reset token's 48 hours
        # on the line above is not an access token.
        ("SEC-AUTHN", "token-lifetime-days", "app/security.py", 14),
        # SMTP_PASSWORD; the two token_type = "bearer" lines are OAuth2's
        # scheme name, and tests_pre_start.py is test tooling.
        ("SEC-SECRETS", "S105", "app/security.py", 15),
    ]

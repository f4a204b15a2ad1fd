"""Evidence for STACK-PYDANTIC: EmailStr needs email-validator, and the repo declares it."""

import subprocess
import sys
import tomllib

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.pages import block_titled, prose

PAGE = DOCS_DIR / "principles" / "stack" / "pydantic-validation.md"

# The model module as a project without the extra would have it. Setting the
# module to None makes ``import email_validator`` fail as if it were missing.
WITHOUT_EMAIL_VALIDATOR = """\
import sys
sys.modules["email_validator"] = None

from pydantic import BaseModel, EmailStr


class UserCreate(BaseModel):
    email: EmailStr
"""


def test_defining_an_email_model_without_email_validator_fails_as_quoted() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_EMAIL_VALIDATOR],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    quoted = block_titled(PAGE, "Output without email-validator").source.strip()
    assert last_line == quoted


def test_the_repository_depends_on_the_email_extra() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]

    assert any(dep.startswith("pydantic[email]") for dep in project["dependencies"])
    assert "`pyproject.toml` has `pydantic[email]` among its dependencies" in prose(
        PAGE
    )

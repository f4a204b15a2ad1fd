"""Evidence for STACK-PYDANTIC: EmailStr needs email-validator, and the repo declares it."""

import subprocess
import sys
import tomllib
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.users.schemas import UserCreate
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


# --8<-- [start:unchecked-dict]
two_ways_in = FastAPI()


# --8<-- [start:lead-unchecked-dict]
@two_ways_in.post("/unchecked/users", status_code=201)
async def register_unchecked(payload: dict[str, Any]) -> dict[str, Any]:
    return payload  # whatever arrived goes on to the service and the database
    # --8<-- [end:lead-unchecked-dict]


@two_ways_in.post("/users", status_code=201)
async def register(data: UserCreate) -> dict[str, str]:
    return {"email": data.email}


async def test_a_dict_body_takes_what_the_model_refuses() -> None:
    body = {"email": "not-an-email", "name": "", "password": "x", "is_admin": True}
    transport = ASGITransport(app=two_ways_in)
    async with AsyncClient(transport=transport, base_url="http://shop") as client:
        unchecked = await client.post("/unchecked/users", json=body)
        checked = await client.post("/users", json=body)

    assert (unchecked.status_code, unchecked.json()) == (201, body)
    assert checked.status_code == 422
    # --8<-- [end:unchecked-dict]

"""Evidence for API-FIELD-DEFAULTS: Defaults that must differ per instance come from default_factory.

Each test reproduces a claim docs/principles/api/per-instance-defaults.md makes,
against the real tool, library or service.
"""

import json
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences
from tests.support.linting import ruff_check_code
from tests.support.pages import prose

PAGE = DOCS_DIR / "principles" / "api" / "per-instance-defaults.md"


def _shown_function() -> str:
    block = next(
        b for b in find_fences(PAGE) if (b.title or "").endswith("(never committed)")
    )
    return block.source.split("\n\nadd_sku(", 1)[0] + "\n"


def test_a_mutable_default_argument_is_shared_between_calls() -> None:
    namespace: dict[str, Any] = {}
    exec(_shown_function(), namespace)  # noqa: S102 - the page's own example
    namespace["add_sku"]("BOOK-001")
    assert namespace["add_sku"]("PEN-042") == ["BOOK-001", "PEN-042"]


def test_ruff_reports_the_mutable_default_with_the_quoted_rule() -> None:
    result = ruff_check_code(_shown_function(), "drafts.py")
    quoted = next(
        b for b in find_fences(PAGE) if b.language == "text" and b.title is None
    )
    assert quoted.source.strip() in result.stdout, result.stdout


class DraftWithLiteral(BaseModel):
    skus: list[str] = []


class DraftWithFactory(BaseModel):
    skus: list[str] = Field(default_factory=list)


def test_default_factory_list_changes_the_schema_not_the_sharing() -> None:
    for model in (DraftWithLiteral, DraftWithFactory):
        first, second = model(), model()
        first.skus.append("BOOK-001")
        assert second.skus == []  # each instance has its own list either way
    app = FastAPI()

    @app.post("/literal")
    def literal(draft: DraftWithLiteral) -> None: ...

    @app.post("/factory")
    def factory(draft: DraftWithFactory) -> None: ...

    schemas = app.openapi()["components"]["schemas"]
    assert schemas["DraftWithLiteral"]["properties"]["skus"]["default"] == []
    assert "default" not in schemas["DraftWithFactory"]["properties"]["skus"]
    assert (
        'changes nothing about sharing there (it does drop `"default": []` from'
        " the field's JSON schema, and so from OpenAPI)"
    ) in prose(PAGE)


_CALLED_DEFAULTS = """\
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import BaseModel


{decorator}class OrderDraft({base}):
    draft_id: UUID = uuid4()
    created_at: datetime = datetime.now(UTC)
"""


def _rules_on_the_default_lines(code: str) -> set[str]:
    default_lines = {
        number
        for number, line in enumerate(code.splitlines(), start=1)
        if line.startswith("    ") and " = " in line
    }
    assert len(default_lines) == 2, code
    # Every rule ruff has, preview ones included, and none of the repository's
    # ignores: "no ruff rule" is a claim about ruff, not about this config.
    result = ruff_check_code(
        code, "drafts.py", "--isolated", "--select", "ALL", "--preview",
        "--output-format", "json",
    )  # fmt: skip
    return {
        d["code"]
        for d in json.loads(result.stdout)
        if d["location"]["row"] in default_lines
    }


def test_no_ruff_rule_flags_a_call_in_a_pydantic_fields_default() -> None:
    pydantic_model = _CALLED_DEFAULTS.format(decorator="", base="BaseModel")
    # The same two defaults on a dataclass are flagged (RUF009), so the check
    # would see a rule that reported them on the model.
    dataclass_ = _CALLED_DEFAULTS.format(decorator="@dataclass\n", base="")
    assert _rules_on_the_default_lines(dataclass_) == {"RUF009"}
    assert _rules_on_the_default_lines(pydantic_model) == set()

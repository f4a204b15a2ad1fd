"""Rules Ruff already checks, each mapped to the principle it enforces.

Ruff runs with the project's own configuration (target version, per-file
ignores, ``noqa`` comments, excluded paths) but with this selection instead
of the project's, so a rule the handbook needs is checked even where the
project's ``select`` leaves it out. Its JSON output is read; the Ruff code
is shown beside the principle ID.
"""

import json
import re
from pathlib import Path

from handbook.checker.context import Context
from handbook.checker.findings import Finding, NotChecked, Outcome
from handbook.checker.project import Unreadable
from handbook.checker.pysource import kind_of
from handbook.checker.rules import Rule
from handbook.checker.tools import ToolFailed, run

SERVICE = ("service",)


def _rule(
    principle_id: str,
    code: str,
    checks: str,
    known_problems: str = "",
    applies_to: tuple[str, ...] = ("service", "test", "script"),
) -> Rule:
    return Rule(
        principle_id, "ruff", code, "static", checks, known_problems, applies_to
    )


RULES = (
    _rule("ASYNC-NO-BLOCKING", "ASYNC2*", "Blocking calls written directly in an async def: time.sleep, sync HTTP clients, subprocess, open().",
          known_problems="Sees only direct calls: a sync helper that sleeps, called from an async def, passes."),
    _rule("DB-BOUND-PARAMS", "S608", "SQL built with string formatting or concatenation."),
    _rule("DOC-OPENAPI", "FAST001", "A route's response_model repeats its return type, so the two can drift."),
    _rule("STRUCT-DEPENDS", "FAST002", "A FastAPI dependency declared as a default value instead of with Annotated.",
          known_problems="Reads route handlers only: the checker's own dependency-as-default reports the dependency functions."),
    _rule("API-REST", "FAST003", "A path parameter the route's function does not take."),
    _rule("API-FIELD-DEFAULTS", "B006", "A mutable default argument (a list, dict or set shared by every call)."),
    _rule("API-FIELD-DEFAULTS", "B008", "A function call in a default argument, evaluated once at import.",
          known_problems="FastAPI's Depends(), Query() and the like are left out: FAST002 reports them in route handlers and dependency-as-default elsewhere, each asking for Annotated."),
    _rule("PERF-MEMOIZE", "B019", "functools.cache or lru_cache on a method, which keeps every instance alive."),
    *(
        _rule("DOC-TYPE-HINTS", code, checks)
        for code, checks in (
            ("ANN001", "A function argument without a type annotation."),
            ("ANN002", "*args without a type annotation."),
            ("ANN003", "**kwargs without a type annotation."),
            ("ANN201", "A public function without a return type."),
            ("ANN202", "A private function without a return type."),
            ("ANN204", "A special method without a return type."),
            ("ANN205", "A static method without a return type."),
            ("ANN206", "A class method without a return type."),
            ("UP006", "typing.List and friends where the builtin generic works."),
            ("UP007", "Union[X, Y] where X | Y works."),
            ("UP035", "A deprecated typing import."),
            ("UP037", "A quoted annotation that needs no quotes."),
            ("UP045", "Optional[X] where X | None works."),
            ("PGH003", "A type: ignore without an error code."),
        )
    ),
    _rule("TEST-FUNCTIONAL", "PT009", "A unittest-style assertion (self.assertEqual) in a test."),
    _rule("TEST-FUNCTIONAL", "PT027", "unittest's assertRaises instead of pytest.raises."),
    _rule("OPS-JSON-LOGS", "T201", "print() in service code, which bypasses the JSON log.", applies_to=SERVICE),
    _rule("OPS-JSON-LOGS", "T203", "pprint() in service code, which bypasses the JSON log.", applies_to=SERVICE),
    *(
        _rule("OPS-JSON-LOGS", code, f"A log message built with {how}: values belong in extra=, where they can be filtered on.")
        for code, how in (("G001", "str.format"), ("G002", "%"), ("G003", "+"), ("G004", "an f-string"))
    ),
    _rule("SEC-SECRETS", "S105", "A password, token or secret written as a string literal in service code.", applies_to=SERVICE,
          known_problems="Ruff matches variable names; an OAuth2 token type (token_type = \"bearer\") is left out here."),
    _rule("SEC-SECRETS", "S106", "A string literal passed as a password, token or secret argument in service code.", applies_to=SERVICE),
    _rule("SEC-SECRETS", "S107", "A string literal as the default of a password, token or secret parameter in service code.", applies_to=SERVICE),
    *(
        _rule("DOC-DOCSTRINGS", code, f"A public {what} without a docstring, in service code.", applies_to=SERVICE,
              known_problems="Finds missing docstrings only; whether one states the business rule is for review.")
        for code, what in (
            ("D100", "module"), ("D101", "class"), ("D102", "method"), ("D103", "function"),
            ("D104", "package"), ("D105", "magic method"), ("D106", "nested class"),
        )
    ),
)  # fmt: skip


# OAuth2 token types (RFC 6749, section 7.1): a name like token_type makes
# S105 see a secret where there is the scheme's name.
TOKEN_TYPE_CODES = {"S105", "S106", "S107"}
_TOKEN_TYPE = re.compile(r"""(?i)token_type\w*\s*(?::[^=]*)?=\s*["'](bearer|mac)["']""")


def _is_token_type(context: Context, path: Path, line: int) -> bool:
    try:
        lines = context.project.read(path).splitlines()
    except Unreadable:
        return False
    return 1 <= line <= len(lines) and _TOKEN_TYPE.search(lines[line - 1]) is not None


# FastAPI's parameter declarations are defaults by design; FAST002 asks for
# Annotated instead, so B008 on them would say the same thing twice.
FASTAPI_DECLARATION = re.compile(
    r"function call `(Depends|Query|Path|Body|Header|Cookie|Form|File|Security)`"
)


def selectors(rules: list[Rule]) -> list[str]:
    return sorted({rule.code.rstrip("*") for rule in rules})


def run_rules(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    if not rules:
        return outcome
    project = context.project
    targets = [p for p in project.paths if p.is_dir() or p.suffix == ".py"]
    if not targets:
        return outcome
    args = [
        "check",
        "--no-cache",
        "--output-format=json",
        "--exit-zero",
        "--force-exclude",
        f"--select={','.join(selectors(rules))}",
    ]
    for pattern in context.config.exclude:
        args.append(f"--extend-exclude={pattern}")
    try:
        ran = run("ruff", [*args, *map(str, targets)], cwd=project.root)
        results = json.loads(ran.stdout or "[]")
    except ToolFailed as error:
        outcome.not_checked.append(NotChecked(tuple(rules), str(error), True))
        return outcome
    except json.JSONDecodeError as error:
        outcome.not_checked.append(
            NotChecked(
                tuple(rules), f"ruff printed output that is not JSON: {error}", True
            )
        )
        return outcome
    for result in results:
        code = result.get("code")
        if not code:
            continue  # syntax errors: reported as not checked by the parse step
        rule = next((r for r in rules if r.matches(code)), None)
        if rule is None:
            continue
        path = Path(result["filename"])
        if not path.is_absolute():
            path = project.root / path
        if kind_of(project.relative(path)) not in rule.applies_to:
            continue
        if code in TOKEN_TYPE_CODES and _is_token_type(
            context, path, int(result["location"]["row"])
        ):
            continue
        if code == "B008" and FASTAPI_DECLARATION.search(str(result["message"])):
            continue
        outcome.findings.append(
            Finding(
                rule,
                path,
                int(result["location"]["row"]),
                int(result["location"]["column"]),
                str(result["message"]),
                code=code,
            )
        )
    return outcome

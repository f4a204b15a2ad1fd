"""CI-stage rules on migrations and images: squawk and hadolint, plus the
Dockerfile checks neither has.

squawk reads each migration as one transaction (``--assume-in-transaction``,
how Atlas and the reference service apply a file), so a table created and
indexed in the same file is not a lock risk. Four of its rules are left out
because the handbook decides otherwise; ``principles rules`` says why.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path

from handbook.checker.context import Context
from handbook.checker.findings import Finding, NotChecked, Outcome
from handbook.checker.project import glob_match
from handbook.checker.rules import Rule
from handbook.checker.tools import ToolFailed, run

# squawk rules the handbook does not follow, with the reason.
SQUAWK_EXCLUDED = {
    "prefer-robust-stmts": "migrations apply once each, in a transaction, and are recorded; IF NOT EXISTS would hide drift",
    "prefer-text-field": "the handbook bounds strings in the schema with varchar(n) (STACK-POSTGRES, SEC-INPUT)",
    "prefer-bigint-over-int": "flags every integer column, counts and prices included; keys are bigint identities (DB-MODELS)",
    "prefer-bigint-over-smallint": "as prefer-bigint-over-int",
    "require-timeout-settings": "timeouts belong to whatever applies the migrations, as a connection setting squawk cannot see",
}
DOCKERFILES = ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile")

SQUAWK = Rule(
    "DB-MIGRATIONS",
    "squawk",
    "*",
    "ci",
    "Migration SQL that locks a busy table, rewrites it, or breaks the running service (squawk's rules, less "
    + ", ".join(sorted(SQUAWK_EXCLUDED))
    + ").",
    known_problems="Reads SQL migrations only; Alembic's Python migrations are not linted.",
)
HADOLINT = Rule(
    "DEPLOY-DOCKERFILE",
    "hadolint",
    "*",
    "ci",
    "hadolint's rules on the Dockerfile: pinned base images and packages, no cache left in layers, and more.",
)
SHELL_FORM = Rule(
    "OPS-GRACEFUL-SHUTDOWN",
    "hadolint",
    "DL3025",
    "ci",
    "A shell-form CMD or ENTRYPOINT: the shell is PID 1 and SIGTERM never reaches the server.",
)
NO_USER = Rule(
    "DEPLOY-DOCKERFILE",
    "principles",
    "root-image",
    "ci",
    "A final image stage without a USER: the service runs as root.",
)
COPY_ALL = Rule(
    "DEPLOY-DOCKERFILE",
    "principles",
    "copy-everything",
    "ci",
    "COPY . . in an image: the context's every file (.env, .git) goes in.",
)
PIP_IN_UV = Rule(
    "DEPLOY-DOCKERFILE",
    "principles",
    "pip-in-uv-project",
    "ci",
    "pip install in the Dockerfile of a project locked with uv: the image does not get the locked versions.",
)
MIGRATION_RULES = (SQUAWK,)
DOCKER_RULES = (HADOLINT, SHELL_FORM, NO_USER, COPY_ALL, PIP_IN_UV)


def migration_files(context: Context) -> list[Path]:
    return [
        p
        for p in context.project.files
        if p.suffix == ".sql"
        and any(
            glob_match(context.project.relative(p), g)
            for g in context.config.migrations
        )
    ]


def run_migrations(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    files = [p for p in migration_files(context) if context.text(p) is not None]
    if SQUAWK not in rules or not files:
        return outcome
    args = [
        "--assume-in-transaction",
        "--reporter=json",
        f"--exclude={','.join(SQUAWK_EXCLUDED)}",
    ]
    try:
        ran = run(
            "squawk", [*args, *map(str, files)], context.project.root, ok_codes=(0, 1)
        )
        results = json.loads(ran.stdout or "[]")
    except (ToolFailed, json.JSONDecodeError) as error:
        outcome.not_checked.append(NotChecked((SQUAWK,), f"squawk: {error}", True))
        return outcome
    for result in results:
        path = Path(result["file"])
        path = path if path.is_absolute() else context.project.root / path
        message = str(result["message"])
        if result.get("help"):
            message += f" {result['help']}"
        outcome.findings.append(
            Finding(
                SQUAWK,
                path,
                int(result["line"]) + 1,
                int(result["column"]) + 1,
                message,
                code=str(result["rule_name"]),
            )
        )
    return outcome


def dockerfiles(context: Context) -> list[Path]:
    import fnmatch

    return [
        p
        for p in context.project.files
        if any(fnmatch.fnmatch(p.name, g) for g in DOCKERFILES)
    ]


def run_dockerfiles(context: Context, rules: list[Rule]) -> Outcome:
    outcome = Outcome()
    for path in dockerfiles(context):
        text = context.text(path)
        if text is None:
            continue
        if HADOLINT in rules or SHELL_FORM in rules:
            try:
                ran = run(
                    "hadolint",
                    ["--no-color", "--no-fail", "-f", "json", str(path)],
                    context.project.root,
                )
                results = json.loads(ran.stdout or "[]")
            except (ToolFailed, json.JSONDecodeError) as error:
                wanted = tuple(r for r in (HADOLINT, SHELL_FORM) if r in rules)
                outcome.not_checked.append(
                    NotChecked(
                        wanted,
                        f"hadolint on {context.project.relative(path)}: {error}",
                        True,
                    )
                )
                results = []
            for result in results:
                rule = SHELL_FORM if result["code"] == "DL3025" else HADOLINT
                if rule in rules:
                    outcome.findings.append(
                        Finding(
                            rule,
                            path,
                            int(result["line"]),
                            int(result.get("column") or 1),
                            str(result["message"]),
                            code=str(result["code"]),
                        )
                    )
        outcome.findings += [f for f in _own(context, path, text) if f.rule in rules]
    return outcome


_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$")


def _instructions(text: str) -> Iterator[tuple[int, str, str]]:
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        start = number
        line = lines[number]
        while line.rstrip().endswith("\\") and number + 1 < len(lines):
            number += 1
            line = line.rstrip()[:-1] + " " + lines[number].strip()
        number += 1
        if line.lstrip().startswith("#"):
            continue
        match = _INSTRUCTION.match(line)
        if match:
            yield start + 1, match[1].upper(), match[2]


def _own(context: Context, path: Path, text: str) -> Iterator[Finding]:
    instructions = list(_instructions(text))
    stages = [i for i, (_, word, _) in enumerate(instructions) if word == "FROM"]
    if stages:
        last = instructions[stages[-1] :]
        if not any(word == "USER" for _, word, _ in last):
            yield Finding(
                NO_USER,
                path,
                instructions[stages[-1]][0],
                1,
                "the final stage has no USER: the service runs as root; add a numeric non-root USER",
            )
    uv_project = any(
        (d / "uv.lock").is_file()
        for d in (context.project.root, *context.project.root.parents[:3])
    )
    for line, word, rest in instructions:
        if (
            word == "COPY"
            and re.match(r"^(--\S+\s+)*\.\s+\.?/?\S*\s*$", rest)
            and not rest.startswith("--from")
        ):
            yield Finding(
                COPY_ALL,
                path,
                line,
                1,
                "COPY . copies the whole build context: copy the files the image needs",
            )
        if (
            word == "RUN"
            and uv_project
            and re.search(r"\bpip3?\s+install\b", rest)
            and "uv pip" not in rest
        ):
            yield Finding(
                PIP_IN_UV,
                path,
                line,
                1,
                "pip install in a uv project: install with uv sync --locked from uv.lock",
            )

"""Validate non-Python code blocks with the real tools.

A block is checked by what it is: its ``title`` (the file it shows, e.g.
``Taskfile.yml``) selects the tool that owns that file format, and its
language selects a parser. A block nobody can validate is an error rather
than a silent pass; plain output is written as ``text``.
"""

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import hcl2
import promql_parser
import yaml

from handbook.content.tools import tool_path

Validator = Callable[[str, Path], None]
"""Takes the block's content and a scratch directory; raises InvalidBlock."""

UNVALIDATED_LANGUAGES = {"text", "console-output", "markdown", "http"}
# Transcripts: tests/checker/test_checker_page.py runs each command and
# compares what it prints with the block.
TRANSCRIPT_LANGUAGES = {"console"}


class InvalidBlock(Exception):
    """The block's content is rejected; the message is the tool's own words."""


def _run(args: list[str], cwd: Path) -> str:
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "PRE_COMMIT_COLOR": "never",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise InvalidBlock(
            f"`{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(args))}` failed:\n{output}"
        )
    return output


def _write(scratch: Path, name: str, content: str) -> Path:
    path = scratch / name
    path.write_text(content, encoding="utf-8")
    return path


def parse_yaml(content: str, _scratch: Path) -> None:
    try:
        list(yaml.safe_load_all(content))
    except yaml.YAMLError as error:
        raise InvalidBlock(f"not valid YAML: {error}") from error


def parse_toml(content: str, _scratch: Path) -> None:
    try:
        tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise InvalidBlock(f"not valid TOML: {error}") from error


def parse_json(content: str, _scratch: Path) -> None:
    try:
        json.loads(content)
    except json.JSONDecodeError as error:
        raise InvalidBlock(f"not valid JSON: {error}") from error


def parse_hcl(content: str, _scratch: Path) -> None:
    try:
        hcl2.loads(content)
    except Exception as error:  # python-hcl2 raises lark's many error types
        raise InvalidBlock(f"not valid HCL: {error}") from error


def shellcheck(content: str, scratch: Path) -> None:
    script = _write(scratch, "block.sh", content)
    _run(
        [tool_path("shellcheck"), "--shell=bash", "--severity=style", str(script)],
        scratch,
    )


# Variables Task defines itself; anything else a template uses must be declared.
TASK_SPECIAL_VARS = {
    "CLI_ARGS", "CLI_ARGS_LIST", "CLI_FORCE", "CLI_SILENT", "CLI_VERBOSE", "CLI_OFFLINE",
    "CLI_ASSUME_YES", "TASK", "ALIAS", "TASK_EXE", "ROOT_TASKFILE", "ROOT_DIR", "TASKFILE",
    "TASKFILE_DIR", "TASK_DIR", "USER_WORKING_DIR", "CHECKSUM", "TIMESTAMP", "TASK_VERSION",
    "ITEM", "EXIT_CODE", "MATCH",
}  # fmt: skip


def taskfile(content: str, scratch: Path) -> None:
    """Parse with task, then dry-run every task so broken calls surface.

    Task renders an undeclared ``{{.VAR}}`` as an empty string without a
    word, so undeclared variables are reported here.
    """
    parse_yaml(content, scratch)
    _write(scratch, "Taskfile.yml", content)
    _run([tool_path("task"), "--list-all", "--taskfile", "Taskfile.yml"], scratch)
    data = yaml.safe_load(content) or {}
    tasks = data.get("tasks") or {}
    declared = (
        set(TASK_SPECIAL_VARS)
        | set(data.get("vars") or {})
        | set(data.get("env") or {})
    )
    for name, task in tasks.items():
        local = set()
        if isinstance(task, dict):
            local = set(task.get("vars") or {}) | set(task.get("env") or {})
        for variable in re.findall(
            r"{{\s*\.([A-Za-z_][A-Za-z0-9_]*)", yaml.safe_dump(task)
        ):
            if variable not in declared | local:
                raise InvalidBlock(
                    f"task {name!r} uses {{{{.{variable}}}}}, which is never declared: "
                    "task would render it as an empty string"
                )
        _run([tool_path("task"), "--dry", "--taskfile", "Taskfile.yml", name], scratch)


def pre_commit_config(content: str, scratch: Path) -> None:
    parse_yaml(content, scratch)
    path = _write(scratch, ".pre-commit-config.yaml", content)
    _run([tool_path("pre-commit"), "validate-config", str(path)], scratch)


def pyproject(content: str, scratch: Path) -> None:
    parse_toml(content, scratch)
    data = tomllib.loads(content)
    path = _write(scratch, "pyproject.toml", content)
    if "project" in data or "build-system" in data:
        _run([tool_path("validate-pyproject"), str(path)], scratch)
    if "ruff" in data.get("tool", {}):
        _ruff_config(path, scratch)


def ruff_toml(content: str, scratch: Path) -> None:
    parse_toml(content, scratch)
    _ruff_config(_write(scratch, "ruff.toml", content), scratch)


def _ruff_config(config: Path, scratch: Path) -> None:
    # ruff accepts deprecated settings with a warning; a page must not teach them.
    _write(scratch, "module.py", '"""An empty module to lint."""\n')
    output = _run(
        [
            tool_path("ruff"),
            "check",
            "--no-cache",
            "--config",
            str(config),
            "module.py",
        ],
        scratch,
    )
    if "warning:" in output:
        raise InvalidBlock(f"ruff warns about this configuration:\n{output}")


def gitleaks_config(content: str, scratch: Path) -> None:
    parse_toml(content, scratch)
    for rule in tomllib.loads(content).get("rules", []):
        for key in ("regex", "path"):
            if key in rule:
                try:
                    re.compile(rule[key])
                except re.error as error:
                    raise InvalidBlock(
                        f"rule {rule.get('id', rule.get('description'))!r}: bad {key}: {error}"
                    ) from error


def dotenv(content: str, _scratch: Path) -> None:
    for number, line in enumerate(content.splitlines(), start=1):
        if (
            line.strip()
            and not line.lstrip().startswith("#")
            and not re.match(r"^[A-Z][A-Z0-9_]*=", line)
        ):
            raise InvalidBlock(
                f"line {number} is neither a comment nor NAME=value: {line!r}"
            )


def hadolint(content: str, scratch: Path) -> None:
    """Lint a Dockerfile; any finding, down to style and info, fails it."""
    dockerfile = _write(scratch, "Dockerfile", content)
    # hadolint's default threshold is "info": a "style" finding alone exits 0.
    _run(
        [
            tool_path("hadolint"),
            "--no-color",
            "--failure-threshold",
            "style",
            str(dockerfile),
        ],
        scratch,
    )


def _builtin_schema(schema: str, file_name: str) -> Validator:
    """Parse the block as YAML, then validate it against one of the JSON
    schemas that ship inside check-jsonschema (each with its licence),
    pinned by uv.lock: no download at test time."""

    def validate(content: str, scratch: Path) -> None:
        parse_yaml(content, scratch)
        path = _write(scratch, file_name, content)
        _run(
            [tool_path("check-jsonschema"), "--builtin-schema", schema, str(path)],
            scratch,
        )

    return validate


# The Compose Specification's schema, and GitHub Actions' for workflows.
compose_file = _builtin_schema("vendor.compose-spec", "compose.yaml")
github_workflow = _builtin_schema("vendor.github-workflows", "workflow.yml")


def promql(content: str, _scratch: Path) -> None:
    """Parse each line as a PromQL query with promql-parser, a port of
    Prometheus' own parser (no Prometheus runs here)."""
    for number, line in enumerate(content.splitlines(), start=1):
        if line.strip():
            try:
                promql_parser.parse(line)
            except ValueError as error:
                raise InvalidBlock(f"line {number}: {error}: {line}") from None


NGINX_MISSING = "nginx is not installed: apt-get install nginx-light"


def nginx_binary() -> str:
    """The nginx binary (Debian puts it in /usr/sbin, not always on PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not found:
        raise InvalidBlock(NGINX_MISSING)
    return found


def nginx_config(content: str, scratch: Path) -> None:
    """``nginx -t`` on the block as a whole nginx.conf, in a scratch prefix."""
    config = _write(scratch, "nginx.conf", content)
    _run(
        [
            nginx_binary(),
            "-t",
            "-p",
            str(scratch),
            "-c",
            str(config),
            "-e",
            "stderr",
            "-g",
            f"pid {scratch / 'nginx.pid'};",
        ],
        scratch,
    )


BY_FILE_NAME: dict[str, Validator] = {
    "Taskfile.yml": taskfile,
    ".pre-commit-config.yaml": pre_commit_config,
    "pyproject.toml": pyproject,
    "ruff.toml": ruff_toml,
    ".ruff.toml": ruff_toml,
    ".gitleaks.toml": gitleaks_config,
    ".env.example": dotenv,
    ".env": dotenv,
    "Dockerfile": hadolint,
    "compose.yaml": compose_file,
    "compose.yml": compose_file,
    "docker-compose.yml": compose_file,
    "docker-compose.yaml": compose_file,
    "nginx.conf": nginx_config,
}
BY_LANGUAGE: dict[str, Validator] = {
    "yaml": parse_yaml,
    "yml": parse_yaml,
    "toml": parse_toml,
    "json": parse_json,
    "hcl": parse_hcl,
    "bash": shellcheck,
    "sh": shellcheck,
    "shell": shellcheck,
    "dotenv": dotenv,
    "dockerfile": hadolint,
    "nginx": nginx_config,
    "promql": promql,
}
# Workflows are named by their folder, not by a file name of their own.
GITHUB_WORKFLOWS = ".github/workflows/"


def validator_for(language: str, title: str | None) -> Validator | None:
    """The validator for a block, or None for plain output (``text``).

    Raises InvalidBlock when nothing here can validate the block.
    """
    if title and Path(title).name in BY_FILE_NAME:
        return BY_FILE_NAME[Path(title).name]
    if (
        title
        and title.startswith(GITHUB_WORKFLOWS)
        and title.endswith((".yml", ".yaml"))
    ):
        return github_workflow
    if language in BY_LANGUAGE:
        return BY_LANGUAGE[language]
    if language in UNVALIDATED_LANGUAGES or language in TRANSCRIPT_LANGUAGES:
        return None
    raise InvalidBlock(
        f"no validator for a {language or 'plain'!r} block: add one to handbook/content/validators.py, "
        "or mark plain output as ```text"
    )

"""Rules on the project's tooling files: pyproject.toml, ruff.toml,
.pre-commit-config.yaml and Taskfile.yml."""

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from handbook.checker.context import Context
from handbook.checker.files import CannotCheck, Hit, file_check, project_rule
from handbook.checker.project import Unreadable
from handbook.checker.yaml_lines import Located, load
from handbook.content.locations import line_of, toml_key_line

# Settings Ruff moved under [tool.ruff.lint] (ruff 0.2); at the top level they
# still work, with a deprecation warning, until they don't.
LINT_KEYS = {
    "select", "extend-select", "ignore", "extend-ignore", "per-file-ignores", "extend-per-file-ignores",
    "fixable", "extend-fixable", "unfixable", "dummy-variable-rgx", "allowed-confusables",
    "explicit-preview-rules", "external", "logger-objects", "task-tags", "typing-modules",
    "ignore-init-module-imports", "extend-safe-fixes", "extend-unsafe-fixes",
}  # fmt: skip
LINT_SECTIONS = re.compile(
    r"^(flake8-[a-z-]+|isort|mccabe|pep8-naming|pycodestyle|pydocstyle|pyflakes|pylint|pyupgrade|ruff)$"
)
SYSTEM_LANGUAGES = {
    "system",
    "unsupported",
    "script",
    "unsupported_script",
    "fail",
    "pygrep",
}
# Variables Task defines itself; a template may use them undeclared.
TASK_SPECIAL_VARS = {
    "CLI_ARGS", "CLI_ARGS_LIST", "CLI_FORCE", "CLI_SILENT", "CLI_VERBOSE", "CLI_OFFLINE",
    "CLI_ASSUME_YES", "TASK", "ALIAS", "TASK_EXE", "ROOT_TASKFILE", "ROOT_DIR", "TASKFILE",
    "TASKFILE_DIR", "TASK_DIR", "USER_WORKING_DIR", "CHECKSUM", "TIMESTAMP", "TASK_VERSION",
    "ITEM", "EXIT_CODE", "MATCH", "OS", "ARCH",
}  # fmt: skip
TASKFILES = (
    "Taskfile.yml",
    "Taskfile.yaml",
    "taskfile.yml",
    "taskfile.yaml",
    "Taskfile.dist.yml",
    "Taskfile.dist.yaml",
)

RUFF_DEPRECATED = project_rule(
    "RUFF-CONFIG",
    "ruff-deprecated-setting",
    "A lint setting at the top level of [tool.ruff] (select, ignore, isort, per-file-ignores...), where Ruff deprecated it for [tool.ruff.lint].",
)
RUFF_NO_SELECT = project_rule(
    "RUFF-CONFIG",
    "ruff-implicit-selection",
    "No Ruff configuration that picks its rules: lint.select is missing, so the rule set changes with every Ruff release.",
)
FORMAT_FIRST = project_rule(
    "RUFF-CONFIG",
    "format-before-fix",
    "A pre-commit hook that runs ruff format before ruff check --fix: a fix can leave code the formatter would change.",
)
HOSTED_HOOK = project_rule(
    "PRECOMMIT-OFFLINE",
    "hosted-hook",
    "A pre-commit hook from a hosted repository, or one that installs its own environment: a commit then needs the network and runs unlocked tool versions.",
)
UNLOCKED_ENTRY = project_rule(
    "PRECOMMIT-OFFLINE",
    "hook-outside-uv",
    "A local system hook whose entry does not start with uv: it runs whatever version is on PATH, not the locked one.",
)
UNDECLARED_VAR = project_rule(
    "TASK-COMMANDS",
    "undeclared-task-variable",
    "A Taskfile template variable that is never declared: Task renders it as an empty string without a word.",
)


def _pyproject(context: Context) -> tuple[Path, str, dict[str, object]] | None:
    path = context.project.pyproject
    if path is None or not context.project.in_scope(path):
        return None
    text = context.text(path)
    if text is None:
        return None
    try:
        return path, text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CannotCheck(
            f"{context.project.relative(path)}: not valid TOML: {error}", True
        ) from error


def _ruff_configs(
    context: Context,
) -> Iterator[tuple[Path, str, dict[str, object], str]]:
    """(file, text, the ruff table, the header its keys sit under)."""
    found = _pyproject(context)
    if found is not None:
        path, text, data = found
        tool = data.get("tool", {})
        ruff = tool.get("ruff") if isinstance(tool, dict) else None
        if isinstance(ruff, dict):
            yield path, text, ruff, "tool.ruff"
    for path in context.project.named("ruff.toml", ".ruff.toml"):
        if path.parent != context.project.root:
            continue
        toml = context.text(path)
        if toml is None:
            continue
        try:
            yield path, toml, tomllib.loads(toml), ""
        except tomllib.TOMLDecodeError as error:
            raise CannotCheck(
                f"{context.project.relative(path)}: not valid TOML: {error}", True
            ) from error


def _key_line(text: str, header: str, key: str) -> int:
    """The line of ``key`` (a key or a [header.key] table) in a TOML text."""
    table = f"[{header}.{key}]" if header else f"[{key}]"
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == table:
            return number
    section_start = line_of(text, f"[{header}]") if header else 1
    return toml_key_line(text, key, section_start - 1) or section_start


@file_check(RUFF_DEPRECATED)
def ruff_deprecated(context: Context) -> Iterator[Hit]:
    for path, text, ruff, header in _ruff_configs(context):
        for key in ruff:
            if key in LINT_KEYS or LINT_SECTIONS.match(key):
                where = f"[{header}]" if header else "the top level"
                yield (
                    path,
                    _key_line(text, header, key),
                    (
                        f"'{key}' at {where} is deprecated: move it under [{header + '.' if header else ''}lint]"
                    ),
                )


def _member_selects(context: Context) -> bool:
    """Whether a pyproject.toml or ruff.toml below the root selects Ruff's rules."""
    for path in context.project.named("pyproject.toml", "ruff.toml", ".ruff.toml"):
        if path.parent == context.project.root:
            continue
        try:
            data = tomllib.loads(context.project.read(path))
        except (Unreadable, tomllib.TOMLDecodeError):
            continue
        ruff = (
            data.get("tool", {}).get("ruff", data)
            if path.name == "pyproject.toml"
            else data
        )
        lint = ruff.get("lint") if isinstance(ruff, dict) else None
        if isinstance(ruff, dict) and (
            "select" in ruff or (isinstance(lint, dict) and "select" in lint)
        ):
            return True
    return False


@file_check(RUFF_NO_SELECT)
def ruff_implicit_selection(context: Context) -> Iterator[Hit]:
    found = _pyproject(context)
    if found is None:
        return
    configs = list(_ruff_configs(context))
    for _, _, ruff, _ in configs:
        lint = ruff.get("lint")
        if "select" in ruff or (isinstance(lint, dict) and "select" in lint):
            return
    if _member_selects(context):
        return  # a workspace: the members configure Ruff for their code
    path, _, _ = found
    target = configs[0] if configs else None
    if target is None:
        yield (
            path,
            1,
            "no Ruff configuration: add [tool.ruff.lint] with an explicit select",
        )
    else:
        yield (
            target[0],
            (line_of(target[1], f"[{target[3]}]") if target[3] else 1),
            ("Ruff's rules are not selected explicitly: add lint.select"),
        )


def _pre_commit(context: Context) -> tuple[Path, Located] | None:
    path = context.project.root / ".pre-commit-config.yaml"
    if path not in context.project.files or not context.project.in_scope(path):
        return None
    text = context.text(path)
    if text is None:
        return None
    document = load(text, context.project.relative(path))
    return None if document is None else (path, document)


def _hooks(document: Located) -> Iterator[tuple[Located, Located]]:
    repos = document.get("repos")
    for repo in repos.items() if repos else []:
        hooks = repo.get("hooks")
        for hook in hooks.items() if hooks else []:
            yield repo, hook


def _text(value: Located | None) -> str:
    return (
        str(value.value)
        if value is not None and not isinstance(value.value, dict | list)
        else ""
    )


@file_check(FORMAT_FIRST)
def format_before_fix(context: Context) -> Iterator[Hit]:
    found = _pre_commit(context)
    if found is None:
        return
    path, document = found
    formatter: Located | None = None
    for _, hook in _hooks(document):
        hook_id, entry = _text(hook.get("id")), _text(hook.get("entry"))
        args = " ".join(
            str(a.value) for a in (hook.get("args") or Located([], 0)).items()
        )
        if hook_id in ("ruff-format", "black") or (
            " format" in f" {entry}" and "ruff" in entry
        ):
            formatter = formatter or hook
        is_fix = (
            hook_id in ("ruff", "ruff-check") or ("ruff" in entry and "check" in entry)
        ) and "--fix" in f"{entry} {args}"
        if is_fix and formatter is not None:
            yield (
                path,
                formatter.line,
                (
                    f"hook {_text(formatter.get('id'))!r} formats before {hook_id!r} fixes: run ruff check --fix first"
                ),
            )
            return


@file_check(HOSTED_HOOK)
def hosted_hook(context: Context) -> Iterator[Hit]:
    found = _pre_commit(context)
    if found is None:
        return
    path, document = found
    repos = document.get("repos")
    for repo in repos.items() if repos else []:
        url = _text(repo.get("repo"))
        if url not in ("local", "meta"):
            yield (
                path,
                repo.line,
                f"hooks from {url}: pre-commit clones it and builds its environment, online, unlocked; run the tool from the project (repo: local, uv run ...)",
            )
            continue
        if url == "meta":
            continue
        hooks = repo.get("hooks")
        for hook in hooks.items() if hooks else []:
            language = _text(hook.get("language"))
            if (
                language not in SYSTEM_LANGUAGES
                or hook.get("additional_dependencies") is not None
            ):
                yield (
                    path,
                    hook.line,
                    (
                        f"hook {_text(hook.get('id'))!r} (language: {language or 'missing'}) builds its own environment "
                        "from the network: use language: system with uv run"
                    ),
                )


@file_check(UNLOCKED_ENTRY)
def hook_outside_uv(context: Context) -> Iterator[Hit]:
    found = _pre_commit(context)
    if found is None:
        return
    path, document = found
    for repo, hook in _hooks(document):
        if _text(repo.get("repo")) != "local" or _text(hook.get("language")) not in (
            "system",
            "unsupported",
        ):
            continue
        entry = _text(hook.get("entry"))
        if entry and not entry.startswith(("uv ", "uvx ")):
            yield (
                path,
                hook.line,
                (
                    f"hook {_text(hook.get('id'))!r} runs {entry.split()[0]!r} from PATH: start the entry with "
                    "uv run so it uses the locked version"
                ),
            )


def _taskfile(context: Context) -> tuple[Path, str, Located] | None:
    for name in TASKFILES:
        path = context.project.root / name
        if path in context.project.files and context.project.in_scope(path):
            text = context.text(path)
            if text is None:
                return None
            document = load(text, context.project.relative(path))
            return None if document is None else (path, text, document)
    return None


_TEMPLATE_VAR = re.compile(r"{{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)")


def _strings(node: Located) -> Iterator[tuple[int, str]]:
    if isinstance(node.value, dict):
        for value in node.value.values():
            yield from _strings(value)
    elif isinstance(node.value, list):
        for value in node.value:
            yield from _strings(value)
    elif isinstance(node.value, str):
        yield node.line, node.value


@file_check(UNDECLARED_VAR)
def undeclared_task_variable(context: Context) -> Iterator[Hit]:
    found = _taskfile(context)
    if found is None:
        return
    path, text, document = found
    plain = document.plain()  # the Taskfile as plain data
    if not isinstance(plain, dict):
        return
    declared = (
        set(TASK_SPECIAL_VARS)
        | set(plain.get("vars") or {})
        | set(plain.get("env") or {})
    )
    tasks = document.get("tasks")
    if tasks is None or not isinstance(tasks.value, dict):
        return
    for name, task in tasks.value.items():
        local: set[str] = set()
        if isinstance(task.value, dict):
            local = set(task.plain().get("vars") or {}) | set(
                task.plain().get("env") or {}
            )
            for requirement in (task.plain().get("requires") or {}).get("vars") or []:
                local.add(
                    requirement
                    if isinstance(requirement, str)
                    else str(requirement.get("name"))
                )
        for line, value in _strings(task):
            for variable in _TEMPLATE_VAR.findall(value):
                if variable not in declared | local:
                    number = _line_with(text, line, "{{", variable)
                    yield (
                        path,
                        number,
                        (
                            f"task {name!r} uses {{{{.{variable}}}}}, which is never declared: "
                            "Task renders it as an empty string"
                        ),
                    )


def _line_with(text: str, start: int, *needles: str) -> int:
    lines = text.splitlines()
    for number in range(start, min(len(lines), start + 50) + 1):
        if all(n in lines[number - 1] for n in needles):
            return number
    return start

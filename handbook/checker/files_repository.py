"""Rules on what the repository holds: dependency files, .env files, the
README, the Taskfile, Compose files, and the shape of the package tree."""

import fnmatch
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from handbook.checker.context import Context
from handbook.checker.files import CannotCheck, Hit, file_check, project_rule
from handbook.checker.files_tooling import TASKFILES
from handbook.checker.yaml_lines import Located, load
from handbook.content.locations import line_of

ENV_EXAMPLES = re.compile(
    r"(?i)\.(example|sample|template|dist|defaults?|tpl)$|example|sample|template"
)
LAYER_NAMES = {
    "models",
    "schemas",
    "routers",
    "routes",
    "crud",
    "services",
    "repositories",
    "controllers",
    "endpoints",
    "views",
}
NOT_APP_PACKAGES = {
    "tests",
    "test",
    "scripts",
    "migrations",
    "alembic",
    "docs",
    "benchmarks",
}
COMPOSE_FILES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.*.yaml",
    "compose.*.yml",
    "docker-compose.*.yml",
    "docker-compose.*.yaml",
)

TRACKED_ENV = project_rule(
    "SEC-SECRETS",
    "tracked-env-file",
    "A .env file tracked by git (.env.example and the like excepted): whatever it holds is in every clone.",
)
REQUIREMENTS = project_rule(
    "UV-ONLY",
    "requirements-file",
    "Dependencies declared in requirements*.txt, a Pipfile or [tool.poetry] instead of pyproject.toml and uv.lock.",
)
NO_LOCK = project_rule(
    "UV-ONLY",
    "no-uv-lock",
    "A pyproject.toml with no uv.lock beside it or above it in the repository.",
)
ALEMBIC = project_rule(
    "DB-FROM-ALEMBIC",
    "alembic",
    "Alembic in use (alembic.ini, or alembic among the dependencies): the handbook plans migrations with Atlas.",
)
NO_README = project_rule("DOC-README", "no-readme", "A project without a README.")
NO_TASKFILE = project_rule(
    "TASK-COMMANDS",
    "no-taskfile",
    "A project without a Taskfile.yml: routine commands live in shell scripts or in people's heads.",
    known_problems="A Makefile or justfile that plays the same part is reported too: the handbook names Task.",
)
COMPOSE_UNPINNED = project_rule(
    "DEPLOY-ENV-PARITY",
    "compose-unpinned-image",
    "A Compose service whose image has no tag, or the latest tag.",
)
COMPOSE_UNORDERED = project_rule(
    "DEPLOY-ENV-PARITY",
    "compose-depends-without-condition",
    "A Compose depends_on without a condition: the app starts before its database is ready.",
)
LAYERED = project_rule(
    "STRUCT-DOMAINS",
    "layer-layout",
    "An application package laid out by technical layer (models, schemas, crud, routes side by side) instead of by business domain.",
    known_problems="Judged from names at the package's top level only: a layered package with other names passes.",
)


def _root_files(context: Context, *patterns: str) -> list[Path]:
    return [
        p
        for p in context.project.files
        if p.parent == context.project.root
        and any(fnmatch.fnmatch(p.name, g) for g in patterns)
    ]


def _at_pyproject(context: Context) -> Path | None:
    path = context.project.pyproject
    return path if path is not None and context.project.in_scope(path) else None


@file_check(TRACKED_ENV)
def tracked_env_file(context: Context) -> Iterator[Hit]:
    tracked = context.project.tracked
    if tracked is None:
        raise CannotCheck(
            "not a git work tree: whether a .env file is tracked cannot be told", False
        )
    for path in sorted(tracked):
        name = path.name
        is_env = name == ".env" or name.startswith(".env.") or name.endswith(".env")
        if is_env and not ENV_EXAMPLES.search(name) and context.project.in_scope(path):
            yield (
                path,
                1,
                f"{name} is tracked by git: untrack it (git rm --cached), rotate what it held, and commit a .env.example instead",
            )


@file_check(REQUIREMENTS)
def requirements_file(context: Context) -> Iterator[Hit]:
    for path in context.project.files:
        if fnmatch.fnmatch(path.name, "requirements*.txt") or path.name in (
            "Pipfile",
            "Pipfile.lock",
        ):
            yield (
                path,
                1,
                f"{path.name} declares dependencies outside uv: declare them in pyproject.toml with uv add",
            )
    found = _at_pyproject(context)
    if found is not None:
        text = context.text(found) or ""
        if "[tool.poetry" in text:
            yield (
                found,
                line_of(text, "[tool.poetry"),
                "[tool.poetry] manages dependencies: move them to [project] and uv",
            )


@file_check(NO_LOCK)
def no_uv_lock(context: Context) -> Iterator[Hit]:
    pyproject = _at_pyproject(context)
    if pyproject is None:
        return
    stop = context.project.git_root
    for directory in (pyproject.parent, *pyproject.parent.parents):
        if (directory / "uv.lock").is_file():
            return
        if directory == stop:
            break
    yield (
        pyproject,
        1,
        "no uv.lock: run uv lock and commit it, so every install resolves the same versions",
    )


@file_check(ALEMBIC)
def alembic(context: Context) -> Iterator[Hit]:
    ini = [p for p in context.project.files if p.name == "alembic.ini"]
    if ini:
        yield (
            ini[0],
            1,
            "Alembic migrations: plan them with Atlas from the models (see the page for each Alembic habit's counterpart)",
        )
        return
    pyproject = _at_pyproject(context)
    if pyproject is None:
        return
    text = context.text(pyproject) or ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    project = data.get("project", {})
    dependencies = project.get("dependencies", []) if isinstance(project, dict) else []
    for dependency in dependencies if isinstance(dependencies, list) else []:
        if re.match(r"^alembic\b", str(dependency).strip(), re.IGNORECASE):
            yield (
                pyproject,
                line_of(text, f'"{dependency}'),
                "alembic is a dependency: plan migrations with Atlas",
            )


@file_check(NO_README)
def no_readme(context: Context) -> Iterator[Hit]:
    pyproject = _at_pyproject(context)
    if pyproject is not None and not any(
        (context.project.root / name).is_file()
        for name in ("README.md", "README.rst", "README.txt", "README")
    ):
        yield (
            pyproject,
            1,
            "no README: say what the service does and how to run it, with commands a test runs",
        )


@file_check(NO_TASKFILE)
def no_taskfile(context: Context) -> Iterator[Hit]:
    pyproject = _at_pyproject(context)
    if pyproject is None:
        return
    roots = {context.project.root}
    if context.project.git_root is not None:
        roots.add(context.project.git_root)
    if not any((root / name).is_file() for root in roots for name in TASKFILES):
        yield (
            pyproject,
            1,
            "no Taskfile.yml: make every routine command (install, test, lint, run, migrate) a task",
        )


def _compose_services(context: Context) -> Iterator[tuple[Path, str, Located]]:
    for path in _root_files(context, *COMPOSE_FILES):
        if not context.project.in_scope(path):
            continue
        text = context.text(path)
        if text is None:
            continue
        document = load(text, context.project.relative(path))
        services = document.get("services") if document else None
        if services is None or not isinstance(services.value, dict):
            continue
        for name, service in services.value.items():
            yield path, name, service


@file_check(COMPOSE_UNPINNED)
def compose_unpinned(context: Context) -> Iterator[Hit]:
    for path, name, service in _compose_services(context):
        image = service.get("image")
        if image is None or not isinstance(image.value, str) or "${" in image.value:
            continue
        reference = image.value.split("@")[0]
        tag = (
            reference.rsplit(":", 1)[1] if ":" in reference.rsplit("/", 1)[-1] else None
        )
        if "@" in image.value:
            continue
        if tag is None or tag == "latest":
            yield (
                path,
                image.line,
                f"service {name!r} runs image {image.value!r} without a version: pin the one the tests use",
            )


@file_check(COMPOSE_UNORDERED)
def compose_depends(context: Context) -> Iterator[Hit]:
    for path, name, service in _compose_services(context):
        depends = service.get("depends_on")
        if depends is None:
            continue
        if isinstance(depends.value, list):
            yield (
                path,
                depends.line,
                f"service {name!r} depends_on without a condition: use condition: service_healthy",
            )
        elif isinstance(depends.value, dict):
            for other, spec in depends.value.items():
                if spec.get("condition") is None:
                    yield (
                        path,
                        spec.line,
                        f"service {name!r} depends on {other!r} without a condition: use condition: service_healthy",
                    )


def application_packages(context: Context) -> list[Path]:
    """Top-level packages of the files checked: a directory with __init__.py
    whose parent has none (found on disk, so a commit's few files are enough)."""
    packages = set()
    for path in context.project.files:
        if path.suffix != ".py" or not (path.parent / "__init__.py").is_file():
            continue
        directory = path.parent
        while (directory.parent / "__init__.py").is_file():
            directory = directory.parent
        if directory.name not in NOT_APP_PACKAGES:
            packages.add(directory)
    return sorted(packages)


@file_check(LAYERED)
def layer_layout(context: Context) -> Iterator[Hit]:
    for package in application_packages(context):
        children = [p for p in package.iterdir() if not p.name.startswith((".", "_"))]
        layers = sorted(
            p
            for p in children
            if p.stem in LAYER_NAMES
            and (p.suffix == ".py" or (p / "__init__.py").is_file())
        )
        subpackages = [
            p
            for p in children
            if (p / "__init__.py").is_file() and p.stem not in LAYER_NAMES
        ]
        layer_dirs = [p for p in layers if p.is_dir()]
        if layer_dirs or (len(layers) >= 2 and subpackages):
            names = ", ".join(p.name + ("/" if p.is_dir() else "") for p in layers)
            yield (
                package / "__init__.py",
                1,
                (
                    f"{package.name}/ is laid out by layer ({names}): group code by business domain, "
                    "each domain with its own models, schemas, service and router"
                ),
            )

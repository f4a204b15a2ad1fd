"""What the numbers were measured on: the machine and every version involved."""

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

# Distribution names as PyPI spells them; "redis" is the client library.
PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "h11",
    "sqlalchemy",
    "asyncpg",
    "argon2-cffi",
    "pwdlib",
    "redis",
    "pydantic",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model and OS of this machine, and how busy it was."""
    return {
        "cores": os.cpu_count() or 0,
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_bytes": _memory_bytes(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        # The 1-minute load average when the run began: other work on a
        # shared machine moves every number, and this says how much there was.
        "load_average_at_start": load_average(),
    }


def load_average() -> float:
    """The 1-minute load average: how busy the machine was."""
    return round(os.getloadavg()[0], 2)


def package_versions() -> dict[str, str]:
    """Python and the installed versions of the libraries the scenarios use."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        versions[name] = metadata.version(name)
    return versions


def git_commit(repo: Path) -> str | None:
    """The commit the measured code was at, if this is a git checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            # "-dirty" when the working tree had uncommitted changes.
            [git, "describe", "--always", "--dirty", "--abbrev=40"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip() or None

"""The site's fingerprint: what every page of a build depends on, hashed.

The build cache (:mod:`handbook.site.build_cache`) puts it in every key: a
change to any of it makes every entry unusable. It covers the cache's
format, Python, every installed distribution (name and version), the
working directory (snippets are included from it), mkdocs.yml and the
settings environment variables or the command line change, the theme
overrides, the source of the build's own code as it was loaded, and the
level MkDocs logs at.
"""

import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

FORMAT = 1
"""Bump when what a cache entry holds, or how a key is made, changes."""

Json = Any
"""A value json.dumps writes and json.loads gives back unchanged."""


def hash_of(data: str | bytes) -> str:
    """SHA-256 of ``data``, as hex."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def key_of(*parts: Json) -> str:
    """A cache key: the hash of ``parts`` as JSON (dates and paths as text)."""
    return hash_of(json.dumps(parts, sort_keys=True, default=str))


_FIRST_LOADED: dict[str, str] = {}
"""The source of each module of the build as it was first loaded in this process."""


def loaded_code(repo_root: Path) -> dict[str, str] | None:
    """The source hash of every module of the repository the build has loaded,
    or None when a file changed since this process loaded it: the code that
    runs is then not the code on disk (``mkdocs serve`` re-runs the hooks
    module on a rebuild, but not the modules it imports)."""
    found: dict[str, str] = {}
    root, environment = f"{repo_root}{os.sep}", f"{sys.prefix}{os.sep}"
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None) or ""
        if not file.startswith(root) or file.startswith(environment):
            continue
        digest = hash_of(Path(file).read_bytes())
        if _FIRST_LOADED.setdefault(file, digest) != digest:
            return None
        found[file.removeprefix(root)] = digest
    return found


def _distributions() -> list[str]:
    """Every installed distribution, as its metadata directory names it
    (``mkdocs-1.6.1.dist-info``): the name and the version, for free."""
    found: set[str] = set()
    for entry in sys.path:
        if entry.endswith("site-packages") and os.path.isdir(entry):
            found.update(
                name
                for name in os.listdir(entry)
                if name.endswith((".dist-info", ".egg-info"))
            )
    return sorted(found)


def _tree(directory: Path) -> dict[str, str]:
    """Every file under ``directory``, by relative path, with its content hash."""
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): hash_of(path.read_bytes())
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def site_fingerprint(config: MkDocsConfig, code: dict[str, str]) -> str:
    """What every page of this site depends on, hashed."""
    config_file = Path(config.config_file_path)
    custom_dir = config.theme.custom_dir
    return key_of(
        FORMAT,
        sys.version,
        os.getcwd(),
        _distributions(),
        hash_of(config_file.read_bytes()),
        {
            "site_url": config.site_url,
            "published_url": config.extra.get("published_url"),
            "repo_url": config.repo_url,
            "edit_uri": config.edit_uri,
            "use_directory_urls": config.use_directory_urls,
            "docs_dir": config.docs_dir,
            "theme": config.theme.name,
        },
        _tree(Path(custom_dir)) if custom_dir else {},
        code,
        # An entry holds what its render logged at this level: `mkdocs build
        # -q` logs no warnings, and its entries must not silence a later
        # build's (a broken link would pass --strict).
        logging.getLogger("mkdocs").getEffectiveLevel(),
    )

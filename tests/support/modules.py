"""Run a Python file as a module of its own, outside any package."""

import importlib.util
from pathlib import Path
from types import ModuleType


def module_from_file(name: str, path: Path) -> ModuleType:
    """A fresh module ``name`` from ``path``; not registered in ``sys.modules``.

    For files that are no package's module (``snippets/scripts/``), and for
    reading a module's definitions as shipped, under the tests' patches.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""Which modules of the reference service get an API page (mkdocstrings)."""

from pathlib import Path

SNIPPETS_ROOT = Path(__file__).resolve().parent.parent / "snippets"


def api_modules(root: Path = SNIPPETS_ROOT, package: str = "shop") -> list[str]:
    """Dotted names of every module of the service, packages included."""
    modules = []
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    return modules

"""Which modules of the reference service get an API page (mkdocstrings)."""

from pathlib import Path

SNIPPETS_ROOT = Path(__file__).resolve().parents[2] / "snippets"


def api_modules(root: Path = SNIPPETS_ROOT, package: str = "shop") -> list[str]:
    """Dotted names of every module of the service, packages included."""
    modules = []
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    return modules


def module_source_path(module: str, root: Path = SNIPPETS_ROOT) -> Path:
    """The file that defines a module: ``shop.core`` -> snippets/shop/core/__init__.py."""
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def api_page(module: str, repo_url: str | None, repo_root: Path) -> str:
    """A module's reference page: its docstrings and signatures, and a link to
    its source in the repository rather than the source rendered again (the
    principle pages quote the code that matters, and rendering every
    function's source was most of the API pages' build time and weight)."""
    source = module_source_path(module).relative_to(repo_root).as_posix()
    page = f"# `{module}`\n\n"
    if repo_url:
        page += f"Source: [`{source}`]({repo_url.rstrip('/')}/blob/main/{source})\n\n"
    return page + f"::: {module}\n"

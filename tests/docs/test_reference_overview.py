"""The reference service's overview page shows the tree as it is."""

import re

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, tracked_files
from handbook.content.fences import find_fences

PAGE = DOCS_DIR / "reference" / "index.md"


def _tree() -> str:
    return next(
        b.source for b in find_fences(PAGE) if b.source.startswith("snippets/\n")
    )


def _shown_tree() -> set[str]:
    return set(re.findall(r"[├└]── (\S+)", _tree()))


def _modules_shown() -> dict[str, set[str]]:
    """Each package of shop/ in the tree, with the modules its comment names:
    a comment runs on over the lines below it, a leading "label:" and the
    notes in brackets are not names."""
    shown: dict[str, list[str]] = {}
    package = ""
    for line in _tree().splitlines():
        entry = re.match(r"[│ ]*[├└]── (\w+)/\s+#(.*)", line)
        if entry and line.startswith(("│   ├", "│   └")):
            package = entry[1]
            shown[package] = [entry[2]]
        elif package and (more := re.match(r"[│ ]+#(.*)", line)):
            shown[package].append(more[1])
        else:
            package = ""
    names = {}
    for name, parts in shown.items():
        comment = re.sub(r"\([^)]*\)", "", " ".join(parts))
        comment = re.sub(r"^\s*\w+:", "", comment)
        names[name] = {word.strip() for word in comment.split(",")}
    return names


def test_the_tree_names_every_package_of_the_service() -> None:
    packages = {
        f"{path.name}/"
        for path in (REPO_ROOT / "snippets" / "shop").iterdir()
        if (path / "__init__.py").is_file()
    }

    missing = packages - _shown_tree()
    assert not missing, f"{PAGE}: the tree lacks {sorted(missing)}"


def test_each_package_s_comment_names_exactly_its_modules() -> None:
    shown = _modules_shown()
    for package, names in shown.items():
        modules = {
            path.stem
            for path in (REPO_ROOT / "snippets" / "shop" / package).glob("*.py")
            if path.name != "__init__.py"
        }
        assert names == modules, (
            f"{PAGE}: the comment of shop/{package}/ names "
            f"{sorted(names - modules)} that do not exist and lacks {sorted(modules - names)}"
        )
    assert set(shown) == {"core", "catalog", "users", "orders", "shared"}


def test_the_tree_names_everything_committed_at_the_top_of_snippets() -> None:
    tracked = tracked_files("snippets")
    top_level = {
        name.split("/")[1] + ("/" if name.count("/") > 1 else "") for name in tracked
    }
    # Its own README is where the reader of snippets/ starts, not a part.
    missing = top_level - {"README.md"} - _shown_tree()
    assert not missing, f"{PAGE}: the tree lacks {sorted(missing)}"

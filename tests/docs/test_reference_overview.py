"""The reference service's overview page shows the tree as it is."""

import re

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, tracked_files
from handbook.content.fences import find_fences

PAGE = DOCS_DIR / "reference" / "index.md"


def _shown_tree() -> set[str]:
    tree = next(b for b in find_fences(PAGE) if b.source.startswith("snippets/\n"))
    return set(re.findall(r"[├└]── (\S+)", tree.source))


def test_the_tree_names_every_package_of_the_service() -> None:
    packages = {
        f"{path.name}/"
        for path in (REPO_ROOT / "snippets" / "shop").iterdir()
        if (path / "__init__.py").is_file()
    }

    missing = packages - _shown_tree()
    assert not missing, f"{PAGE}: the tree lacks {sorted(missing)}"


def test_the_tree_names_everything_committed_at_the_top_of_snippets() -> None:
    tracked = tracked_files("snippets")
    top_level = {
        name.split("/")[1] + ("/" if name.count("/") > 1 else "") for name in tracked
    }
    # Its own README is where the reader of snippets/ starts, not a part.
    missing = top_level - {"README.md"} - _shown_tree()
    assert not missing, f"{PAGE}: the tree lacks {sorted(missing)}"

"""Evidence for STRUCT-DOMAINS: Code is grouped by business domain, and domains meet through interfaces.

Each test reproduces a claim docs/principles/structure/domain-packages.md makes,
against the real tool, library or service.
"""

import re

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.pages import block_titled

DOMAINS_PAGE = DOCS_DIR / "principles" / "structure" / "domain-packages.md"


SNIPPETS = REPO_ROOT / "snippets"


TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ] {3}|    )*)(?:[├└]── )?(?P<name>[^\s#]+)")


def _tree_paths(tree: str) -> set[str]:
    """The paths a ``tree``-style listing shows, relative to its root line."""
    paths: set[str] = set()
    parents: list[str] = []
    for line in tree.splitlines()[1:]:
        match = TREE_LINE.match(line)
        assert match, f"not a tree line: {line!r}"
        depth = len(match["indent"]) // 4
        name = match["name"].rstrip("/")
        parents[depth:] = [name]
        paths.add("/".join(parents))
    return paths


def test_the_domain_tree_on_the_page_is_the_real_layout_of_snippets_shop() -> None:
    shown = _tree_paths(block_titled(DOMAINS_PAGE, "snippets/shop/").source)
    shop = SNIPPETS / "shop"
    real = {
        path.relative_to(shop).as_posix()
        for path in shop.rglob("*")
        if "__pycache__" not in path.parts
    }

    assert shown == real, (
        f"{DOMAINS_PAGE}: the tree is out of date; "
        f"missing {sorted(real - shown)}, not there {sorted(shown - real)}"
    )

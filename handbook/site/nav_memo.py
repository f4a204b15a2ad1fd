"""The navigation's branches, each rendered once for the pages it looks the same on.

Every page shows the whole navigation, and rendering it was about a sixth
of a clean build's templating (overrides/partials/nav-item.html, once per
item per page). A branch that does not hold the page being built (not
active) renders the same on every page from which its links read the
same: its items, their titles and its place in the tree are the build's,
and its links are relative to the page (MkDocs' ``url`` filter). The memo
keys a branch by all of that, with each link as that page would write it,
and keeps what it rendered to, for this build only.
"""

import jinja2
from mkdocs.structure import StructureItem
from mkdocs.structure.nav import Section
from mkdocs.structure.pages import Page
from mkdocs.utils import normalize_url

Key = tuple[int, str, int, bool, tuple[str, ...]]


class NavMemo:
    """The branches rendered so far in one build (a template global)."""

    def __init__(self) -> None:
        self.rendered: dict[Key, str] = {}
        self._urls: dict[int, tuple[str, ...]] = {}

    def key(
        self,
        item: StructureItem,
        path: object,
        level: int,
        parent: object,
        page: object,
        base_url: str,
    ) -> Key | None:
        """The branch's key on ``page``, or None for the page's own branch."""
        if getattr(item, "active", False) or not isinstance(page, Page):
            return None
        links = tuple(
            normalize_url(url, page=page, base=base_url) for url in self._links(item)
        )
        # The parent's state is read for Material's navigation.tabs only;
        # kept in the key all the same.
        top = isinstance(parent, jinja2.Undefined)  # the top level passes none
        parent_active = not top and bool(getattr(parent, "active", False))
        return (id(item), str(path), level, parent_active, links)

    def has(self, key: Key | None) -> bool:
        return key is not None and key in self.rendered

    def get(self, key: Key) -> str:
        return self.rendered[key]

    def keep(self, key: Key | None, html: str) -> str:
        if key is not None:
            self.rendered[key] = html
        return html

    def _links(self, item: StructureItem) -> tuple[str, ...]:
        """The URL of every page and link in the branch."""
        if id(item) not in self._urls:
            if isinstance(item, Section):
                urls = tuple(
                    url for child in item.children for url in self._links(child)
                )
            else:
                urls = (str(getattr(item, "url", "")),)
            self._urls[id(item)] = urls
        return self._urls[id(item)]

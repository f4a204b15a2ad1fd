"""The build cache knows a page documents code wherever mkdocstrings would
render its ``:::`` block: such a page's cached render is checked against
every Python file, and rendered in order with the other reference pages."""

import pytest

from handbook.site.build_cache import documents_code

# mkdocstrings' autodoc is a block processor: Markdown hands it the content
# of an admonition, a tab, a list item or a block quote with the
# indentation or the ``>`` removed, and it renders the block there too.
NESTED_BLOCKS = {
    "top level": "::: shop.shared.exceptions\n",
    "with a heading level": "## ::: shop.shared.exceptions.NotFoundError\n",
    "in an admonition": (
        '!!! note "The error most handlers raise"\n\n'
        "    ::: shop.shared.exceptions.NotFoundError\n"
    ),
    "in a content tab": '=== "Errors"\n\n    ::: shop.shared.exceptions\n',
    "in a list item": "- The errors:\n\n    ::: shop.shared.exceptions\n",
    "in a block quote": "> ::: shop.shared.exceptions\n",
}


@pytest.mark.parametrize("markdown", NESTED_BLOCKS.values(), ids=NESTED_BLOCKS)
def test_a_page_with_an_autodoc_block_at_any_depth_documents_code(
    markdown: str,
) -> None:
    assert documents_code(markdown)


def test_a_page_without_an_autodoc_block_does_not_document_code() -> None:
    assert not documents_code("# Errors\n\nSee `shop.shared.exceptions`.\n")
    assert not documents_code("A ratio of 3:::1 is not a block.\n")

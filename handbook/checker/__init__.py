"""``principles check``: the handbook applied to a repository.

Every finding names the principle it breaks, its level and its short URL.
The checker wraps the field's tools (Ruff, grimp, squawk, hadolint) where
they already see the problem, and checks the rest itself on the ``ast``.
Its rule data (IDs, levels, titles, Why, review comments) ships inside the
package as ``data/principles.json``, generated from the handbook's registry,
so it works from an installed wheel that has no ``docs/`` tree.
"""

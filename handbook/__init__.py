"""The handbook site's own code: the principle registry, page assembly and checks.

Nothing here is shown on a page; the code the pages quote lives in ``snippets/``.
"""

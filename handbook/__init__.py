"""The handbook site's own code, in sub-packages by role; the imports point down.

``content`` is the handbook's content, loaded and checked; ``site`` builds the
MkDocs site from it; ``checks`` are the repository checks the tests run;
``tools`` are developer commands; ``checker`` is ``principles check``.
``tests/test_layers.py`` holds them to one direction, and README.md draws it.

Nothing here is shown on a page; the code the pages quote lives in ``snippets/``.
"""

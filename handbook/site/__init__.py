"""The MkDocs build: the hooks, the site model and the renderers of generated pages.

``mkdocs.yml`` loads ``handbook/site/mkdocs_hooks.py``; everything it runs is
here, from the site model read in ``on_config`` to the build cache. It may
import ``handbook.content``, ``handbook.checker`` (which rules check each
principle, shown on every page) and ``benchmarks.results`` (the measurements
the pages cite); never ``checks`` or ``tools``.
"""

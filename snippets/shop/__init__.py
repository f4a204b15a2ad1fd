"""A small shop API: the reference service of the handbook.

Code is grouped by business domain (``users``, ``orders``), with application
wiring in ``core`` and the few truly shared pieces in ``shared``.
"""

"""A small shop API: the reference service of the handbook.

Code is grouped by business domain (``users``, ``orders``, ``catalog``), with
application wiring in ``core`` and the pieces every domain uses in ``shared``.
"""

"""Developer commands, each run as ``uv run python -m handbook.tools.<name>``.

``task docs``, ``task check``, ``task audit``, ``task falsify`` and the
prerequisites ``task test`` installs, with the helpers the browser tests
share (axe, the static server). The top of the house: they may import
``handbook.content``, ``handbook.site`` and ``handbook.checks``; nothing in
``handbook`` imports them.
"""

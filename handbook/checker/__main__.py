"""``python -m handbook.checker`` is the ``principles`` command."""

from handbook.checker.cli import entry_point

entry_point()

"""``uv run task bench``: the handbook's performance principles, measured.

Each scenario runs against the reference service's own code and a real
PostgreSQL (and Redis) started on this machine, repeats its measurement,
discards the warm-up runs and writes every raw sample with its summary to
``docs/_data/benchmarks.json``. The docs build renders that file as the
"Measured performance" page; pages cite its numbers, never type them.
"""

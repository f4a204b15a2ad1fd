"""What the source document's own code and commands do when they are run.

Each test takes a statement of the source as it is written (read from
``docs/_data/source-document.md`` by its anchor), runs it with the real tool
in a scratch directory, and asserts the failure or misbehaviour that its
verdict in ``docs/_data/verdicts.yml`` reports. The verdicts name these
tests; the Corrections page copies their output. One module per part of
the source.
"""

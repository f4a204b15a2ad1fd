"""The handbook's content as typed data, read from docs/ and checked.

The principle registry and its front matter, the page anatomy, Markdown
documents and their fenced blocks, includes and named snippet sections, the
source document and the verdicts on it, departures, evidence modules,
placeholders, the review comment, and errors that name a file and line.
Every other sub-package builds on this one; it imports none of them (no
``site``, ``checks``, ``tools`` or ``checker``), only the standard library
and third-party packages.
"""

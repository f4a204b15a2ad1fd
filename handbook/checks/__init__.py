"""Repository checks the tests run: absolutes, counterfactuals, source coverage.

Each reads the repository and reports what breaks a rule of the handbook,
with its file and line; the site build never runs them. They may import
``handbook.content`` only.
"""

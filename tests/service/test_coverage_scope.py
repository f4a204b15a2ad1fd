"""Where `task test` measures coverage of snippets/ (tests/conftest.py).

The service's tests and the principles' evidence run traced whenever
coverage is on; every other folder runs with the tracer paused
(tests/test_coverage_scope.py), so only these can hold the 100 %.
"""

import sys

from coverage import Coverage


def test_the_service_tests_run_traced_whenever_coverage_is_on(
    cov: Coverage | None,
) -> None:
    assert (sys.gettrace() is not None) == (cov is not None)

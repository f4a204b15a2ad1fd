"""Outside the service's tests and the principles' evidence, no tracer runs.

`task test` measures coverage of snippets/ with the tracer paused here
(tests/conftest.py): a tracer slows every Python call, and a service line
only these tests ran would hide a gap in the service's own tests
(tests/service/test_coverage_scope.py).
"""

import sys


def test_a_test_outside_the_measured_folders_runs_without_a_tracer() -> None:
    assert sys.gettrace() is None

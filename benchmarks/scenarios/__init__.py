"""The scenarios, in the order they run and the page shows them.

Each module has ``INFO`` (what it measures, in words the page shows) and
``run(environment, plan)``, which measures and returns the scenario's results.
"""

from benchmarks.runner import RunScenario
from benchmarks.scenarios import (
    blocking,
    etag,
    n_plus_one,
    pagination,
    password_hashing,
    pooling,
    redis_cache,
)

SCENARIOS: dict[str, RunScenario] = {
    module.INFO.name: module.run
    for module in (
        n_plus_one,
        pagination,
        blocking,
        pooling,
        etag,
        password_hashing,
        redis_cache,
    )
}

"""Typed access to the resources the app's lifespan yields.

The lifespan (``shop.core.main``) creates every shared resource and yields
them as one mapping, Starlette's *lifespan state*: the server copies it into
each request's scope under ``"state"``. Dependencies and middleware read a
resource through ``lifespan_resource``, which checks its type, so nothing
reads shared state through an untyped attribute and a cast.
"""

from starlette.types import Scope


class LifespanNotRunError(RuntimeError):
    """A request arrived without the resources the lifespan creates."""


# --8<-- [start:lifespan-resource]
def lifespan_resource[T](scope: Scope, name: str, kind: type[T]) -> T:
    """The resource the lifespan yielded as ``name``, checked to be a ``kind``.

    Raises ``LifespanNotRunError`` when the request's scope has none: the app
    was called without running its lifespan (httpx's ``ASGITransport`` alone
    does that), so it has no pool, no cache and no settings to serve with.
    """
    state = scope.get("state", {})
    if name not in state:
        raise LifespanNotRunError(
            f"no {name!r} in the request's lifespan state: run the app's "
            "lifespan first (uvicorn does; in tests, shop_fixtures.running)"
        )
    resource = state[name]
    if not isinstance(resource, kind):
        raise TypeError(
            f"lifespan state {name!r} is a {type(resource).__name__}, "
            f"not a {kind.__name__}"
        )
    return resource
    # --8<-- [end:lifespan-resource]

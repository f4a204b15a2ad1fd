"""Domain exceptions.

Services raise these; they know nothing about HTTP. ``shop.core.errors`` maps
each one to a status code and the common error body, in one place.
"""

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """Base class of every error a service raises on purpose."""

    # Seconds after which the same request may succeed (``Retry-After``);
    # None for errors that retrying does not cure.
    retry_after_seconds: int | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The requested resource does not exist, or the caller may not know it does."""


class ConflictError(DomainError):
    """The request contradicts the current state, e.g. a duplicate email."""


class UnauthorizedError(DomainError):
    """The caller is not authenticated: no, invalid or expired credentials."""


class ForbiddenError(DomainError):
    """The caller is authenticated but not allowed to do this."""


# Seconds a client waits before retrying a request a dependency's outage
# refused. A choice, not a measurement: an outage has no known end. Long
# enough that every client retrying at once does not add to the load of a
# database that is coming back; short enough that a restart or a failover
# is not waited out for long.
OUTAGE_RETRY_AFTER_SECONDS = 5


class ServiceUnavailableError(DomainError):
    """A dependency the request needs (e.g. the database) is not reachable."""

    retry_after_seconds: int | None = OUTAGE_RETRY_AFTER_SECONDS


class ServiceBusyError(ServiceUnavailableError):
    """Too much of this work is already queued; the request may be retried."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class TooManyRequestsError(DomainError):
    """The caller (or the account it names) spent its allowance; retry later."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class FieldProblem:
    """One field of a service's input that it cannot use, and why.

    ``loc`` is the field's path in that input, ``("items", 1, "sku")``;
    ``type`` is a stable, machine-readable name of the problem.
    """

    loc: tuple[str | int, ...]
    message: str
    type: str


class UnprocessableError(DomainError):
    """The request is well-formed but names something that cannot be used.

    ``problems`` says which fields: a rule a schema cannot check (does this
    SKU exist?) fails a field as surely as one it can.
    """

    def __init__(self, message: str, *, problems: Sequence[FieldProblem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

"""Brute-force limits on sign-in and registration (SEC-BRUTE-FORCE).

Failed password checks are counted per account and per client address;
every password check, whatever its outcome, per client address over a
short window; registrations per client address. The counts live in the shared limiter
(``shop.shared.rate_limit``), so every worker process sees them all.
"""

import hashlib
import hmac
import ipaddress
import logging
from typing import NoReturn

from limits import RateLimitItem

from shop.core.config import Settings
from shop.shared.exceptions import TooManyRequestsError
from shop.shared.rate_limit import SharedRateLimiter, limit_per_window

# The authentication events log (see shop.users.service).
logger = logging.getLogger("shop.auth")

# The window of the per-client limit on password checks. Short, so that a
# client's whole allowance, sent at once, is a short queue at the hasher: a
# longer window with the same rate would let it arrive as one long burst.
PASSWORD_CHECK_WINDOW_SECONDS = 10


def account_pseudonym(email: str, *, key: bytes) -> str:
    """A stable stand-in for an email, for limiter keys and log lines.

    An email is personal data, and an attacker's guesses include addresses
    of people who never registered. The keyed hash lets an operator follow
    attempts on one address (and find them, knowing the address and the
    key) without Redis or the logs holding the address itself.
    """
    digest = hmac.new(key, email.encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def client_group(address: str) -> str:
    """The unit a client address is limited by.

    An IPv4 address is one client. An IPv6 client usually holds a whole /64
    (and can pick any address in it), so it is limited by its /64. An IPv4
    client seen through an IPv6 socket or proxy (``::ffff:203.0.113.9``) is
    still that IPv4 client: grouped by /64, every such client would share
    the one group ``::/64``.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP (a test client, a Unix socket): as given
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class SignInThrottle:
    """Limits password checks per account and per client address.

    Failures count against the client: a success never frees the client's
    allowance, so an attacker cannot reset it by signing in to an account
    of their own. A success does forget the account's failures: the limit
    is on failures in a row (NIST SP 800-63B, section 5.2.2), and only the
    password's holder can produce that success.

    Every check counts against the client's check rate too, successes
    included: each one costs a slow hash, and a client signing in to its
    own accounts over and over would otherwise keep the hashing slots
    busy, and other clients' sign-ins would wait and time out with a 503.
    """

    def __init__(
        self,
        limiter: SharedRateLimiter,
        *,
        window_seconds: int,
        failures_per_account: int,
        failures_per_client: int,
        checks_per_client: int,
        registrations_per_client: int,
        pseudonym_key: bytes,
    ) -> None:
        self.limiter = limiter
        self.per_account = limit_per_window(failures_per_account, window_seconds)
        self.per_client = limit_per_window(failures_per_client, window_seconds)
        self.checks_per_client = limit_per_window(
            checks_per_client, PASSWORD_CHECK_WINDOW_SECONDS
        )
        self.registrations = limit_per_window(registrations_per_client, 3600)
        self.pseudonym_key = pseudonym_key

    def pseudonym(self, email: str) -> str:
        """The account's stand-in in limiter keys and logs."""
        return account_pseudonym(email, key=self.pseudonym_key)

    def _account_key(self, email: str) -> str:
        """The account's key in the limiter: its pseudonym, never its email."""
        return f"sign-in:account:{self.pseudonym(email)}"

    # --8<-- [start:sign-in-throttle]
    async def before_password_check(
        self, email: str, client: str, *, user_id: int | None = None
    ) -> None:
        """Refuse with 429 while the client or the account is locked out.

        ``user_id`` is the account's, when its row was read first (a
        password change): the refusal's log line then names it by id too.

        The client's check is counted here, in one atomic step, before the
        queue at the hasher that its rate keeps short. The client's failures
        are only read here and counted after a failure, so that successes
        never count against them: requests already past this point when the
        client reaches its failure limit still get their check. The
        account's attempts are only read here: ``count_attempt`` counts
        them. The right password is refused too while locked out, or every
        guess would still be tested and only the wrong ones refused.
        """
        group = client_group(client)
        client_key = f"sign-in:client:{group}"
        if not await self.limiter.allows(self.per_client, client_key):
            await self._refuse(
                "client", self.per_client, client_key, email, client, user_id
            )
        checks_key = f"sign-in:checks:{group}"
        if not await self.limiter.hit(self.checks_per_client, checks_key):
            await self._refuse(
                "checks", self.checks_per_client, checks_key, email, client, user_id
            )
        account_key = self._account_key(email)
        if not await self.limiter.allows(self.per_account, account_key):
            await self._refuse(
                "account", self.per_account, account_key, email, client, user_id
            )

    async def count_attempt(
        self, email: str, client: str, *, user_id: int | None = None
    ) -> None:
        """Count the account's attempt, in one atomic step; 429 past its limit.

        The hasher runs this once it holds a slot, just before the hash: an
        attempt answered 503 (the database down, the queue full) checked no
        password and is not counted.
        """
        account_key = self._account_key(email)
        if not await self.limiter.hit(self.per_account, account_key):
            await self._refuse(
                "account", self.per_account, account_key, email, client, user_id
            )

    async def after_failure(self, client: str) -> None:
        """Count a wrong password against the client (the account's is counted)."""
        await self.limiter.hit(
            self.per_client, f"sign-in:client:{client_group(client)}"
        )

    async def after_success(self, email: str) -> None:
        """Forget the account's failures; the client's stay counted."""
        await self.limiter.clear(self.per_account, self._account_key(email))
        # --8<-- [end:sign-in-throttle]

    async def before_registration(self, client: str) -> None:
        """Count a registration; refuse with 429 past the client's limit."""
        key = f"register:client:{client_group(client)}"
        if not await self.limiter.hit(self.registrations, key):
            retry_after = await self.limiter.retry_after_seconds(
                self.registrations, key
            )
            logger.warning(
                "registration throttled",
                extra={"client": client, "retry_after_seconds": retry_after},
            )
            raise TooManyRequestsError(
                "Too many registrations from this address; try again later",
                retry_after_seconds=retry_after,
            )

    async def _refuse(
        self,
        scope: str,
        limit: RateLimitItem,
        key: str,
        email: str,
        client: str,
        user_id: int | None,
    ) -> NoReturn:
        retry_after = await self.limiter.retry_after_seconds(limit, key)
        logger.warning(
            # Only a password change reads the account before its check.
            "sign-in throttled" if user_id is None else "password change throttled",
            extra={
                "user_id": user_id,
                "account": self.pseudonym(email),
                "client": client,
                "limit": scope,
                "retry_after_seconds": retry_after,
            },
        )
        raise TooManyRequestsError(_REFUSALS[scope], retry_after_seconds=retry_after)


_REFUSALS = {
    "client": "Too many failed sign-ins; try again later",
    "account": "Too many failed sign-ins; try again later",
    "checks": "Too many password checks from this address; try again shortly",
}


def create_sign_in_throttle(
    limiter: SharedRateLimiter, settings: Settings
) -> SignInThrottle:
    """The app's throttle, with the limits from ``settings``."""
    secret = settings.jwt_secret.get_secret_value().encode()
    return SignInThrottle(
        limiter,
        window_seconds=settings.throttle_window_seconds,
        failures_per_account=settings.sign_in_failures_per_account,
        failures_per_client=settings.sign_in_failures_per_client,
        checks_per_client=settings.password_checks_per_client,
        registrations_per_client=settings.registrations_per_client,
        # Derived from the app's secret for this use only, as cursor keys are.
        pseudonym_key=hmac.new(
            secret, b"shop account pseudonym", hashlib.sha256
        ).digest(),
    )

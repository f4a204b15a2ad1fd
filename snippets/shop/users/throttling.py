"""Brute-force limits on sign-in and registration (SEC-BRUTE-FORCE).

Failed password checks are counted per account and per client address;
registrations per client address. The counts live in the shared limiter
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
    """Limits failed password checks per account and per client address.

    Only failures count: a success never frees the client's allowance, so
    an attacker cannot reset it by signing in to an account of their own.
    A success does forget the account's failures: the limit is on failures
    in a row (NIST SP 800-63B, section 5.2.2), and only the password's
    holder can produce that success.
    """

    def __init__(
        self,
        limiter: SharedRateLimiter,
        *,
        window_seconds: int,
        failures_per_account: int,
        failures_per_client: int,
        registrations_per_client: int,
        pseudonym_key: bytes,
    ) -> None:
        self.limiter = limiter
        self.per_account = limit_per_window(failures_per_account, window_seconds)
        self.per_client = limit_per_window(failures_per_client, window_seconds)
        self.registrations = limit_per_window(registrations_per_client, 3600)
        self.pseudonym_key = pseudonym_key

    def pseudonym(self, email: str) -> str:
        """The account's stand-in in limiter keys and logs."""
        return account_pseudonym(email, key=self.pseudonym_key)

    # --8<-- [start:sign-in-throttle]
    async def before_password_check(self, email: str, client: str) -> None:
        """Refuse with 429 while the client or the account is locked out.

        The account's attempt is counted here, before the check, in one
        atomic step: parallel guesses cannot all slip past the limit. The
        client's is only read here and counted after a failure, so that
        successes never count against it: requests already past this point
        when the client reaches its limit still get their check. The right
        password is refused too while locked out, or every guess would
        still be tested and only the wrong ones refused.
        """
        client_key = f"sign-in:client:{client_group(client)}"
        if not await self.limiter.allows(self.per_client, client_key):
            await self._refuse("client", self.per_client, client_key, email, client)
        account_key = f"sign-in:account:{self.pseudonym(email)}"
        if not await self.limiter.hit(self.per_account, account_key):
            await self._refuse("account", self.per_account, account_key, email, client)

    async def after_failure(self, client: str) -> None:
        """Count a wrong password against the client (the account's is counted)."""
        await self.limiter.hit(
            self.per_client, f"sign-in:client:{client_group(client)}"
        )

    async def after_success(self, email: str) -> None:
        """Forget the account's failures; the client's stay counted."""
        await self.limiter.clear(
            self.per_account, f"sign-in:account:{self.pseudonym(email)}"
        )
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
        self, scope: str, limit: RateLimitItem, key: str, email: str, client: str
    ) -> NoReturn:
        retry_after = await self.limiter.retry_after_seconds(limit, key)
        logger.warning(
            "sign-in throttled",
            extra={
                "account": self.pseudonym(email),
                "client": client,
                "limit": scope,
                "retry_after_seconds": retry_after,
            },
        )
        raise TooManyRequestsError(
            "Too many failed sign-ins; try again later",
            retry_after_seconds=retry_after,
        )


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
        registrations_per_client=settings.registrations_per_client,
        # Derived from the app's secret for this use only, as cursor keys are.
        pseudonym_key=hmac.new(
            secret, b"shop account pseudonym", hashlib.sha256
        ).digest(),
    )

"""The redirect allow-list: where Stripe may send a user back to.

An open redirect on a payment page is a phishing tool, so the rule is strict:
an absolute http(s) URL whose exact origin (scheme, host, port) is configured.
Userinfo (`https://good@evil`), protocol-relative (`//evil`), backslash tricks,
control characters and look-alike hosts all fail the exact comparison.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from billing.errors import BillingError, ErrorCode

_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2048


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, or None if it is not one we accept."""
    if len(url) > MAX_URL_LENGTH or any(ch in url for ch in "\\\t\r\n \x00") or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    if "@" in parts.netloc:
        return None
    port_part = f":{port}" if port and port != _DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{parts.hostname}{port_part}"


def _normalise(origin: str) -> str:
    return origin_of(origin) or origin


def check_redirect(url: str, allowed_origins: tuple[str, ...], field: list[str]) -> str:
    """Return `url` if its origin is allowed, else raise REDIRECT_URL_NOT_ALLOWED naming `field`."""
    origin = origin_of(url)
    if origin is None or origin not in {_normalise(o) for o in allowed_origins}:
        raise BillingError(
            ErrorCode.REDIRECT_URL_NOT_ALLOWED,
            "This URL is not an allowed redirect target.",
            field,
        )
    return url

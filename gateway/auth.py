"""Bearer-token authentication (JWT), per DESIGN.md.

Tokens: ``sub`` = user id (string), ``exp`` required, optional ``roles`` list
(``"admin"`` unlocks admin fields). Each key is tried with its own algorithm
only: HS256 with AUTH_JWT_SECRET, or RS256 with AUTH_JWT_PUBLIC_KEY. Passing
PyJWT just that one algorithm per key refuses ``alg: none`` and
algorithm-confusion tokens. Audience and issuer are checked when configured.

Rotation: AUTH_JWT_PREVIOUS_SECRET / AUTH_JWT_PREVIOUS_PUBLIC_KEY name the key
being rotated out. A token whose signature the current key refuses is tried
against it; anything else wrong with a token (expired, no ``sub``, wrong
audience) is final. So during a rolling key change both old and new tokens
work, and removing the previous key ends the old ones.

A token that verified is remembered (`VerifiedTokens`) until it expires, so
an app that sends the same token with every request pays for the signature
check once, not per request (about 0.2 ms of CPU each, a twentieth of a read,
`python -m bench profile S1`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from pydantic import SecretStr

from billing.deps import Viewer
from gateway.settings import Settings

ADMIN_ROLE = "admin"
DEFAULT_TTL = timedelta(hours=12)
LEEWAY = timedelta(seconds=30)  # clock skew between the token issuer and us


TOKEN_CACHE_SIZE = 10_000


class AuthError(Exception):
    """The presented credentials are unusable; the message is for logs, not clients."""


class VerifiedTokens:
    """Tokens that passed `Authenticator.verify`, with the viewer and the window they are valid in.

    Exactly as safe as verifying again: the key, algorithm, audience and issuer
    are fixed for the authenticator, so the same token string verifies the same
    way every time except for the time claims, and those are re-checked on
    every hit with PyJWT's own rule and leeway (valid while
    max(``iat``, ``nbf``) - leeway <= now < ``exp`` + leeway: a token becomes
    valid once and then stays valid until it expires). Only successes are remembered, so a forged token is
    verified (and refused) every time. Bounded: when full, the oldest half goes.
    """

    def __init__(self, size: int = TOKEN_CACHE_SIZE) -> None:
        self.size = size
        self._entries: dict[str, tuple[Viewer, float, float]] = {}

    def get(self, token: str, now: float) -> Viewer | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        viewer, valid_from, valid_until = entry
        if valid_from <= now < valid_until:
            return viewer
        if now >= valid_until:
            del self._entries[token]
        return None

    def add(self, token: str, viewer: Viewer, claims: dict[str, object], leeway: float) -> None:
        try:
            valid_until = int(claims["exp"]) + leeway  # type: ignore[call-overload]
            valid_from = max(
                (int(claims[name]) - leeway for name in ("iat", "nbf") if name in claims),  # type: ignore[call-overload]
                default=float("-inf"),
            )
        except (KeyError, TypeError, ValueError, OverflowError):
            return
        if len(self._entries) >= self.size:
            for old in list(self._entries)[: self.size // 2]:
                del self._entries[old]
        self._entries[token] = (viewer, valid_from, valid_until)


def _key(public_key: SecretStr | None, secret: SecretStr | None) -> tuple[str, str] | None:
    """(algorithm, key): an RS256 public key wins over an HS256 secret, as for the current key."""
    if public_key is not None:
        return "RS256", public_key.get_secret_value()
    if secret is not None:
        return "HS256", secret.get_secret_value()
    return None


@dataclass(frozen=True, slots=True)
class Authenticator:
    algorithm: str
    key: str
    audience: str | None = None
    issuer: str | None = None
    previous: tuple[str, str] | None = None  # (algorithm, key) being rotated out
    verified: VerifiedTokens = field(default_factory=VerifiedTokens, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator | None:
        """None when no key is configured (every authenticated field then answers UNAUTHENTICATED)."""
        current = _key(settings.auth_jwt_public_key, settings.auth_jwt_secret)
        if current is None:
            return None
        previous = _key(settings.auth_jwt_previous_public_key, settings.auth_jwt_previous_secret)
        return cls(*current, settings.auth_jwt_audience, settings.auth_jwt_issuer, previous)

    def _decode(self, token: str, algorithm: str, key: str) -> dict[str, object]:
        return jwt.decode(  # type: ignore[no-any-return]
            token,
            key,
            algorithms=[algorithm],
            audience=self.audience,
            issuer=self.issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "sub"]},
        )

    def verify(self, token: str) -> Viewer:
        """The viewer a token names, or AuthError for anything wrong with it."""
        viewer = self.verified.get(token, time.time())
        if viewer is not None:
            return viewer
        try:
            try:
                claims = self._decode(token, self.algorithm, self.key)
            except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError):
                if self.previous is None:
                    raise
                claims = self._decode(token, *self.previous)
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 128:
            raise AuthError("invalid token: bad sub")
        roles = claims.get("roles") or []
        if not isinstance(roles, list):
            raise AuthError("invalid token: roles must be a list")
        viewer = Viewer(user_id=sub, is_admin=ADMIN_ROLE in roles)
        self.verified.add(token, viewer, claims, LEEWAY.total_seconds())
        return viewer

    def authenticate(self, authorization: str | None) -> Viewer | None:
        """None without an Authorization header; AuthError for a malformed or bad one."""
        if authorization is None:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError("Authorization header is not 'Bearer <token>'")
        return self.verify(token)


def mint_token(
    secret: str,
    user_id: str,
    *,
    admin: bool = False,
    ttl: timedelta = DEFAULT_TTL,
    audience: str | None = None,
    issuer: str | None = None,
    now: datetime | None = None,
) -> str:
    """An HS256 token for `user_id` (the CLI's `token` command, dev and tests)."""
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": user_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if admin:
        claims["roles"] = [ADMIN_ROLE]
    if audience:
        claims["aud"] = audience
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm="HS256")

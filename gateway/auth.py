"""Bearer-token authentication (JWT), per DESIGN.md.

Tokens: ``sub`` = user id (string), ``exp`` required, optional ``roles`` list
(``"admin"`` unlocks admin fields). Exactly one algorithm is accepted: HS256
with AUTH_JWT_SECRET, or RS256 with AUTH_JWT_PUBLIC_KEY. Passing only that
algorithm to PyJWT refuses ``alg: none`` and algorithm-confusion tokens.
Audience and issuer are checked when configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from billing.deps import Viewer
from gateway.settings import Settings

ADMIN_ROLE = "admin"
DEFAULT_TTL = timedelta(hours=12)
LEEWAY = timedelta(seconds=30)  # clock skew between the token issuer and us


class AuthError(Exception):
    """The presented credentials are unusable; the message is for logs, not clients."""


@dataclass(frozen=True, slots=True)
class Authenticator:
    algorithm: str
    key: str
    audience: str | None = None
    issuer: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator | None:
        """None when no key is configured (every authenticated field then answers UNAUTHENTICATED)."""
        if settings.auth_jwt_public_key is not None:
            key, algorithm = settings.auth_jwt_public_key.get_secret_value(), "RS256"
        elif settings.auth_jwt_secret is not None:
            key, algorithm = settings.auth_jwt_secret.get_secret_value(), "HS256"
        else:
            return None
        return cls(algorithm, key, settings.auth_jwt_audience, settings.auth_jwt_issuer)

    def verify(self, token: str) -> Viewer:
        """The viewer a token names, or AuthError for anything wrong with it."""
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 128:
            raise AuthError("invalid token: bad sub")
        roles = claims.get("roles") or []
        if not isinstance(roles, list):
            raise AuthError("invalid token: roles must be a list")
        return Viewer(user_id=sub, is_admin=ADMIN_ROLE in roles)

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

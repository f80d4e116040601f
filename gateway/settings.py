"""Settings from the environment (or `.env`): the only place that reads either.

Every variable of DESIGN.md's table is a field here. Invalid values fail at
start with the variable's name (see `load_settings`), never deep in a request.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"


def _is_real_stripe(api_base: str) -> bool:
    """Whether the API base is Stripe's own service (any host under stripe.com)."""
    host = (urlsplit(api_base).hostname or "").lower()
    return host == "stripe.com" or host.endswith(".stripe.com")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable."""


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _origin(value: str) -> str:
    """Normalise an allowed origin to `scheme://host[:port]`, refusing anything else."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) origin")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r} must be an origin only (scheme://host[:port])")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class RateLimit(tuple):
    """`count/windowS`, e.g. ``10/600s``."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*s?\s*", text)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise ValueError(f"{text!r} is not COUNT/SECONDSs, e.g. 10/600s")
        return cls((int(match[1]), int(match[2])))

    @property
    def count(self) -> int:
        return self[0]

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self[1])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = "sqlite://./billing.sqlite3"
    db_pool_max: int = Field(default=10, ge=1, le=200)

    stripe_api_key: SecretStr | None = None
    stripe_api_base: str = DEFAULT_STRIPE_API_BASE
    stripe_webhook_secret: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    stripe_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # This process's pace toward Stripe (billing.stripe.pacing); Stripe allows 25/s in test mode and
    # 100/s live per account, shared by every process, and 25/s per endpoint.
    stripe_max_requests_per_second: float = Field(default=20.0, gt=0, le=1000)
    # This process's pace toward any one Stripe endpoint (`GET /v1/invoices/{id}`, whatever the id).
    stripe_max_requests_per_endpoint_per_second: float = Field(default=20.0, gt=0, le=1000)

    auth_jwt_secret: SecretStr | None = None
    auth_jwt_public_key: SecretStr | None = None
    # The key being rotated out, still accepted (never used to sign) until it is unset.
    auth_jwt_previous_secret: SecretStr | None = None
    auth_jwt_previous_public_key: SecretStr | None = None
    auth_jwt_audience: str | None = None
    auth_jwt_issuer: str | None = None

    redirect_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000"]
    )
    cors_allowed_origins: Annotated[list[str] | None, NoDecode] = None
    # The gateway's public origin for the links it hands out (invoice downloads): never the
    # request's Host, which a client sets and a caching proxy does not key on. Required by serve.
    public_base_url: str | None = None

    graphiql: bool = True
    # The reference web client (web/) at `/`; `dev` turns it on.
    web_app: bool = False
    graphql_introspection: bool = True
    graphql_max_depth: int = Field(default=12, ge=2, le=50)
    graphql_max_aliases: int = Field(default=30, ge=1, le=1000)
    graphql_max_tokens: int = Field(default=2000, ge=50, le=100_000)
    # Most items one query may ask for (page sizes times nesting, summed over aliases): schema.query_cost
    graphql_max_nodes: int = Field(default=1000, ge=100, le=1_000_000)
    # Run only the operations of the checked-in manifests (persisted_queries/*.json).
    graphql_persisted_only: bool = False
    max_request_bytes: int = Field(default=1_048_576, ge=1024)

    clock: Literal["system", "sandbox"] = "system"

    refund_window_days: int = Field(default=14, ge=0)
    refund_abuse_limit: int = Field(default=2, ge=1)
    refund_abuse_window_days: int = Field(default=365, ge=1)
    gift_code_ttl_days: int = Field(default=365, ge=1)
    # Free days before a first-time subscriber's first charge; 0 = no trials. Stripe takes 1 to 730
    # (`subscription_data.trial_period_days`).
    trial_days: int = Field(default=0, ge=0, le=730)
    redeem_rate_limit: Annotated[RateLimit, NoDecode] = Field(
        default_factory=lambda: RateLimit.parse("10/600s")
    )
    # createCheckout and updatePaymentMethod (each a Stripe call) per user and window
    user_stripe_call_limit: Annotated[RateLimit, NoDecode] = Field(
        default_factory=lambda: RateLimit.parse("20/3600s")
    )

    outbound_webhook_url: str | None = None
    outbound_webhook_secret: SecretStr | None = None
    # Outbox rows older than this are deleted (each user's latest kept): `gateway.outbox_worker.prune`.
    outbox_retention_days: int = Field(default=30, ge=1, le=3650)

    # `refund`: refund at once and take back what it granted; `flag`: restrict, support decides.
    early_fraud_warning_action: Literal["refund", "flag"] = "refund"
    # `dynamic` (Stripe's Dashboard decides what Checkout offers), or a comma list of Stripe's
    # payment method types passed as `allowed_payment_method_types` (a filter on that set).
    payment_methods: str = "dynamic"

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("stripe_webhook_secret", mode="before")
    @classmethod
    def _secrets(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("redirect_allowed_origins", "cors_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        value = _split_csv(value)
        if isinstance(value, list):
            return [_origin(str(v)) for v in value]
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_origin(cls, value: str | None) -> str | None:
        return _origin(value) if value else None

    @field_validator("redeem_rate_limit", "user_stripe_call_limit", mode="before")
    @classmethod
    def _rate(cls, value: object) -> object:
        return RateLimit.parse(value) if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
            raise ValueError("must be sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB")
        if scheme != "sqlite":
            parts = urlsplit(value)
            try:
                parts.port  # noqa: B018 (raises on a non-numeric or out-of-range port)
            except ValueError:
                raise ValueError("has an invalid port (postgres://USER:PASS@HOST:PORT/DB)") from None
            if not parts.hostname or parts.path.strip("/") == "":
                raise ValueError("needs a host and a database name (postgres://USER:PASS@HOST:PORT/DB)")
        return value

    @field_validator("early_fraud_warning_action", mode="before")
    @classmethod
    def _efw_action(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("payment_methods")
    @classmethod
    def _payment_methods(cls, value: str) -> str:
        text = value.strip().lower()
        if text == "dynamic":
            return text
        kinds = [kind.strip() for kind in text.split(",") if kind.strip()]
        if not kinds or any(not re.fullmatch(r"[a-z_]{2,40}", kind) for kind in kinds):
            raise ValueError("must be `dynamic` or a comma list of Stripe payment method types (card,paypal)")
        return ",".join(dict.fromkeys(kinds))

    @property
    def payment_method_list(self) -> tuple[str, ...] | None:
        """None for `dynamic`, else the allowed types in order."""
        return None if self.payment_methods == "dynamic" else tuple(self.payment_methods.split(","))

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("stripe_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _cors_default(self) -> Settings:
        if self.cors_allowed_origins is None:
            self.cors_allowed_origins = list(self.redirect_allowed_origins)
        return self

    @property
    def dialect(self) -> Literal["sqlite", "postgres"]:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgres"

    def require_for_serve(self) -> None:
        """`serve` talks to real Stripe and real users: these must be set."""
        missing = []
        if self.stripe_api_key is None:
            missing.append("STRIPE_API_KEY")
        if not self.stripe_webhook_secret:
            missing.append("STRIPE_WEBHOOK_SECRET")
        if self.auth_jwt_secret is None and self.auth_jwt_public_key is None:
            missing.append("AUTH_JWT_SECRET (or AUTH_JWT_PUBLIC_KEY)")
        if self.public_base_url is None:
            missing.append("PUBLIC_BASE_URL (the gateway's public origin, for the links it hands out)")
        if self.outbound_webhook_url is not None and self.outbound_webhook_secret is None:
            missing.append("OUTBOUND_WEBHOOK_SECRET (required with OUTBOUND_WEBHOOK_URL)")
        if missing:
            raise SettingsError("missing required setting(s): " + ", ".join(missing))
        if self.web_app:
            from gateway.web_app import missing_web_files  # here: only serve with WEB_APP=true needs it

            absent = missing_web_files()
            if absent:
                raise SettingsError(
                    f"WEB_APP=true but the web client's files are not installed ({', '.join(absent)}): "
                    "serve it from a checkout of the repository, or set WEB_APP=false"
                )
        if self.graphql_persisted_only:
            from gateway.persisted_queries import load_manifests  # here: only this mode needs them

            try:
                listed = load_manifests()
            except ValueError as exc:
                raise SettingsError(f"GRAPHQL_PERSISTED_ONLY=true but a manifest is broken: {exc}") from None
            if not listed:
                raise SettingsError(
                    "GRAPHQL_PERSISTED_ONLY=true but no manifest is installed (persisted_queries/*.json): "
                    "serve from a checkout of the repository, or set GRAPHQL_PERSISTED_ONLY=false"
                )
        if self.clock == "sandbox" and _is_real_stripe(self.stripe_api_base):
            raise SettingsError(
                f"CLOCK=sandbox follows the Stripe sandbox's clock, but STRIPE_API_BASE is Stripe's real API "
                f"({self.stripe_api_base}); set CLOCK=system"
            )
        key = self.stripe_api_key.get_secret_value() if self.stripe_api_key else ""
        if not key.startswith(("sk_", "rk_")):
            raise SettingsError("STRIPE_API_KEY must be a secret key (sk_…) or restricted key (rk_…)")
        for secret in self.stripe_webhook_secret:
            if not secret.get_secret_value().startswith("whsec_"):
                raise SettingsError("STRIPE_WEBHOOK_SECRET entries must start with whsec_")
        for name, secret in (
            ("AUTH_JWT_SECRET", self.auth_jwt_secret),
            ("AUTH_JWT_PREVIOUS_SECRET", self.auth_jwt_previous_secret),
        ):
            if secret is not None and len(secret.get_secret_value()) < 32:
                raise SettingsError(f"{name} must be at least 32 characters")
        if self.outbound_webhook_url is not None and self.outbound_webhook_secret is not None:
            keys = signing_keys(self.outbound_webhook_secret.get_secret_value())
            if not keys or any(len(key) < 32 for key in keys):
                raise SettingsError(
                    "OUTBOUND_WEBHOOK_SECRET must hold keys of at least 32 characters (comma separated)"
                )


def signing_keys(secret: str) -> list[str]:
    """The keys in OUTBOUND_WEBHOOK_SECRET (comma separated for a rotation), in order."""
    return [key.strip() for key in secret.split(",") if key.strip()]


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            lines.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid setting(s): " + "; ".join(lines)) from None

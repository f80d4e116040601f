"""`serve` refuses a missing or wrong setting by name (exit 2, no traceback), and is ready fast."""

from __future__ import annotations

import pytest
from ops_serve import free_port, run_serve, serve_env

BAD_SETTINGS = [
    pytest.param({"STRIPE_API_KEY": ""}, "STRIPE_API_KEY", id="missing-stripe-key"),
    pytest.param({"STRIPE_API_KEY": "pk_test_123"}, "STRIPE_API_KEY", id="publishable-key"),
    pytest.param({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET", id="missing-webhook-secret"),
    pytest.param({"STRIPE_WEBHOOK_SECRET": "secret"}, "STRIPE_WEBHOOK_SECRET", id="webhook-secret-shape"),
    pytest.param({"DATABASE_URL": "postgresql:/localhost/db"}, "DATABASE_URL", id="db-url-no-slashes"),
    pytest.param({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL", id="db-url-mysql"),
    pytest.param({"DATABASE_URL": "postgres://u:p@db:54x2/billing"}, "DATABASE_URL", id="db-url-port"),
    pytest.param({"DATABASE_URL": "postgres://u:p@db:5432"}, "DATABASE_URL", id="db-url-no-database"),
    pytest.param({"STRIPE_TIMEOUT_SECONDS": "ten"}, "STRIPE_TIMEOUT_SECONDS", id="timeout-not-a-number"),
    pytest.param({"STRIPE_TIMEOUT_SECONDS": "0"}, "STRIPE_TIMEOUT_SECONDS", id="timeout-zero"),
    pytest.param(
        {"STRIPE_MAX_REQUESTS_PER_SECOND": "fast"}, "STRIPE_MAX_REQUESTS_PER_SECOND", id="stripe-pace-word"
    ),
    pytest.param(
        {"STRIPE_MAX_REQUESTS_PER_SECOND": "0"}, "STRIPE_MAX_REQUESTS_PER_SECOND", id="stripe-pace-zero"
    ),
    pytest.param(
        {"STRIPE_MAX_REQUESTS_PER_SECOND": "-20"}, "STRIPE_MAX_REQUESTS_PER_SECOND", id="stripe-pace-negative"
    ),
    pytest.param(
        {"REDIRECT_ALLOWED_ORIGINS": "ftp://x.example"}, "REDIRECT_ALLOWED_ORIGINS", id="origin-scheme"
    ),
    pytest.param(
        {"REDIRECT_ALLOWED_ORIGINS": "https://shop.example/path"},
        "REDIRECT_ALLOWED_ORIGINS",
        id="origin-path",
    ),
    pytest.param({"AUTH_JWT_SECRET": "short-secret"}, "AUTH_JWT_SECRET", id="jwt-secret-too-short"),
    pytest.param({"AUTH_JWT_SECRET": ""}, "AUTH_JWT_SECRET", id="jwt-secret-missing"),
    pytest.param({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL", id="public-base-url-missing"),
    pytest.param(
        {"PUBLIC_BASE_URL": "https://billing.example/app"}, "PUBLIC_BASE_URL", id="public-base-url-path"
    ),
    pytest.param(
        {"AUTH_JWT_PREVIOUS_SECRET": "old-short"},
        "AUTH_JWT_PREVIOUS_SECRET",
        id="previous-jwt-secret-too-short",
    ),
    pytest.param(
        {"OUTBOUND_WEBHOOK_URL": "https://chat.example/hooks/premium", "OUTBOUND_WEBHOOK_SECRET": "short"},
        "OUTBOUND_WEBHOOK_SECRET",
        id="outbound-secret-too-short",
    ),
    pytest.param(
        {
            "OUTBOUND_WEBHOOK_URL": "https://chat.example/hooks/premium",
            "OUTBOUND_WEBHOOK_SECRET": "k" * 40 + ",old",
        },
        "OUTBOUND_WEBHOOK_SECRET",
        id="outbound-previous-secret-too-short",
    ),
    pytest.param(
        {"OUTBOUND_WEBHOOK_URL": "https://chat.example/hooks/premium"},
        "OUTBOUND_WEBHOOK_SECRET",
        id="outbound-secret-missing",
    ),
    pytest.param(
        {"CLOCK": "sandbox", "STRIPE_API_BASE": "https://api.stripe.com"},
        "CLOCK",
        id="sandbox-clock-on-stripe",
    ),
    pytest.param({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", id="log-level"),
    pytest.param({"WEB_APP": "sometimes"}, "WEB_APP", id="web-app-not-a-boolean"),
    pytest.param(
        {"GRAPHQL_PERSISTED_ONLY": "maybe"}, "GRAPHQL_PERSISTED_ONLY", id="persisted-only-not-a-boolean"
    ),
    pytest.param({"REDEEM_RATE_LIMIT": "lots"}, "REDEEM_RATE_LIMIT", id="rate-limit"),
    pytest.param(
        {"EARLY_FRAUD_WARNING_ACTION": "ignore"}, "EARLY_FRAUD_WARNING_ACTION", id="efw-action-unknown"
    ),
    pytest.param({"PAYMENT_METHODS": "card,pay pal"}, "PAYMENT_METHODS", id="payment-methods-malformed"),
    pytest.param({"PAYMENT_METHODS": ","}, "PAYMENT_METHODS", id="payment-methods-empty-list"),
]


@pytest.mark.parametrize(("overrides", "variable"), BAD_SETTINGS)
def test_serve_refuses_a_bad_setting_by_name(overrides: dict[str, str], variable: str) -> None:
    env = serve_env("sqlite://./never-created.sqlite3", "http://127.0.0.1:9", **overrides)
    port = free_port()
    result = run_serve(env, "--port", str(port))
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert variable in result.stderr, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # The secret values themselves are never echoed.
    for name in ("AUTH_JWT_SECRET", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_KEY"):
        value = env.get(name)
        if value and len(value) > 8:
            assert value not in result.stderr

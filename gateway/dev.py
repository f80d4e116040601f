"""`billing-gateway dev`: the whole stack on one machine, no accounts needed.

SQLite, migrations applied, the Stripe sandbox on loopback (its state kept
beside the database, so a restart continues where it stopped), the catalog
synced into it, the webhook endpoint registered, and the gateway served with
its clock following the sandbox's. Secrets made up for dev are kept in a small
JSON file beside the database so tokens and the webhook endpoint survive
restarts.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn

from gateway.settings import Settings, load_settings
from gateway.web_app import DemoSession

SANDBOX_KEY = "sk_test_sandbox_dev"
DEMO_USER = "demo-user"


@dataclass(frozen=True)
class DevPaths:
    database: Path
    sandbox_state: Path
    secrets: Path

    @classmethod
    def beside(cls, database_url: str) -> DevPaths:
        db = Path(database_url.split("://", 1)[1] or "billing.sqlite3")
        return cls(db, db.with_name(db.name + ".stripe.json"), db.with_name(db.name + ".dev.json"))


def private_files(*existing: Path) -> None:
    """Every file this process writes from now on is its owner's only (0600), and so are these
    if an earlier run left them readable: the sandbox's state holds the webhook signing secret,
    the database every user's billing, the secrets file the token key."""
    os.umask(0o077)
    for path in existing:
        for candidate in (path, *path.parent.glob(path.name + "-*")):  # SQLite's -wal and -shm too
            if candidate.exists():
                candidate.chmod(0o600)


def _dev_secrets(path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())
    data = {"jwt_secret": secrets.token_urlsafe(48)}
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return data


def _save_secrets(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data))


async def _register_endpoint(client: Any, url: str, stored: dict[str, Any]) -> str:
    """Reuse the endpoint made by an earlier run (its secret is only shown at creation)."""
    endpoints = await client.v1.webhook_endpoints.list_async(params={"limit": 100})
    for endpoint in endpoints.data:
        if endpoint.id == stored.get("endpoint_id") and endpoint.url == url and stored.get("webhook_secret"):
            return stored["webhook_secret"]
    created = await client.v1.webhook_endpoints.create_async(params={"url": url, "enabled_events": ["*"]})
    stored.update(endpoint_id=created.id, webhook_secret=created.secret)
    return created.secret


async def _prepare(
    settings: Settings, sandbox_url: str, gateway_url: str, stored: dict[str, Any], own: list[str]
) -> Settings:
    """Migrate, register the webhook endpoint, sync the catalog; return the gateway's settings.

    The web client is on (WEB_APP) and Checkout may send the buyer back to it: the
    gateway's own origins `own` join REDIRECT_ALLOWED_ORIGINS.
    """
    from tortoise import Tortoise

    from billing.catalog import sync_catalog
    from gateway.db import apply_migrations, tortoise_config
    from gateway.services import build_services

    await apply_migrations(settings.database_url)
    jwt_secret = (
        settings.auth_jwt_secret.get_secret_value() if settings.auth_jwt_secret else stored["jwt_secret"]
    )
    overrides: dict[str, Any] = {
        "database_url": settings.database_url,
        "stripe_api_key": SANDBOX_KEY,
        "stripe_api_base": sandbox_url,
        "clock": "sandbox",
        "auth_jwt_secret": jwt_secret,
        "redirect_allowed_origins": ",".join(dict.fromkeys([*settings.redirect_allowed_origins, *own])),
        "web_app": True,
        # Links handed out (invoice downloads) name the address dev listens on, whatever the Host.
        "public_base_url": settings.public_base_url or gateway_url,
        # A newcomer can try a free trial (DESIGN: `dev` sets 7 unless TRIAL_DAYS says otherwise).
        "trial_days": settings.trial_days if "TRIAL_DAYS" in os.environ else DEV_TRIAL_DAYS,
    }
    services = build_services(load_settings(**overrides))
    overrides["stripe_webhook_secret"] = await _register_endpoint(
        services.stripe, f"{gateway_url}/webhooks/stripe", stored
    )
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        await services.clock.refresh()
        changes = await sync_catalog(services)
        await ensure_demo_promotion_code(services)
    finally:
        await Tortoise.close_connections()
    print(f"catalog: {len(changes)} change(s) in the sandbox" if changes else "catalog: in sync")
    return load_settings(**overrides)


DEV_TRIAL_DAYS = 7
# A promotion code made in the sandbox at start, as marketing would make one in Stripe's Dashboard:
# 20 % off the first payment.
DEMO_PROMOTION_CODE = "WELCOME20"


async def ensure_demo_promotion_code(services: Any) -> None:
    """The demo code and its coupon, made once (the sandbox keeps them across runs)."""
    codes = services.stripe.v1.promotion_codes
    found = await codes.list_async(params={"code": DEMO_PROMOTION_CODE, "limit": 1})
    if found.data:
        return
    coupon = await services.stripe.v1.coupons.create_async(
        params={"percent_off": 20, "duration": "once", "name": "Welcome: 20 % off the first payment"}
    )
    await codes.create_async(
        params={"code": DEMO_PROMOTION_CODE, "promotion": {"type": "coupon", "coupon": coupon.id}}
    )


# What the banner tells a newcomer to run; tests/ops/test_dev.py follows the printed text exactly.
def try_checkout(gateway_url: str) -> str:
    return f"""mutation {{ createCheckout(input: {{productType: PREMIUM_MONTHLY,
       successUrl: "{gateway_url}/success", cancelUrl: "{gateway_url}/?checkout=cancelled"}})
       {{ checkoutUrl payment {{ status }} userErrors {{ code message }} }} }}"""


TRY_PREMIUM = "{ premium { active source until } payments { edges { node { status money { formatted } } } } }"


def banner(gateway_url: str, sandbox_url: str, token: str, trial_days: int = 0) -> str:
    trial = (
        f"a free trial of {trial_days} days for a first-time subscriber (TRIAL_DAYS)"
        if trial_days
        else "no free trial (TRIAL_DAYS=0)"
    )
    return f"""
billing-gateway dev is up.

  Web app         {gateway_url}/   (the reference client, signed in as {DEMO_USER})
  GraphiQL        {gateway_url}/graphql   (the token already in its headers, the README's examples in tabs)
  Stripe sandbox  {sandbox_url}   (checkout pages, invoices; control API under /_sandbox)
  demo user       {DEMO_USER}
  bearer token    {token}

Try this: open the web app and press "Subscribe monthly". On the checkout page keep "Card that
succeeds" selected and press Subscribe: you are back in the web app, and Premium turns active
by itself a second later (Stripe's webhooks, here the sandbox's, bring the news; the page hears
it over a websocket). Then cancel, look at the payment and its invoice, buy a gift code.

The same through the API (GraphiQL has the operations ready; anything else sends the header
{{"Authorization": "Bearer <the token above>"}}):

  1. Run:

     {try_checkout(gateway_url)}

  2. Open the checkoutUrl it answers in a browser, keep "Card that succeeds" selected and
     press Subscribe. The browser then goes to {gateway_url}/success, the web app's page
     for a finished checkout, which shows Premium turning active.

  3. Run:

     {TRY_PREMIUM}

     premium is active and the payment COMPLETED (a second after paying: the webhooks); with
     the free trial below its amount is 0 and Stripe charges at the trial's end.

Also here: promotion code {DEMO_PROMOTION_CODE} (20 % off the first payment: pass it as
createCheckout's promotionCode, or check it with the promotionCode query), and {trial}.

Ctrl-C stops everything; running `dev` again picks up where it left off (same data; tokens
it printed before keep working).
"""


_ALL_INTERFACES = ("0.0.0.0", "::")  # noqa: S104 (names to recognise, not a bind)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def own_origins(host: str, port: int) -> list[str]:
    """The origins a browser may use for dev's gateway (and so its web client)."""
    hosts = [host]
    if host in _ALL_INTERFACES or host in _LOOPBACK:  # one machine, several names for it
        hosts = ["127.0.0.1", "localhost", host]
    return [f"http://{'[' + h + ']' if ':' in h else h}:{port}" for h in dict.fromkeys(hosts)]


class DevError(Exception):
    """dev could not start; the message says what to change."""


class _AnnouncingServer(uvicorn.Server):
    """Prints the banner once the gateway listens, not before (a busy port must not say "is up")."""

    def __init__(self, config: uvicorn.Config, text: str) -> None:
        super().__init__(config)
        self._text = text

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self._text, flush=True)


def run_dev(*, host: str, port: int, sandbox_port: int) -> None:
    from gateway.app import create_app
    from gateway.auth import mint_token
    from gateway.logging import route_uvicorn_to_root
    from stripe_sandbox.server import DEV_RETRY_DELAYS
    from stripe_sandbox.testing import SandboxServer

    settings = load_settings()
    if settings.dialect != "sqlite":
        raise SystemExit("dev runs on SQLite (the embedded default); unset DATABASE_URL or use sqlite://PATH")
    paths = DevPaths.beside(settings.database_url)
    paths.database.parent.mkdir(parents=True, exist_ok=True)
    private_files(paths.database, paths.sandbox_state, paths.secrets)
    stored = _dev_secrets(paths.secrets)
    gateway_url = f"http://{host}:{port}"
    own = own_origins(host, port)

    sandbox = SandboxServer(
        paths.sandbox_state, webhook_retry_delays=DEV_RETRY_DELAYS, port=sandbox_port, api_key=SANDBOX_KEY
    )
    sandbox.start()
    route_uvicorn_to_root()  # the sandbox's uvicorn set up its own plain-text handlers
    try:
        dev = asyncio.run(_prepare(settings, sandbox.base_url, gateway_url, stored, own))
        _save_secrets(paths.secrets, stored)
        token = mint_token(dev.auth_jwt_secret.get_secret_value(), DEMO_USER, ttl=timedelta(days=7))
        demo = DemoSession(user_id=DEMO_USER, token=token, origin=gateway_url)
        config = uvicorn.Config(
            create_app(dev, demo=demo),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            log_config=None,
        )
        server = _AnnouncingServer(config, banner(gateway_url, sandbox.base_url, token, dev.trial_days))
        try:
            server.run()
        except SystemExit:  # uvicorn exits when it cannot bind; it logged why
            if server.started:
                raise
            raise DevError(f"the gateway cannot listen on {gateway_url} (the log says why)") from None
    finally:
        sandbox.stop()
        print("stopped; sandbox state saved to", paths.sandbox_state)


def run_sandbox(*, host: str, port: int, state: Path | None) -> None:
    """`billing-gateway sandbox`: only the Stripe stand-in (with dev's quick webhook retries)."""
    private_files(*([state] if state is not None else []))
    from stripe_sandbox.app import create_app
    from stripe_sandbox.server import DEV_RETRY_DELAYS

    uvicorn.run(
        create_app(state, webhook_retry_delays=DEV_RETRY_DELAYS),
        host=host,
        port=port,
        log_level="info",
        log_config=None,  # ours, configured before the command ran
        access_log=False,
    )

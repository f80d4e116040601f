"""The per-request GraphQL context: who is calling, what time it is, and the loaders.

Built by `gateway.app` for every request (so DataLoader caches never leak
between requests or users); read by permissions, resolvers and the few type
fields that load lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from billing.clock import Clock
from billing.deps import BillingConfig, Viewer
from billing.notifications import ChangeFeed
from billing.services import Services
from schema.types.errors import unauthenticated

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from schema.types.loaders import Loaders


@dataclass
class GatewayContext:
    request: Request
    response: Response | None
    viewer: Viewer | None
    clock: Clock
    config: BillingConfig
    # Why the bearer token was refused, for logs only (clients just see UNAUTHENTICATED).
    auth_error: str | None = None
    # Signs invoice download links (see billing.invoices.download_links); set by the app.
    link_key: bytes = b""
    # Clock, Stripe client and policy for billing operations (None without STRIPE_API_KEY).
    services: Services | None = None
    # Change notices for GraphQL subscriptions (gateway.pubsub); None where nothing listens.
    live: ChangeFeed | None = None
    # A websocket's graphql-transport-ws connection_init payload (Strawberry fills it in).
    connection_params: dict[str, object] | None = None
    # PUBLIC_BASE_URL: the origin of absolute links (serve requires it; an embedded app without it
    # uses the request's, which only tests do).
    public_base_url: str | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def require_viewer(self) -> Viewer:
        """The caller, or UNAUTHENTICATED; permission classes normally did this already."""
        if self.viewer is None:
            raise unauthenticated()
        return self.viewer

    @cached_property
    def loaders(self) -> Loaders:
        from schema.types.loaders import Loaders  # created on first use: many requests need none

        return Loaders()

    @cached_property
    def base_url(self) -> str:
        """The gateway's public origin, for absolute links (``https://host``): PUBLIC_BASE_URL."""
        return self.public_base_url or str(self.request.base_url).rstrip("/")

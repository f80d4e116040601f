"""`GET /invoices/{id}/pdf`: the invoice PDF, streamed from Stripe to whoever may see it.

Who may: the holder of a valid short-lived signed link (`Invoice.downloadUrl`,
see `billing.invoices.download_links`) or of the owner's bearer token. Everyone else
(another user, an expired or tampered link, an unknown or malformed id, a bad
token) gets the same plain 404 Starlette gives for a path that does not exist,
so the answer says nothing about whether the invoice exists or whose it is.

What is fetched: only the `invoice_pdf` URL Stripe gave for that invoice (the
stored row, refreshed from Stripe when the row has none yet); nothing in the
request names a URL. The body is streamed through with a bounded timeout and
size, and only if it really is a PDF.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from billing import ids
from billing.errors import PaymentProviderError
from billing.invoices import verify_invoice_link
from billing.services import Services
from billing.stripe import calls as stripe_calls
from billing.stripe import objects as so
from gateway.auth import Authenticator, AuthError
from gateway.settings import Settings
from models import Invoice

log = logging.getLogger("gateway.invoice_pdf")

MAX_PDF_BYTES = 20 * 1024 * 1024  # Stripe's invoice PDFs are tens of kilobytes
PDF_MAGIC = b"%PDF-"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class UpstreamError(Exception):
    """Stripe's PDF could not be fetched (or was not a PDF): 502, logged."""


def not_found() -> Response:
    """Exactly Starlette's answer for an unknown path: nothing to tell the two apart."""
    return PlainTextResponse("Not Found", status_code=404)


def filename_for(invoice: Invoice) -> str:
    number = _UNSAFE_FILENAME.sub("-", invoice.number or "").strip("-.") or invoice.stripe_invoice_id
    return f"invoice-{number}.pdf"


def _link_holder(request: Request, global_id: str) -> bool:
    expires, sig = request.query_params.get("expires"), request.query_params.get("sig")
    if expires is None and sig is None:
        return False
    now = request.app.state.clock.now()
    return verify_invoice_link(request.app.state.link_key, global_id, expires, sig, now)


def _bearer_user(request: Request, authenticator: Authenticator | None) -> str | None:
    header = request.headers.get("authorization")
    if header is None or authenticator is None:
        return None
    try:
        viewer = authenticator.authenticate(header)
    except AuthError:
        return None
    return viewer.user_id if viewer else None


async def _pdf_url(invoice: Invoice, services: Services | None) -> str | None:
    """The stored `invoice_pdf`; if the row has none yet, ask Stripe (read-only, no row change)."""
    url = invoice.invoice_pdf
    if not url and services is not None:
        try:
            fetched = await stripe_calls.call(
                "invoices.retrieve",
                services.stripe.v1.invoices.retrieve_async(invoice.stripe_invoice_id),
                timeout=services.config.stripe_timeout_seconds,
            )
        except PaymentProviderError:
            return None
        url = so.as_dict(fetched).get("invoice_pdf")
    if not url or not url.startswith(("https://", "http://")):
        return None
    return url


class _Fetcher:
    """One pooled HTTP client per event loop (building one costs ~100 ms of TLS setup).

    It lives as long as the app: `close_invoice_pdf(app)` on shutdown closes it,
    so its pooled connections to Stripe are not left open.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client.is_closed or self._loop is not loop:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout), follow_redirects=True, max_redirects=5
            )
            self._loop = loop
        return self._client

    @property
    def is_open(self) -> bool:
        return self._client is not None and not self._client.is_closed

    async def aclose(self) -> None:
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            await client.aclose()

    async def open(self, url: str) -> tuple[httpx.Response, AsyncIterator[bytes], bytes]:
        """Start the download and read its first bytes, so a non-PDF is refused before any header goes out."""
        try:
            async with asyncio.timeout(self.timeout):  # the whole start, however slowly Stripe drips it
                return await _start(self.client(), url)
        except TimeoutError:
            raise UpstreamError(f"no PDF from Stripe within {self.timeout:g} s") from None


async def _start(client: httpx.AsyncClient, url: str) -> tuple[httpx.Response, AsyncIterator[bytes], bytes]:
    """GET (following Stripe's redirect to its file host) and check the first bytes say PDF."""
    upstream = await client.send(client.build_request("GET", url), stream=True)
    try:
        if upstream.status_code != 200:
            raise UpstreamError(f"Stripe answered {upstream.status_code}")
        chunks = upstream.aiter_bytes()
        first = b""
        async for chunk in chunks:
            first += chunk
            if len(first) >= len(PDF_MAGIC):
                break
        if not first.startswith(PDF_MAGIC):
            raise UpstreamError("Stripe's answer is not a PDF")
        return upstream, chunks, first
    except BaseException:
        await upstream.aclose()
        raise


async def _relay(
    chunks: AsyncIterator[bytes], first: bytes, close: Callable[[], Awaitable[None]]
) -> AsyncIterator[bytes]:
    """The bytes already read, then the rest of the same stream, up to `MAX_PDF_BYTES`.

    Closes the upstream when done, also when the client went away mid-way.
    """
    try:
        sent = len(first)
        yield first
        async for chunk in chunks:
            sent += len(chunk)
            if sent > MAX_PDF_BYTES:
                log.error("invoice PDF larger than %d bytes; cut off", MAX_PDF_BYTES)
                return
            yield chunk
    finally:
        await close()


def fetcher_of(app: Starlette, timeout: float) -> _Fetcher:
    """The app's PDF fetcher (one per app, made on first use, kept on `app.state`)."""
    fetcher = getattr(app.state, "invoice_pdf_fetcher", None)
    if fetcher is None:
        fetcher = app.state.invoice_pdf_fetcher = _Fetcher(timeout)
    return fetcher


async def close_invoice_pdf(app: Starlette) -> None:
    """On app shutdown: close the PDF fetcher's pooled HTTP client, if one was opened."""
    fetcher = getattr(app.state, "invoice_pdf_fetcher", None)
    if fetcher is not None:
        await fetcher.aclose()


def make_invoice_pdf_route(settings: Settings) -> Route:
    """The route, with the bearer-token check configured like `/graphql`'s."""
    authenticator = Authenticator.from_settings(settings)

    async def invoice_pdf(request: Request) -> Response:
        fetcher = fetcher_of(request.app, settings.stripe_timeout_seconds)
        global_id = request.path_params["id"]
        pk = ids.decode_as(global_id, "Invoice")
        if pk is None:
            return not_found()
        by_link = _link_holder(request, global_id)
        invoice = await Invoice.get_or_none(pk=pk)
        if invoice is None:
            return not_found()
        if not by_link and _bearer_user(request, authenticator) != invoice.user_id:
            return not_found()
        url = await _pdf_url(invoice, request.app.state.services)
        if url is None:  # a draft (Stripe makes the PDF on finalisation): nothing to show yet
            return not_found()
        try:
            upstream, chunks, first = await fetcher.open(url)
        except (httpx.HTTPError, UpstreamError) as exc:
            log.warning("invoice PDF fetch failed for %s: %s", invoice.stripe_invoice_id, exc)
            return PlainTextResponse("The invoice PDF is unavailable right now; try again.", 502)

        return StreamingResponse(
            _relay(chunks, first, upstream.aclose),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{filename_for(invoice)}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
            background=BackgroundTask(upstream.aclose),
        )

    return Route("/invoices/{id}/pdf", invoice_pdf, methods=["GET"], name="invoice_pdf")

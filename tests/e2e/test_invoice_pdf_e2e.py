"""Invoice PDFs over real HTTP: `Invoice.downloadUrl` and the owner's token get the PDF, nobody else.

The gateway runs as a `serve` process; the PDF comes from the sandbox's
`invoice_pdf` URL through the gateway. Every refusal is the same plain 404 a
path that does not exist gets, so it tells nothing about the invoice.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from gateway_process import JWT_SECRET

from billing import ids
from billing.invoices.download_links import LINK_TTL
from gateway.app import create_app
from gateway.settings import load_settings
from models import Invoice
from tests.e2e.test_buying_e2e import buy

INVOICES = "{ invoices { edges { node { id number stripeInvoiceId downloadUrl } } } }"


async def get(e2e, path_or_url: str, *, user: str | None = None, token: str | None = None) -> httpx.Response:
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {e2e.gateway.token(user)}"
    if token is not None:
        headers["Authorization"] = token
    async with httpx.AsyncClient(base_url=e2e.gateway.base_url, timeout=30) as http:
        return await http.get(path_or_url, headers=headers)


async def bought_invoice(e2e, user: str) -> dict:
    await buy(e2e, user)
    answer = await e2e.gateway.graphql(INVOICES, user=user)
    (invoice,) = [edge["node"] for edge in answer["data"]["invoices"]["edges"]]
    return invoice


async def test_download_link_and_owner_token_get_the_pdf(e2e) -> None:
    invoice = await bought_invoice(e2e, "pdf-owner")
    link = invoice["downloadUrl"]
    assert link.startswith(e2e.gateway.base_url + f"/invoices/{invoice['id']}/pdf?expires=")

    by_link = await get(e2e, link)  # no header: the signed link alone is enough
    assert by_link.status_code == 200, by_link.text
    assert by_link.content.startswith(b"%PDF-") and b"%%EOF" in by_link.content[-64:]
    assert by_link.headers["content-type"] == "application/pdf"
    disposition = by_link.headers["content-disposition"]
    assert disposition == f'attachment; filename="invoice-{invoice["number"]}.pdf"', disposition
    assert "no-store" in by_link.headers["cache-control"]
    # The very bytes Stripe serves at the invoice's `invoice_pdf`.
    stripe_side = await e2e.world.services.stripe.v1.invoices.retrieve_async(invoice["stripeInvoiceId"])
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.get(stripe_side.invoice_pdf)).content == by_link.content

    by_token = await get(e2e, f"/invoices/{invoice['id']}/pdf", user="pdf-owner")
    assert by_token.status_code == 200 and by_token.content == by_link.content


async def test_everyone_else_gets_the_same_404(e2e) -> None:
    invoice = await bought_invoice(e2e, "pdf-victim")
    link = invoice["downloadUrl"]
    path = f"/invoices/{invoice['id']}/pdf"
    query = parse_qs(urlsplit(link).query)
    expires, sig = query["expires"][0], query["sig"][0]
    other_invoice = ids.encode("Invoice", 2**40)
    payment_id = ids.encode("Payment", ids.decode_as(invoice["id"], "Invoice"))
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")

    refusals = {
        "no credentials": await get(e2e, path),
        "another user's token": await get(e2e, path, user="pdf-snoop"),
        "a token that is not a JWT": await get(e2e, path, token="Bearer not.a.jwt"),
        "not a bearer header": await get(e2e, path, token="Basic cGRmOnBkZg=="),
        "tampered signature": await get(e2e, f"{path}?expires={expires}&sig={flipped}"),
        "later expiry, same signature": await get(e2e, f"{path}?expires={int(expires) + 3600}&sig={sig}"),
        "signature of another invoice": await get(
            e2e, f"/invoices/{other_invoice}/pdf?expires={expires}&sig={sig}"
        ),
        "unknown invoice, owner's token": await get(e2e, f"/invoices/{other_invoice}/pdf", user="pdf-victim"),
        "a payment's id": await get(e2e, f"/invoices/{payment_id}/pdf", user="pdf-victim"),
        "malformed id": await get(e2e, "/invoices/%%%not-an-id/pdf", user="pdf-victim"),
        "garbage expiry": await get(e2e, f"{path}?expires=soon&sig={sig}"),
    }
    nothing_here = await get(e2e, "/no/such/path")
    for why, response in refusals.items():
        assert response.status_code == 404, (why, response.status_code)
        assert response.content == nothing_here.content == b"Not Found", why
        assert response.headers["content-type"] == nothing_here.headers["content-type"], why
        assert "content-disposition" not in response.headers, why


async def test_link_expires_after_its_lifetime_but_the_owner_token_still_works(e2e) -> None:
    invoice = await bought_invoice(e2e, "pdf-late")
    link = invoice["downloadUrl"]
    assert (await get(e2e, link)).status_code == 200

    await e2e.world.advance(int(LINK_TTL.total_seconds()) + 60)
    expired = await get(e2e, link)
    assert expired.status_code == 404 and expired.content == b"Not Found"
    owner = await get(e2e, f"/invoices/{invoice['id']}/pdf", user="pdf-late")
    assert owner.status_code == 200 and owner.content.startswith(b"%PDF-")
    # A fresh link from the API works again.
    fresh = (await e2e.gateway.graphql(INVOICES, user="pdf-late"))["data"]["invoices"]["edges"][0]["node"]
    assert fresh["downloadUrl"] != link and (await get(e2e, fresh["downloadUrl"])).status_code == 200


async def test_pdf_url_comes_from_stripe_and_must_be_a_pdf(e2e) -> None:
    invoice = await bought_invoice(e2e, "pdf-stored")
    path = f"/invoices/{invoice['id']}/pdf"
    row = await Invoice.get(stripe_invoice_id=invoice["stripeInvoiceId"])

    # A row not yet carrying Stripe's PDF link: the route asks Stripe for the invoice.
    await Invoice.filter(pk=row.pk).update(invoice_pdf=None)
    fetched = await get(e2e, path, user="pdf-stored")
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF-")

    # Whatever the stored link serves must be a PDF: Stripe's HTML invoice page is refused.
    await Invoice.filter(pk=row.pk).update(invoice_pdf=row.hosted_invoice_url)
    refused = await get(e2e, path, user="pdf-stored")
    assert refused.status_code == 502 and "content-disposition" not in refused.headers
    assert b"<html" not in refused.content.lower()


async def test_the_pooled_pdf_client_is_closed_when_the_app_shuts_down(e2e) -> None:
    """The route keeps one HTTP client to Stripe for all downloads; shutting the app down closes it."""
    invoice = await bought_invoice(e2e, "pdf-shutdown")
    settings = load_settings(
        _env_file=None, auth_jwt_secret=JWT_SECRET, database_url=e2e.gateway.env["DATABASE_URL"]
    )
    services = e2e.world.services
    app = create_app(settings, clock=services.clock, services=services, manage_db=False)
    owner = {"Authorization": f"Bearer {e2e.gateway.token('pdf-shutdown')}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            for _ in range(2):
                pdf = await http.get(f"/invoices/{invoice['id']}/pdf", headers=owner)
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        fetcher = app.state.invoice_pdf_fetcher
        assert fetcher.is_open, "the client is pooled across downloads"
    assert not fetcher.is_open, "shutdown left the PDF client's connections open"

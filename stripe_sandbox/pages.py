"""Hosted pages: checkout, billing portal, hosted invoice page and its PDF.

Why: a newcomer (and the browser test) must be able to click through a
purchase exactly as on Stripe: open the session URL, pick a test payment
method, press Pay (confirm 3-D Secure when asked), land on ``success_url``.
Plain server-rendered HTML forms, no JavaScript, so any browser works.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from . import checkout, discounts, payments, subscriptions
from .api import base_url_of
from .core import Sandbox
from .errors import StripeError
from .money import format_amount
from .pdf import invoice_pdf, reverse_charge_note

COUNTRIES = ["US", "DE", "FR", "GB", "JP", "CA", "AU", "NL", "IE", "IT", "ES"]

METHOD_LABELS = {
    "card": "Card that succeeds (4242 4242 4242 4242; Apple Pay and Google Pay ride on it)",
    "card_declined": "Card that is declined (4000 0000 0000 0002)",
    "card_3ds": "Card that asks for 3-D Secure (4000 0025 0000 3155)",
    "sepa_debit": "Delayed bank debit (SEPA, DE89 3704 0044 0532 0130 00)",
    "paypal": "PayPal (approve on PayPal's page)",
    "bank_transfer": "Bank transfer (the funds arrive later)",
}

STYLE = """
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.4rem} .amount{font-size:2rem;font-weight:600;margin:.5rem 0}
.muted{color:#697386} .error{background:#fde8e8;color:#9b1c1c;padding:.6rem;border-radius:6px}
label.method{display:block;border:1px solid #e3e8ee;border-radius:6px;padding:.6rem;margin:.4rem 0}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:.7rem 1.4rem;font-size:1rem}
table{width:100%;border-collapse:collapse} td{padding:.3rem 0} td.r{text-align:right}
"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}"
        "<p class='muted'><small>Stripe sandbox — test mode</small></p></body></html>",
        status_code=status,
    )


def _sb(request: Request) -> Sandbox:
    sb: Sandbox = request.app.state.sandbox
    sb.base_url = base_url_of(request)
    return sb


def _not_found(what: str) -> HTMLResponse:
    return page("Not found", f"<h1>Not found</h1><p>No such {html.escape(what)}.</p>", 404)


# -- checkout -------------------------------------------------------------------------
def _success_redirect(session: dict[str, Any]) -> Response:
    url = session["success_url"]
    if not url:
        return page("Payment complete", "<h1>Thanks!</h1><p>Your payment is complete.</p>")
    return RedirectResponse(url.replace("{CHECKOUT_SESSION_ID}", session["id"]), status_code=303)


def _checkout_form(sb: Sandbox, session: dict[str, Any], error: str | None = None) -> HTMLResponse:
    sid = html.escape(session["id"])
    items = checkout.line_items(sb, session)["data"] if session["mode"] != "setup" else []
    rows = "".join(
        f"<tr><td>{html.escape(i['description'])} \u00d7 {i['quantity']}</td>"
        f"<td class='r'>{format_amount(i['amount_subtotal'], i['currency'])}</td></tr>"
        for i in items
    )
    currency = session["currency"]
    # Only what the session offers: what the account has on and suits the currency and mode.
    methods = [m for m in METHOD_LABELS if checkout.offers(session, m)]
    if session["mode"] == "setup":
        summary = "<p>Save a payment method for future payments.</p>"
        methods = [m for m in methods if m != "bank_transfer"]
    else:
        tax_amount = (session["total_details"] or {}).get("amount_tax", 0)
        tax_note = (
            f"<tr><td class='muted'>Tax included</td><td class='r' id='tax'>"
            f"{format_amount(tax_amount, currency)}</td></tr>"
            if session["automatic_tax"]["enabled"]
            else ""
        )
        per = ""
        if session["mode"] == "subscription" and items:
            per = " per " + items[0]["price"]["recurring"]["interval"]
        total = format_amount(session["amount_total"], currency)
        summary = (
            f"<div class='amount' id='amount'>{total}</div>"
            f"<div class='muted' id='currency'>{html.escape((currency or '').upper())}{per}"
            f"</div><table>{rows}{discounts.page_row(sb, session)}{tax_note}</table>"
        )
    radios = "".join(
        f"<label class='method'><input type='radio' name='method' value='{m}'"
        f"{' checked' if i == 0 else ''}> {html.escape(METHOD_LABELS[m])}</label>"
        for i, m in enumerate(methods)
    )
    customer = sb.store.find("customer", session["customer"])
    current = ((customer or {}).get("address") or {}).get("country") or "US"
    options = "".join(f"<option{' selected' if c == current else ''}>{c}</option>" for c in COUNTRIES)
    cancel = (
        f"<p><a id='cancel' href='{html.escape(session['cancel_url'])}'>Cancel and go back</a></p>"
        if session["cancel_url"]
        else ""
    )
    tax_id = (
        "<p><label>Business name <input name='business_name' id='business_name'></label></p>"
        "<p><label>VAT number <input name='vat_number' id='vat_number'></label></p>"
        if session["tax_id_collection"]["enabled"]
        else ""
    )
    err = f"<p class='error' id='error'>{html.escape(error)}</p>" if error else ""
    label = (
        "Save"
        if session["mode"] == "setup"
        else ("Subscribe" if session["mode"] == "subscription" else "Pay")
    )
    body = (
        f"<h1>Checkout</h1>{summary}{err}"
        f"<form method='post' action='/checkout/{sid}/pay'>"
        f"<fieldset><legend>Payment method</legend>{radios}</fieldset>"
        f"<p><label>Country <select name='country'>{options}</select></label></p>{tax_id}"
        f"<button type='submit' id='pay'>{label}</button></form>{cancel}"
    )
    return page("Checkout", body)


async def checkout_page(request: Request) -> Response:
    sb = _sb(request)
    session = sb.store.find("checkout.session", request.path_params["id"])
    if session is None:
        return _not_found("checkout session")
    sb.tick(force=True)
    if session["status"] == "complete":
        return _success_redirect(session)
    if session["status"] != "open":
        return page("Session expired", "<h1>This checkout session has expired.</h1>", 410)
    return _checkout_form(sb, session)


_BUYER_FIELDS = ("country", "business_name", "vat_number")


def _buyer_of(form: Any) -> checkout.Buyer:
    country = str(form.get("country") or "") or None
    vat = str(form.get("vat_number") or "").strip()
    return checkout.Buyer(
        country=country,
        tax_id={"type": "eu_vat", "value": vat} if vat else None,
        business_name=str(form.get("business_name") or "").strip() or None,
    )


def _hidden(form: Any) -> str:
    """The buyer's entries carried through an approval or 3-D Secure step."""
    return "".join(
        f"<input type='hidden' name='{name}' value='{html.escape(str(form.get(name) or ''))}'>"
        for name in _BUYER_FIELDS
    )


async def checkout_pay(request: Request) -> Response:
    sb = _sb(request)
    session = sb.store.find("checkout.session", request.path_params["id"])
    if session is None:
        return _not_found("checkout session")
    form = await request.form()
    method = str(form.get("method", "card"))
    if method in payments.TEST_METHODS and not checkout.offers(session, method):
        return _checkout_form(sb, session, "Choose a payment method.")
    sid = html.escape(session["id"])
    if method == "card_3ds" and session["status"] == "open":
        body = (
            "<h1>3-D Secure authentication</h1><p>Your bank asks you to confirm this payment.</p>"
            f"<form method='post' action='/checkout/{sid}/authenticate'>{_hidden(form)}"
            "<button type='submit' name='result' value='complete' id='authenticate'>"
            "Complete authentication</button> "
            "<button type='submit' name='result' value='fail' id='fail-auth'>Fail authentication</button>"
            "</form>"
        )
        return page("Authenticate", body)
    if method == "paypal" and session["status"] == "open":
        amount = (
            format_amount(session["amount_total"], session["currency"]) if session["amount_total"] else ""
        )
        body = (
            "<h1>PayPal</h1><p>Log in to PayPal and approve the payment"
            f"{' of ' + amount if amount else ''} to the merchant.</p>"
            f"<form method='post' action='/checkout/{sid}/paypal'>{_hidden(form)}"
            "<button type='submit' name='result' value='approve' id='approve'>Approve</button> "
            "<button type='submit' name='result' value='cancel' id='cancel-paypal'>Cancel and return</button>"
            "</form>"
        )
        return page("PayPal", body)
    return _finish(sb, session, method, _buyer_of(form))


async def checkout_authenticate(request: Request) -> Response:
    sb = _sb(request)
    session = sb.store.find("checkout.session", request.path_params["id"])
    if session is None:
        return _not_found("checkout session")
    form = await request.form()
    if form.get("result") != "complete":
        return _checkout_form(sb, session, "We are unable to authenticate your payment method.")
    return _finish(sb, session, "card_3ds", _buyer_of(form), authenticated=True)


async def checkout_paypal(request: Request) -> Response:
    """PayPal's approval page answered: approved goes through, cancelled returns to the choice."""
    sb = _sb(request)
    session = sb.store.find("checkout.session", request.path_params["id"])
    if session is None:
        return _not_found("checkout session")
    form = await request.form()
    if form.get("result") != "approve":
        return _checkout_form(sb, session, "The PayPal payment was not approved.")
    return _finish(sb, session, "paypal", _buyer_of(form), authenticated=True)


def _finish(
    sb: Sandbox, session: dict[str, Any], method: str, buyer: checkout.Buyer, authenticated: bool = False
) -> Response:
    if method not in payments.TEST_METHODS:
        return _checkout_form(sb, session, "Choose a payment method.")
    try:
        checkout.complete(sb, session, method, buyer=buyer, authenticated=authenticated, offered_only=True)
    except StripeError as exc:
        sb.after_request()
        if session["status"] != "open":
            return page("Checkout", f"<h1>{html.escape(exc.message)}</h1>", 410)
        return _checkout_form(sb, session, exc.message)
    sb.after_request()
    return _success_redirect(session)


# -- billing portal -------------------------------------------------------------------
async def portal_page(request: Request) -> Response:
    sb = _sb(request)
    portal = sb.store.find("billing_portal.session", request.path_params["id"])
    if portal is None:
        return _not_found("portal session")
    customer = sb.store.get("customer", portal["customer"])
    pm = sb.store.find("payment_method", customer["invoice_settings"]["default_payment_method"])
    current = f"{pm['type']} •••• {pm.get(pm['type'], {}).get('last4', '')}" if pm else "none on file"
    subs = [
        s
        for s in sb.store.all("subscription")
        if s["customer"] == customer["id"] and s["status"] in subscriptions.LIVE
    ]
    sub_rows = "".join(
        f"<li>{html.escape(s['id'])}: {s['status']}, current period ends "
        f"{subscriptions.period_end_of(s)}"
        f"{' (cancels at period end)' if s['cancel_at_period_end'] else ''}</li>"
        for s in subs
    )
    radios = "".join(
        f"<label class='method'><input type='radio' name='method' value='{m}'"
        f"{' checked' if i == 0 else ''}> {html.escape(METHOD_LABELS[m])}</label>"
        for i, m in enumerate(["card", "card_declined", "card_3ds"])
    )
    back = portal["return_url"]
    body = (
        f"<h1>Billing</h1><p>{html.escape(customer['email'] or customer['id'])}</p>"
        f"<p>Default payment method: <strong id='current'>{html.escape(current)}</strong></p>"
        f"<ul>{sub_rows}</ul>"
        f"<form method='post' action='/billing_portal/{html.escape(portal['id'])}/card'>"
        f"<fieldset><legend>Change card</legend>{radios}</fieldset>"
        "<button type='submit' id='save'>Update card</button></form>"
        + (f"<p><a id='return' href='{html.escape(back)}'>Return to the site</a></p>" if back else "")
    )
    return page("Billing portal", body)


async def portal_card(request: Request) -> Response:
    sb = _sb(request)
    portal = sb.store.find("billing_portal.session", request.path_params["id"])
    if portal is None:
        return _not_found("portal session")
    form = await request.form()
    method = str(form.get("method", "card"))
    if method not in ("card", "card_declined", "card_3ds"):
        method = "card"
    customer = sb.store.get("customer", portal["customer"])
    pm = payments.make_payment_method(sb, method, customer=customer)
    customer["invoice_settings"]["default_payment_method"] = pm["id"]
    sb.store.meta_of(customer["id"])["card_outcome"] = payments.TEST_METHODS[method][1]
    for sub in sb.store.all("subscription"):
        if sub["customer"] == customer["id"] and sub["status"] in (*subscriptions.LIVE, "unpaid"):
            previous = {"default_payment_method": sub["default_payment_method"]}
            sub["default_payment_method"] = pm["id"]
            sb.emit("customer.subscription.updated", sub, previous)
    sb.store.touch()
    sb.after_request()
    if portal["return_url"]:
        return RedirectResponse(portal["return_url"], status_code=303)
    return RedirectResponse(f"/billing_portal/{portal['id']}", status_code=303)


# -- hosted invoice page --------------------------------------------------------------
async def invoice_page(request: Request) -> Response:
    sb = _sb(request)
    invoice = sb.store.find("invoice", request.path_params["id"])
    if invoice is None or invoice["status"] == "draft":
        return _not_found("invoice")
    currency = invoice["currency"]
    rows = "".join(
        f"<tr><td>{html.escape(line['description'])}</td>"
        f"<td class='r'>{format_amount(line['amount'], currency)}</td></tr>"
        for line in invoice["lines"]["data"]
    )
    tax_amount = sum(t["amount"] for t in invoice["total_taxes"] or [])
    pi_id = sb.store.meta_of(invoice["id"]).get("payment_intent")
    pi = sb.store.find("payment_intent", pi_id)
    action = ""
    if invoice["status"] == "open":
        needs_auth = pi is not None and pi["status"] == "requires_action"
        label = "Confirm payment (3-D Secure)" if needs_auth else "Pay this invoice"
        action = (
            f"<form method='post' action='/invoices/{html.escape(invoice['id'])}/confirm'>"
            f"<button type='submit' id='confirm'>{label}</button></form>"
        )
    body = (
        f"<h1>Invoice {html.escape(invoice['number'] or '')}</h1>"
        f"<div class='amount'>{format_amount(invoice['total'], currency)}</div>"
        f"<p>Status: <strong id='status'>{html.escape(invoice['status'])}</strong></p>"
        f"<table>{rows}{discounts.invoice_page_row(sb, invoice)}<tr><td class='muted'>Tax included</td>"
        f"<td class='r'>{format_amount(tax_amount, currency)}</td></tr></table>"
        + (
            f"<p id='reverse-charge'>{html.escape(note)}</p>"
            if (note := reverse_charge_note(invoice))
            else ""
        )
        + f"{action}"
        f"<p><a href='/invoices/{quote(invoice['id'])}/pdf'>Download PDF</a></p>"
    )
    return page(f"Invoice {invoice['number']}", body)


async def invoice_confirm(request: Request) -> Response:
    sb = _sb(request)
    invoice = sb.store.find("invoice", request.path_params["id"])
    if invoice is None:
        return _not_found("invoice")
    if invoice["status"] == "open":
        subscriptions.attempt(sb, invoice, outcome="ok")
        sb.after_request()
    return RedirectResponse(f"/invoices/{invoice['id']}", status_code=303)


async def invoice_pdf_route(request: Request) -> Response:
    sb = _sb(request)
    invoice = sb.store.find("invoice", request.path_params["id"])
    if invoice is None or invoice["status"] == "draft":
        return _not_found("invoice")
    return Response(
        invoice_pdf(invoice),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice["number"]}.pdf"'},
    )


async def receipt_page(request: Request) -> Response:
    """``charge.receipt_url``: a minimal receipt."""
    sb = _sb(request)
    charge = sb.store.find("charge", request.path_params["id"])
    if charge is None:
        return _not_found("receipt")
    refunded = (
        f"<p>Refunded: {format_amount(charge['amount_refunded'], charge['currency'])}</p>"
        if charge["amount_refunded"]
        else ""
    )
    return page(
        "Receipt",
        f"<h1>Receipt</h1><div class='amount'>{format_amount(charge['amount'], charge['currency'])}"
        f"</div><p>Status: {html.escape(charge['status'])}</p>{refunded}",
    )


async def transfer_instructions(request: Request) -> Response:
    """``next_action.display_bank_transfer_instructions.hosted_instructions_url``."""
    sb = _sb(request)
    pi = sb.store.find("payment_intent", request.path_params["id"])
    if pi is None or not pi.get("next_action"):
        return _not_found("bank transfer")
    details = pi["next_action"]["display_bank_transfer_instructions"]
    return page(
        "Bank transfer",
        "<h1>Send a bank transfer</h1>"
        f"<div class='amount'>{format_amount(details['amount_remaining'], details['currency'])}</div>"
        f"<p>Reference: <strong id='reference'>{html.escape(details['reference'])}</strong></p>"
        "<p class='muted'>IBAN DE00 0000 0000 0000 0000 00 (sandbox)</p>",
    )


async def index(request: Request) -> Response:
    return page(
        "Stripe sandbox",
        "<h1>Stripe sandbox</h1><p>API under <code>/v1</code>, control API under <code>/_sandbox</code>.</p>",
    )


ROUTES = [
    Route("/", index, methods=["GET"]),
    Route("/checkout/{id}", checkout_page, methods=["GET"]),
    Route("/checkout/{id}/pay", checkout_pay, methods=["POST"]),
    Route("/checkout/{id}/authenticate", checkout_authenticate, methods=["POST"]),
    Route("/checkout/{id}/paypal", checkout_paypal, methods=["POST"]),
    Route("/billing_portal/{id}", portal_page, methods=["GET"]),
    Route("/billing_portal/{id}/card", portal_card, methods=["POST"]),
    Route("/invoices/{id}", invoice_page, methods=["GET"]),
    Route("/invoices/{id}/confirm", invoice_confirm, methods=["POST"]),
    Route("/invoices/{id}/pdf", invoice_pdf_route, methods=["GET"]),
    Route("/receipts/{id}", receipt_page, methods=["GET"]),
    Route("/payment_intents/{id}/instructions", transfer_instructions, methods=["GET"]),
]

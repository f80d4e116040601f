"""Checkout Sessions: create (subscription / payment / setup), complete, expire.

Why: Checkout is how the gateway sells.  Completion is shared by the hosted
page and the control API and follows Stripe's current (basil+) behaviour: a
subscription is created only once the first payment succeeds (or is
processing, for delayed methods); a declined attempt leaves the session open.
Events come in the order Stripe gives them, e.g. for a paid subscription:
``customer.subscription.created``, ``invoice.finalized``, ``invoice.paid``,
``payment_intent.succeeded``, ``checkout.session.completed``,
``customer.subscription.updated`` (incomplete -> active).  A setup-mode
session only collects a payment method (SetupIntent); it sets no default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import account, customers, discounts, invoices, payments, subscriptions, tax, trials
from . import params as p
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate
from .customers import blank_address, make_customer
from .errors import StripeError, card_declined, invalid, required
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

DEFAULT_TTL = 24 * 3600
MIN_TTL = 30 * 60

PAYMENT_METHOD_TYPES = frozenset(
    """acss_debit affirm afterpay_clearpay alipay amazon_pay au_becs_debit bacs_debit bancontact
    blik boleto card cashapp customer_balance eps fpx giropay grabpay ideal kakao_pay klarna konbini
    kr_card link mobilepay multibanco naver_pay oxxo p24 pay_by_bank payco paynow paypal pix
    promptpay revolut_pay samsung_pay sepa_debit sofort swish twint us_bank_account wechat_pay
    zip""".split()
)

#: Tax id types the sandbox's page collects (Stripe's ``customer_details.tax_ids[].type``).
TAX_ID_TYPES = frozenset({"eu_vat", "gb_vat", "au_abn", "ca_bn", "jp_cn", "us_ein"})

METADATA_ONLY = {"metadata": p.METADATA, "description": p.STR}

CREATE_SPEC: dict[str, Any] = {
    "mode": p.one_of("payment", "setup", "subscription"),
    "line_items": [{"price": p.STR, "quantity": p.INT}],
    "customer": p.STR,
    "customer_email": p.STR,
    "customer_creation": p.one_of("always", "if_required"),
    "client_reference_id": p.STR,
    "metadata": p.METADATA,
    "success_url": p.STR,
    "cancel_url": p.STR,
    "automatic_tax": {"enabled": p.BOOL},
    "billing_address_collection": p.one_of("auto", "required"),
    "tax_id_collection": {"enabled": p.BOOL, "required": p.one_of("if_supported", "never")},
    "customer_update": {
        "address": p.one_of("auto", "never"),
        "name": p.one_of("auto", "never"),
        "shipping": p.one_of("auto", "never"),
    },
    "invoice_creation": {
        "enabled": p.BOOL,
        "invoice_data": {"metadata": p.METADATA, "description": p.STR, "footer": p.STR},
    },
    "subscription_data": {**METADATA_ONLY, **trials.SUBSCRIPTION_DATA_SPEC},
    "payment_intent_data": {
        **METADATA_ONLY,
        "setup_future_usage": p.one_of("off_session", "on_session"),
        "receipt_email": p.STR,
        "statement_descriptor_suffix": p.STR,
    },
    "setup_intent_data": {**METADATA_ONLY},
    "allowed_payment_method_types": [p.STR],
    "excluded_payment_method_types": [p.STR],
    "currency": p.STR,
    "expires_at": p.INT,
    "locale": p.STR,
    "allow_promotion_codes": p.BOOL,
    "discounts": discounts.SESSION_DISCOUNT_SPEC,  # coupon / promotion_code (discounts.py)
    "submit_type": p.one_of("auto", "book", "donate", "pay", "subscribe"),
    "ui_mode": p.one_of("hosted_page"),  # Session.ui_mode at endive: elements|embedded_page|form|hosted_page
}

#: Control-API / hosted-page outcomes -> test payment method.
OUTCOME_METHODS = {"paid": "card", "declined": "card_declined", "delayed": "sepa_debit"}


def _fail(message: str, param: str) -> StripeError:
    return invalid(message, param=param)


def _load_lines(sb: Sandbox, prm: dict[str, Any], mode: str) -> list[tuple[dict[str, Any], int]]:
    lines = prm.get("line_items") or []
    if mode == "setup":
        if lines:
            raise _fail("You cannot pass `line_items` in `setup` mode.", "line_items")
        return []
    if not lines:
        raise required("line_items")
    loaded = []
    for index, line in enumerate(lines):
        param = f"line_items[{index}][price]"
        if not line.get("price"):
            raise required(param)
        price = sb.store.get("price", line["price"], param)
        if not price["active"]:
            raise _fail(
                f"The price `{price['id']}` is not available to be purchased because it is not active.",
                param,
            )
        if mode == "payment" and price["type"] == "recurring":
            raise _fail(
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
                param,
            )
        quantity = line.get("quantity")
        if quantity is None:
            raise required(f"line_items[{index}][quantity]")
        if quantity < 1:
            raise _fail("Quantity must be at least 1.", f"line_items[{index}][quantity]")
        loaded.append((price, quantity))
    if mode == "subscription" and not any(pr["type"] == "recurring" for pr, _ in loaded):
        raise _fail(
            "You must provide at least one recurring price in `subscription` mode when using prices.",
            "line_items",
        )
    currencies = {pr["currency"] for pr, _ in loaded}
    if len(currencies) > 1:
        raise _fail("All prices on a Checkout Session must have the same currency.", "line_items")
    return loaded


def _check_mode_params(prm: dict[str, Any], mode: str) -> None:
    only = {
        "invoice_creation": "payment",
        "payment_intent_data": "payment",
        "subscription_data": "subscription",
        "setup_intent_data": "setup",
    }
    for name, allowed_mode in only.items():
        if prm.get(name) is not None and mode != allowed_mode:
            raise _fail(f"`{name}` can only be used in `{allowed_mode}` mode.", name)
    for name in ("allowed_payment_method_types", "excluded_payment_method_types"):
        for index, kind in enumerate(prm.get(name) or []):
            if kind not in PAYMENT_METHOD_TYPES:
                raise _fail(
                    f"Invalid {name}[{index}]: must be one of " + ", ".join(sorted(PAYMENT_METHOD_TYPES)),
                    f"{name}[{index}]",
                )


def _offered(sb: Sandbox, prm: dict[str, Any], mode: str, currency: str | None) -> list[str]:
    """The methods this session can take (Stripe reports them as ``payment_method_types``)."""
    methods = account.offered_methods(
        sb,
        currency=currency,
        mode=mode,
        allowed=prm.get("allowed_payment_method_types"),
        excluded=prm.get("excluded_payment_method_types"),
    )
    if not methods:
        raise _fail(
            "No payment method this account has switched on can be used for this Checkout Session "
            f"(mode {mode}, currency {currency or 'none'}).",
            "payment_method_types",
        )
    return methods


def _location(customer: dict[str, Any] | None) -> tuple[str | None, str | None]:
    address = (customer or {}).get("address") or {}
    return address.get("country"), address.get("state")


def _price_amounts(
    lines: list[tuple[dict[str, Any], int]],
    automatic_tax: bool,
    country: str | None,
    state: str | None,
    reason: str,
    offs: list[int] | None = None,
) -> tuple[int, int, int, list[dict[str, Any]]]:
    subtotal = total = tax_amount = 0
    per_line = []
    for index, (price, quantity) in enumerate(lines):
        amount = price["unit_amount"] * quantity
        off = offs[index] if offs else 0  # discounts.py: tax on the discounted amount
        line_tax = (
            tax.compute(amount - off, price["tax_behavior"], country, state, reason)
            if automatic_tax
            else tax.compute(amount - off, "inclusive", None)
        )
        subtotal += amount
        total += line_tax["total"]
        tax_amount += line_tax["tax"]
        per_line.append(line_tax)
    return subtotal, total, tax_amount, per_line


def create(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    mode = prm.get("mode")
    if mode is None:
        raise required("mode")
    _check_mode_params(prm, mode)
    customer = sb.store.get("customer", prm["customer"], "customer") if prm.get("customer") else None
    if prm.get("customer_update") is not None and customer is None:
        raise _fail("`customer_update` can only be used with `customer`.", "customer_update")
    if customer is not None and prm.get("customer_email"):
        raise _fail(
            "You may only specify one of these parameters: customer, customer_email.", "customer_email"
        )
    lines = _load_lines(sb, prm, mode)
    trials.check_session(sb, prm)  # trial_period_days / trial_end (trials.py)
    now = sb.clock.now()
    expires_at = prm.get("expires_at") or now + DEFAULT_TTL
    if not now + MIN_TTL <= expires_at <= now + DEFAULT_TTL:
        raise _fail(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout "
            "Session creation.",
            "expires_at",
        )
    if mode == "setup":
        # SessionCreateParams.currency: "Required in `setup` mode when `allowed_payment_method_types`
        # is not set" (the SDK's docstring, 2026-10-28.endive).
        if not prm.get("currency") and not prm.get("allowed_payment_method_types"):
            raise _fail(
                "You must provide `currency` or `allowed_payment_method_types` in `setup` mode.",
                "currency",
            )
        currency = (prm.get("currency") or "").lower() or None
    else:
        currency = lines[0][0]["currency"]
        if prm.get("currency") and prm["currency"].lower() != currency:
            raise _fail("The currency must match the currency of the line items.", "currency")
    automatic_tax = bool((prm.get("automatic_tax") or {}).get("enabled"))
    country, state = _location(customer)
    update = prm.get("customer_update") or {}
    if (
        automatic_tax
        and customer is not None
        and not country
        and "auto"
        not in (
            update.get("address"),
            update.get("shipping"),
        )
    ):
        raise _fail(
            "Automatic tax calculation in Checkout requires a valid address on the Customer. Add "
            "a valid address to the Customer or set either customer_update[address] to 'auto' or "
            "customer_update[shipping] to 'auto' to save the address entered in Checkout to the "
            "Customer.",
            "customer_update[address]",
        )
    session_id = new_id("cs_test", 58)
    invoice_creation = None
    if mode == "payment":
        ic = prm.get("invoice_creation") or {}
        data = ic.get("invoice_data") or {}
        invoice_creation = {
            "enabled": bool(ic.get("enabled")),
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": data.get("description"),
                "footer": data.get("footer"),
                "issuer": None,
                "metadata": data.get("metadata") or {},
                "rendering_options": None,
            },
        }
    session: dict[str, Any] = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": prm.get("allow_promotion_codes"),
        "amount_subtotal": None,
        "amount_total": None,
        "automatic_tax": {
            "enabled": automatic_tax,
            "liability": {"type": "self"} if automatic_tax else None,
            "provider": "stripe" if automatic_tax else None,
            "status": None,
        },
        "billing_address_collection": prm.get("billing_address_collection"),
        "cancel_url": prm.get("cancel_url"),
        "client_reference_id": prm.get("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": customer["id"] if customer else None,
        "customer_creation": None
        if customer
        else ("always" if mode != "payment" else (prm.get("customer_creation") or "if_required")),
        "customer_details": None,
        "customer_email": prm.get("customer_email"),
        "discounts": [],
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": invoice_creation,
        "livemode": False,
        "locale": prm.get("locale"),
        "metadata": prm.get("metadata") or {},
        "mode": mode,
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always" if mode != "setup" else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": _offered(sb, prm, mode, currency),
        "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": prm.get("submit_type"),
        "subscription": None,
        "success_url": prm.get("success_url"),
        "tax_id_collection": {
            "enabled": bool((prm.get("tax_id_collection") or {}).get("enabled")),
            "required": (prm.get("tax_id_collection") or {}).get("required") or "never",
        },
        "total_details": None,
        "ui_mode": "hosted_page",
        "url": f"{sb.base_url}/checkout/{session_id}",
        "wallet_options": None,
    }
    meta = sb.store.meta_of(session_id)
    meta.update(
        lines=[[price["id"], qty] for price, qty in lines],
        line_ids=[new_id("li", 24) for _ in lines],
        subscription_data=prm.get("subscription_data") or {},
        payment_intent_data=prm.get("payment_intent_data") or {},
        setup_intent_data=prm.get("setup_intent_data") or {},
        customer_update=prm.get("customer_update") or {},
    )
    session["discounts"], meta["discount"] = discounts.check_session(
        sb, prm, mode=mode, customer=session["customer"], currency=currency, lines=lines
    )
    _apply_amounts(sb, session, country, state)
    return sb.store.add(session)


def lines_of(sb: Sandbox, session: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
    return [(sb.store.get("price", pid), qty) for pid, qty in sb.store.meta_of(session["id"])["lines"]]


def _tax_reason(sb: Sandbox, session: dict[str, Any], country: str | None, state: str | None) -> str:
    """Stripe Tax's decision for this buyer: the tax ids entered on the page, else the customer's."""
    details = session.get("customer_details") or {}
    tax_ids = details.get("tax_ids") or customers.tax_ids_of(sb, session.get("customer"))
    return account.treatment(sb, country, state, tax_ids).reason


def _apply_amounts(sb: Sandbox, session: dict[str, Any], country: str | None, state: str | None) -> None:
    if session["mode"] == "setup":
        return
    automatic = session["automatic_tax"]["enabled"]
    reason = _tax_reason(sb, session, country, state)
    lines = lines_of(sb, session)
    offs = discounts.session_offs(sb, session, lines)
    subtotal, total, tax_amount, _ = _price_amounts(lines, automatic, country, state, reason, offs)
    session["amount_subtotal"] = subtotal
    session["amount_total"] = total
    session["total_details"] = {"amount_discount": sum(offs), "amount_shipping": 0, "amount_tax": tax_amount}
    if automatic:
        session["automatic_tax"]["status"] = "complete" if country else "requires_location_inputs"
    trials.apply_session_amounts(sb, session)  # a trial charges nothing today


def line_items(sb: Sandbox, session: dict[str, Any]) -> dict[str, Any]:
    """The session's ``item`` list (``expand[]=line_items`` / ``…/line_items``)."""
    country, state = _customer_location(sb, session)
    automatic = session["automatic_tax"]["enabled"]
    reason = _tax_reason(sb, session, country, state)
    meta = sb.store.meta_of(session["id"])
    data = []
    lines = lines_of(sb, session)
    offs = discounts.session_offs(sb, session, lines)
    for (price, quantity), item_id, off in zip(lines, meta["line_ids"], offs, strict=True):
        amount = price["unit_amount"] * quantity
        line_tax = (
            tax.compute(amount - off, price["tax_behavior"], country, state, reason)
            if automatic
            else tax.compute(amount - off, "inclusive", None)
        )
        product = sb.store.find("product", price["product"]) or {"name": ""}
        data.append(
            {
                "id": item_id,
                "object": "item",
                "adjustable_quantity": None,
                "amount_discount": off,
                "amount_subtotal": amount,
                "amount_tax": line_tax["tax"],
                "amount_total": line_tax["total"],
                "currency": price["currency"],
                "description": product["name"],
                "discounts": discounts.item_discounts(sb, session, off),
                "metadata": {},
                "price": price,
                "quantity": quantity,
                "taxes": [],
            }
        )
    return {
        "object": "list",
        "data": data,
        "has_more": False,
        "url": f"/v1/checkout/sessions/{session['id']}/line_items",
    }


def _customer_location(sb: Sandbox, session: dict[str, Any]) -> tuple[str | None, str | None]:
    """Where tax is computed: the collected address, else the customer's."""
    details = session.get("customer_details") or {}
    address = details.get("address") or {}
    if address.get("country"):
        return address.get("country"), address.get("state")
    return _location(sb.store.find("customer", session["customer"]))


# -- completion ---------------------------------------------------------------------
def _ensure_open(sb: Sandbox, session: dict[str, Any]) -> None:
    if session["status"] == "open" and session["expires_at"] <= sb.clock.now():
        expire(sb, session)
    if session["status"] != "open":
        raise invalid(
            f"This Checkout Session is no longer open (status: {session['status']}).",
            code="checkout_session_not_open"
            if session["status"] != "expired"
            else "checkout_session_expired",
        )


def _needs_customer(session: dict[str, Any]) -> bool:
    """Checkout creates a Customer unless this is a guest payment (``if_required``)."""
    if session["mode"] != "payment" or session["customer_creation"] == "always":
        return True
    return bool((session["invoice_creation"] or {}).get("enabled"))


@dataclass(frozen=True)
class Buyer:
    """What the buyer enters on the page besides the payment method.

    ``tax_id`` (``{"type": "eu_vat", "value": "FR…"}``) and ``business_name`` are
    taken only when the session has ``tax_id_collection[enabled]``, as on Stripe.
    """

    country: str | None = None
    state: str | None = None
    tax_id: dict[str, str] | None = None
    business_name: str | None = None


def _details(
    customer: dict[str, Any] | None, country: str, state: str | None, email: str | None, buyer: Buyer
) -> dict[str, Any]:
    return {
        "address": blank_address({"country": country, "state": state}),
        "business_name": buyer.business_name if buyer.tax_id else None,
        "email": email or "buyer@example.com",
        "individual_name": None,
        "name": customer["name"] if customer else "Sandbox Buyer",
        "phone": customer["phone"] if customer else None,
        "tax_exempt": customer["tax_exempt"] if customer else "none",
        "tax_ids": [{"type": buyer.tax_id["type"], "value": buyer.tax_id["value"]}] if buyer.tax_id else [],
    }


def _check_tax_id(session: dict[str, Any], buyer: Buyer) -> Buyer:
    if buyer.tax_id is None:
        return buyer
    if not session["tax_id_collection"]["enabled"]:
        return Buyer(buyer.country, buyer.state)  # the page has no field for it
    kind, value = buyer.tax_id.get("type"), buyer.tax_id.get("value")
    if kind not in TAX_ID_TYPES or not isinstance(value, str) or not value.strip():
        raise invalid(
            f"tax_id must be {{type: one of {', '.join(sorted(TAX_ID_TYPES))}, value}}", param="tax_id"
        )
    clean = value.replace(" ", "").upper()
    if kind == "eu_vat" and not account.valid_eu_vat(clean, (buyer.country or "").upper()):
        raise invalid(
            f"Invalid value for eu_vat: {value!r} is not a valid VAT number for {buyer.country}.",
            param="tax_id",
            code="tax_id_invalid",
        )
    return Buyer(buyer.country, buyer.state, {"type": kind, "value": clean}, buyer.business_name)


def _buyer(sb: Sandbox, session: dict[str, Any], buyer: Buyer) -> dict[str, Any] | None:
    """The session's customer, creating one as Checkout does, and record its details."""
    country, state = buyer.country, buyer.state
    customer = sb.store.find("customer", session["customer"])
    update = sb.store.meta_of(session["id"]).get("customer_update", {})
    if customer is None and not _needs_customer(session):
        # A guest payment: Checkout keeps the details on the session only.
        country = country or "US"
        session["customer_details"] = _details(None, country, state, session["customer_email"], buyer)
        _apply_amounts(sb, session, country, state)
        return None
    if customer is None:
        customer = make_customer(
            sb,
            {
                "email": session["customer_email"] or "buyer@example.com",
                "name": "Sandbox Buyer",
                "address": {"country": country or "US", **({"state": state} if state else {})},
            },
        )
        session["customer"] = customer["id"]
    else:
        current_country, current_state = _location(customer)
        if country is None:  # nothing entered on the page: the address on file
            country, state = current_country or "US", state or current_state
        if update.get("address") == "auto" and (country, state) != (current_country, current_state):
            customer["address"] = blank_address({"country": country, "state": state})
        if update.get("name") == "auto" and not customer["name"]:
            customer["name"] = "Sandbox Buyer"
    country = country or _location(customer)[0] or "US"
    if buyer.tax_id is not None:
        # Checkout saves a collected tax id on the customer (it needs customer_update[name]=auto
        # for an existing customer); Stripe Tax reads it for the invoices that follow.
        customers.add_tax_id(sb, customer, buyer.tax_id["type"], buyer.tax_id["value"])
        if buyer.business_name and update.get("name") == "auto":
            customer["name"] = buyer.business_name
    session["customer_details"] = _details(customer, country, state, customer["email"], buyer)
    session["collected_information"] = {
        "business_name": buyer.business_name if buyer.tax_id else None,
        "individual_name": None,
        "shipping_details": None,
    }
    _apply_amounts(sb, session, country, state)
    return customer


def offers(session: dict[str, Any], method: str) -> bool:
    """Whether the session's page offers this test method (its type is among the session's)."""
    return payments.TEST_METHODS[method][0] in session["payment_method_types"]


def complete(
    sb: Sandbox,
    session: dict[str, Any],
    method: str,
    *,
    country: str | None = None,
    state: str | None = None,
    authenticated: bool = False,
    buyer: Buyer | None = None,
    offered_only: bool = False,
) -> dict[str, Any]:
    """What pressing Pay does.  ``method`` is a key of :data:`payments.TEST_METHODS`.

    Raises a 402 ``card_declined`` :class:`StripeError` when the card is
    declined (the session stays open so the buyer can retry). ``offered_only``:
    refuse a method the page does not offer (the page and the control API's
    ``method``; the older ``outcome`` shortcuts predate the account settings).
    """
    _ensure_open(sb, session)
    if method not in payments.TEST_METHODS:
        raise invalid(f"Unknown test payment method {method!r}", param="method")
    if offered_only and not offers(session, method):
        raise invalid(
            f"This Checkout Session does not offer {payments.TEST_METHODS[method][0]} "
            f"(it offers {', '.join(session['payment_method_types'])}).",
            param="method",
        )
    if method in payments.NEEDS_APPROVAL and not authenticated:
        raise invalid("This payment method needs the buyer's approval first.", code="authentication_required")
    buyer = _check_tax_id(session, buyer or Buyer(country, state))
    customer = _buyer(sb, session, buyer)
    outcome = payments.TEST_METHODS[method][1]
    if method == "card_3ds":
        outcome = "ok"
    if session["mode"] == "payment":
        return _complete_payment(sb, session, customer, method, outcome)
    assert customer is not None  # setup and subscription sessions always have one
    if session["mode"] == "setup":
        return _complete_setup(sb, session, customer, method, outcome)
    return _complete_subscription(sb, session, customer, method, outcome)


def _complete_setup(
    sb: Sandbox, session: dict[str, Any], customer: dict[str, Any], method: str, outcome: str
) -> dict[str, Any]:
    if outcome == "declined":
        raise card_declined()  # the card cannot be set up; the session stays open
    pm = payments.make_payment_method(sb, method, customer=customer)
    data = sb.store.meta_of(session["id"])["setup_intent_data"]
    seti = payments.make_setup_intent(sb, customer=customer["id"], pm=pm, metadata=data.get("metadata"))
    session.update(setup_intent=seti["id"], status="complete", url=None)
    sb.store.touch()
    sb.emit("checkout.session.completed", session)
    return session


def _complete_payment(
    sb: Sandbox, session: dict[str, Any], customer: dict[str, Any] | None, method: str, outcome: str
) -> dict[str, Any]:
    data = sb.store.meta_of(session["id"])["payment_intent_data"]
    pi = sb.store.find("payment_intent", session["payment_intent"])
    if pi is None:
        pi = payments.make_payment_intent(
            sb,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=customer["id"] if customer else None,
            metadata=data.get("metadata"),
            description=data.get("description"),
            payment_method_types=list(session["payment_method_types"]),
            setup_future_usage=data.get("setup_future_usage"),
        )
        session["payment_intent"] = pi["id"]
    pi["amount"] = session["amount_total"]
    pm = payments.make_payment_method(
        sb, method, customer=customer, attach=bool(data.get("setup_future_usage"))
    )
    status = payments.confirm(sb, pi, pm, outcome)
    sb.store.meta_of(pi["id"])["session"] = session["id"]
    if status == "requires_payment_method":
        sb.emit("payment_intent.payment_failed", pi)
        raise card_declined(charge=pi["latest_charge"], payment_intent=pi)
    if status == "succeeded":
        sb.emit("payment_intent.succeeded", pi)
        if customer is not None:
            _payment_invoice(sb, session, customer, pi)
        session["payment_status"] = "paid"
    elif payments.awaiting_funds(pi):
        sb.emit("payment_intent.requires_action", pi)
    discounts.on_payment_completed(sb, session)  # the coupon / promotion code counts a redemption
    session.update(status="complete", url=None)
    sb.store.touch()
    sb.emit("checkout.session.completed", session)
    return session


def _payment_invoice(sb: Sandbox, session: dict[str, Any], customer: dict[str, Any], pi: dict) -> None:
    """Post-payment invoice for ``invoice_creation[enabled]`` (finalized, paid)."""
    creation = session["invoice_creation"] or {}
    if not creation.get("enabled"):
        return
    now = sb.clock.now()
    data = creation["invoice_data"]
    invoice = invoices.make_invoice(
        sb,
        customer=customer,
        items=[{"price": pr, "quantity": q, "period": (now, now)} for pr, q in lines_of(sb, session)],
        billing_reason="manual",
        automatic_tax=session["automatic_tax"]["enabled"],
        metadata=data.get("metadata"),
        description=data.get("description"),
        default_payment_method=pi["payment_method"],
        discounts=discounts.on_payment_completed(sb, session),  # the session's discount, if any
    )
    invoice["auto_advance"] = False
    invoices.finalize(sb, invoice)
    invoices.mark_paid(sb, invoice, pi)
    session["invoice"] = invoice["id"]
    sb.emit("invoice.paid", invoice)


def _complete_subscription(
    sb: Sandbox, session: dict[str, Any], customer: dict[str, Any], method: str, outcome: str
) -> dict[str, Any]:
    if outcome == "declined":
        # basil+: a failed attempt creates no subscription and no invoice.
        raise card_declined()
    pm = payments.make_payment_method(sb, method, customer=customer)
    data = sb.store.meta_of(session["id"])["subscription_data"]
    sub = subscriptions.make_subscription(
        sb,
        customer=customer,
        prices=lines_of(sb, session),
        default_payment_method=pm["id"],
        metadata=data.get("metadata"),
        automatic_tax=session["automatic_tax"]["enabled"],
    )
    if data.get("description"):
        sub["description"] = data["description"]
    discounts.on_subscription_created(sb, session, sub)  # the session's coupon becomes the sub's discount
    trialing = trials.start(sb, session, sub)  # subscription_data trial: trialing, period = trial
    invoice = subscriptions.first_invoice(sb, sub, customer)
    if trialing:
        return trials.complete(sb, session, sub, invoice)  # $0 invoice paid, no charge
    sb.emit("customer.subscription.created", sub)
    invoices.finalize(sb, invoice)
    pi = subscriptions._payment_intent_for(sb, invoice)
    invoice["attempt_count"] = 1
    invoice["attempted"] = True
    status = payments.confirm(sb, pi, pm, outcome)
    sb.store.meta_of(pi["id"]).update(session=session["id"], invoice=invoice["id"])
    if status == "succeeded":
        invoices.mark_paid(sb, invoice, pi)
        sb.emit("invoice.paid", invoice)
        sb.emit("payment_intent.succeeded", pi)
        session["payment_status"] = "paid"
    session.update(status="complete", url=None, subscription=sub["id"], invoice=invoice["id"])
    sb.store.touch()
    sb.emit("checkout.session.completed", session)
    subscriptions.set_status(sb, sub, "active")
    return session


def settle(sb: Sandbox, pi: dict[str, Any], succeeded: bool) -> dict[str, Any]:
    """Finish a delayed payment; emits the payment, invoice and async session events.

    A bank transfer's funds arriving (``succeeded``) or never arriving (the
    payment expires) end the same way for the session.
    """
    transfer = payments.awaiting_funds(pi)
    if pi["status"] != "processing" and not transfer:
        raise invalid(
            f"This PaymentIntent is not processing (status: {pi['status']}).", param="payment_intent"
        )
    payments.settle(sb, pi, succeeded)
    meta = sb.store.meta_of(pi["id"])
    session = sb.store.find("checkout.session", meta.get("session"))
    invoice = sb.store.find("invoice", meta.get("invoice"))
    if succeeded:
        if invoice is not None:
            subscriptions.paid(sb, invoice, pi)
        else:
            sb.emit("payment_intent.succeeded", pi)
            customer = sb.store.find("customer", (session or {}).get("customer"))
            if session is not None and customer is not None:
                _payment_invoice(sb, session, customer, pi)
        if session is not None:
            session["payment_status"] = "paid"
            sb.emit("checkout.session.async_payment_succeeded", session)
    else:
        if invoice is not None:
            first = sb.store.meta_of(invoice["id"]).setdefault("first_attempt_at", sb.clock.now())
            invoice["next_payment_attempt"] = first + subscriptions.RETRY_DAYS[0] * subscriptions.DAY
            sb.emit("payment_intent.payment_failed", pi)
            sb.emit("invoice.payment_failed", invoice)
            sub = sb.store.find("subscription", subscriptions._sub_of(invoice))
            if sub is not None and sub["status"] in ("active", "trialing"):
                subscriptions.set_status(sb, sub, "past_due")
        else:
            sb.emit("payment_intent.canceled" if transfer else "payment_intent.payment_failed", pi)
        if session is not None:
            sb.emit("checkout.session.async_payment_failed", session)
    sb.store.touch()
    return pi


def expire(sb: Sandbox, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open":
        raise invalid(
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f'Session has a status of "{session["status"]}".',
            param="session",
        )
    session.update(status="expired", url=None)
    pi = sb.store.find("payment_intent", session["payment_intent"])
    if pi is not None and pi["status"] not in ("succeeded", "canceled"):
        pi.update(status="canceled", canceled_at=sb.clock.now(), cancellation_reason="abandoned")
    sb.store.touch()
    sb.emit("checkout.session.expired", session)
    return session


# -- routes ---------------------------------------------------------------------
def retrieve(call: Call) -> dict[str, Any]:
    return call.sb.store.get("checkout.session", call.path["id"])


def expire_route(call: Call) -> dict[str, Any]:
    session = call.sb.store.get("checkout.session", call.path["id"])
    return expire(call.sb, session)


def list_(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("checkout.session")
    for key in ("customer", "status", "payment_intent", "subscription"):
        if prm.get(key):
            items = [s for s in items if s[key] == prm[key]]
    items = created_filter(items, created_param(prm.get("created")))
    return paginate(items, prm, "/v1/checkout/sessions")


def list_line_items(call: Call) -> dict[str, Any]:
    session = call.sb.store.get("checkout.session", call.path["id"])
    return paginate(
        list(reversed(line_items(call.sb, session)["data"])),
        call.params,
        f"/v1/checkout/sessions/{session['id']}/line_items",
    )


def install(sb: Sandbox) -> None:
    sb.expanders[("checkout.session", "line_items")] = line_items


ROUTES = [
    api_route("/v1/checkout/sessions", "POST", create, CREATE_SPEC),
    api_route(
        "/v1/checkout/sessions",
        "GET",
        list_,
        {
            **LIST_SPEC,
            "customer": p.STR,
            "status": p.one_of("open", "complete", "expired"),
            "payment_intent": p.STR,
            "subscription": p.STR,
            "created": p.ANY,
        },
    ),
    api_route("/v1/checkout/sessions/{id}", "GET", retrieve, {}),
    api_route("/v1/checkout/sessions/{id}/expire", "POST", expire_route, {}),
    api_route("/v1/checkout/sessions/{id}/line_items", "GET", list_line_items, LIST_SPEC),
]

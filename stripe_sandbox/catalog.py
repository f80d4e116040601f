"""Products and prices, with ``lookup_key`` / ``transfer_lookup_key``.

Why: the gateway syncs its catalog into Stripe and finds prices by lookup key;
prices are immutable except ``active``/``metadata``/``lookup_key``/
``nickname``/``tax_behavior`` (once), exactly as on Stripe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import params as p
from .api import LIST_SPEC, Call, api_route, created_filter, created_param, paginate
from .customers import merge_metadata
from .errors import invalid
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())

PRODUCT_FIELDS: dict[str, Any] = {
    "id": p.STR,
    "name": p.STR,
    "description": p.STR,
    "active": p.BOOL,
    "metadata": p.METADATA,
    "tax_code": p.STR,
    "statement_descriptor": p.STR,
    "unit_label": p.STR,
    "url": p.STR,
    "images": [p.STR],
}

RECURRING: dict[str, Any] = {
    "interval": p.one_of("day", "week", "month", "year"),
    "interval_count": p.INT,
    "usage_type": p.one_of("licensed"),
}

PRICE_CREATE: dict[str, Any] = {
    "currency": p.STR,
    "unit_amount": p.INT,
    "product": p.STR,
    "product_data": {"name": p.STR, "metadata": p.METADATA, "tax_code": p.STR},
    "recurring": RECURRING,
    "lookup_key": p.STR,
    "transfer_lookup_key": p.BOOL,
    "nickname": p.STR,
    "active": p.BOOL,
    "metadata": p.METADATA,
    "tax_behavior": p.one_of("inclusive", "exclusive", "unspecified"),
    "billing_scheme": p.one_of("per_unit"),
}

PRICE_UPDATE: dict[str, Any] = {
    "active": p.BOOL,
    "lookup_key": p.STR,
    "transfer_lookup_key": p.BOOL,
    "nickname": p.STR,
    "metadata": p.METADATA,
    "tax_behavior": p.one_of("inclusive", "exclusive", "unspecified"),
}


def make_product(sb: Sandbox, fields: dict[str, Any]) -> dict[str, Any]:
    product_id = fields.get("id") or new_id("prod", 14)
    if sb.store.find("product", product_id):
        raise invalid("Product already exists.", param="id", code="resource_already_exists")
    now = sb.clock.now()
    product = {
        "id": product_id,
        "object": "product",
        "active": fields.get("active", True) if fields.get("active") is not None else True,
        "created": now,
        "default_price": None,
        "description": fields.get("description"),
        "images": fields.get("images") or [],
        "livemode": False,
        "marketing_features": [],
        "metadata": fields.get("metadata") or {},
        "name": fields["name"],
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": fields.get("statement_descriptor"),
        "tax_code": fields.get("tax_code"),
        "type": "service",
        "unit_label": fields.get("unit_label"),
        "updated": now,
        "url": fields.get("url"),
    }
    return sb.store.add(product)


def create_product(call: Call) -> dict[str, Any]:
    return make_product(call.sb, call.params)


def retrieve_product(call: Call) -> dict[str, Any]:
    return call.sb.store.get("product", call.path["id"])


def update_product(call: Call) -> dict[str, Any]:
    product = call.sb.store.get("product", call.path["id"])
    for key in ("name", "description", "active", "tax_code", "statement_descriptor", "unit_label", "url"):
        if key in call.params:
            product[key] = call.params[key]
    if "metadata" in call.params:
        product["metadata"] = merge_metadata(product["metadata"], call.params["metadata"])
    product["updated"] = call.sb.clock.now()
    call.sb.store.touch()
    return product


def list_products(call: Call) -> dict[str, Any]:
    items = call.sb.store.all("product")
    if call.params.get("active") is not None:
        items = [i for i in items if i["active"] == call.params["active"]]
    if call.params.get("ids"):
        items = [i for i in items if i["id"] in call.params["ids"]]
    return paginate(items, call.params, "/v1/products")


def _take_lookup_key(sb: Sandbox, key: str | None, transfer: bool | None, price_id: str) -> None:
    if not key:
        return
    for other in sb.store.all("price"):
        if other["lookup_key"] == key and other["id"] != price_id:
            if not transfer:
                raise invalid(
                    f"A price (`{other['id']}`) already uses that lookup key.",
                    param="lookup_key",
                )
            other["lookup_key"] = None


def create_price(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    for name in ("currency", "unit_amount"):
        if prm.get(name) is None:
            raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
    if prm.get("product"):
        product = sb.store.get("product", prm["product"], "product")
    elif prm.get("product_data"):
        product = make_product(sb, prm["product_data"])
    else:
        raise invalid("Missing required param: product.", param="product", code="parameter_missing")
    if prm["unit_amount"] < 0:
        raise invalid("Invalid unit_amount: must be non-negative", param="unit_amount")
    price_id = new_id("price", 24)
    _take_lookup_key(sb, prm.get("lookup_key"), prm.get("transfer_lookup_key"), price_id)
    recurring = prm.get("recurring")
    price = {
        "id": price_id,
        "object": "price",
        "active": prm["active"] if prm.get("active") is not None else True,
        "billing_scheme": "per_unit",
        "created": sb.clock.now(),
        "currency": prm["currency"].lower(),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": prm.get("lookup_key"),
        "metadata": prm.get("metadata") or {},
        "nickname": prm.get("nickname"),
        "product": product["id"],
        "recurring": (
            {
                "interval": recurring["interval"],
                "interval_count": recurring.get("interval_count") or 1,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
            if recurring
            else None
        ),
        "tax_behavior": prm.get("tax_behavior") or "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": prm["unit_amount"],
        "unit_amount_decimal": str(prm["unit_amount"]),
    }
    if recurring and not recurring.get("interval"):
        raise invalid("Missing required param: recurring[interval].", param="recurring[interval]")
    sb.store.add(price)
    if product["default_price"] is None:
        product["default_price"] = price_id
    return price


def retrieve_price(call: Call) -> dict[str, Any]:
    return call.sb.store.get("price", call.path["id"])


def update_price(call: Call) -> dict[str, Any]:
    sb, prm = call.sb, call.params
    price = sb.store.get("price", call.path["id"])
    if "lookup_key" in prm:
        _take_lookup_key(sb, prm["lookup_key"], prm.get("transfer_lookup_key"), price["id"])
        price["lookup_key"] = prm["lookup_key"]
    if prm.get("active") is not None:
        price["active"] = prm["active"]
    if "nickname" in prm:
        price["nickname"] = prm["nickname"]
    if "metadata" in prm:
        price["metadata"] = merge_metadata(price["metadata"], prm["metadata"])
    if prm.get("tax_behavior"):
        if price["tax_behavior"] not in ("unspecified", prm["tax_behavior"]):
            raise invalid("tax_behavior cannot be changed once set.", param="tax_behavior")
        price["tax_behavior"] = prm["tax_behavior"]
    sb.store.touch()
    return price


def list_prices(call: Call) -> dict[str, Any]:
    prm = call.params
    items = call.sb.store.all("price")
    if prm.get("active") is not None:
        items = [i for i in items if i["active"] == prm["active"]]
    if prm.get("lookup_keys"):
        items = [i for i in items if i["lookup_key"] in prm["lookup_keys"]]
    if prm.get("product"):
        items = [i for i in items if i["product"] == prm["product"]]
    if prm.get("currency"):
        items = [i for i in items if i["currency"] == prm["currency"].lower()]
    if prm.get("type"):
        items = [i for i in items if i["type"] == prm["type"]]
    items = created_filter(items, created_param(prm.get("created")))
    return paginate(items, prm, "/v1/prices")


ROUTES = [
    api_route("/v1/products", "POST", create_product, PRODUCT_FIELDS, ("name",)),
    api_route("/v1/products", "GET", list_products, {**LIST_SPEC, "active": p.BOOL, "ids": [p.STR]}),
    api_route("/v1/products/{id}", "GET", retrieve_product, {}),
    # ProductUpdateParams has no `id` (only ProductCreateParams chooses it).
    api_route(
        "/v1/products/{id}", "POST", update_product, {k: v for k, v in PRODUCT_FIELDS.items() if k != "id"}
    ),
    api_route("/v1/prices", "POST", create_price, PRICE_CREATE),
    api_route(
        "/v1/prices",
        "GET",
        list_prices,
        {
            **LIST_SPEC,
            "active": p.BOOL,
            "lookup_keys": [p.STR],
            "product": p.STR,
            "currency": p.STR,
            "type": p.one_of("one_time", "recurring"),
            "created": p.ANY,
        },
    ),
    api_route("/v1/prices/{id}", "GET", retrieve_price, {}),
    api_route("/v1/prices/{id}", "POST", update_price, PRICE_UPDATE),
]

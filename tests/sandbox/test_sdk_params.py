"""The sandbox's accepted parameters against the pinned SDK's params classes, the pinned API
version, and the conformance recorder that watches the whole suite's traffic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import stripe
from stripe._api_version import _ApiVersion

import stripe_sandbox.app  # noqa: F401 - builds every route, filling DECLARED
from gateway.settings import load_settings
from gateway.stripe_client import STRIPE_API_VERSION, make_stripe_client
from stripe_sandbox.api import DECLARED
from stripe_sandbox.conformance import ENV
from stripe_sandbox.events import API_VERSION
from stripe_sandbox.shapes import sdk_params
from stripe_sandbox.testing import SandboxServer

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

DELIBERATE: dict[str, Any] = {"headers": {"Sandbox-Deliberate": "true"}}


def _outside_sdk(spec: Any, node: dict[str, Any], path: str) -> list[str]:
    """Every parameter the hand-written `spec` accepts that the SDK's tree `node` does not declare."""
    if node.get("type") == "any_of":
        wanted = "object" if isinstance(spec, dict) else "array"
        node = next((o for o in node["options"] if o["type"] == wanted), node)
    if node.get("type") in ("map", "any"):
        return []
    if isinstance(spec, dict):
        if node.get("type") != "object":
            return [f"{path}: a hash here, {node.get('type')} in the SDK"]
        found = []
        for key, child in spec.items():
            name = f"{path}[{key}]" if path else key
            if key not in node["fields"]:
                found.append(f"{name}: not declared")
            else:
                found += _outside_sdk(child, node["fields"][key], name)
        return found
    if isinstance(spec, list):
        if node.get("type") != "array":
            return [f"{path}: an array here, {node.get('type')} in the SDK"]
        return _outside_sdk(spec[0], node["items"], path + "[]")
    return []


def test_every_endpoint_is_an_sdk_call_and_accepts_nothing_the_sdk_does_not_declare() -> None:
    assert len(DECLARED) > 50
    problems = []
    for method, path, spec, required in DECLARED:
        tree = sdk_params.declared_for(method, path)
        if tree is None:
            problems.append(f"{method} {path}: the SDK makes no such call")
            continue
        problems += [f"{method} {path}: {line}" for line in _outside_sdk(spec, tree, "")]
        problems += [
            f"{method} {path}: requires {r}, undeclared" for r in required if r not in tree["fields"]
        ]
    assert problems == []


def test_the_sdk_tree_reads_literals_unsetting_and_required_keys() -> None:
    session = sdk_params.declared_for("POST", "/v1/checkout/sessions")
    assert session is not None
    assert session["fields"]["mode"] == {"type": "string", "enum": ["payment", "setup", "subscription"]}
    assert "payment_method_types" not in session["fields"]  # gone at 2026-10-28.endive
    assert "card" in session["fields"]["allowed_payment_method_types"]["items"]["enum"]
    assert session["fields"]["line_items"]["items"]["fields"]["quantity"]["type"] == "integer"
    update = sdk_params.declared_for("POST", "/v1/subscriptions/{id}")
    assert update is not None and update["fields"]["cancel_at"].get("unsettable") is True
    price = sdk_params.declared_for("POST", "/v1/prices")
    assert price is not None and "currency" in price["required"]


def test_one_api_version_everywhere_and_the_sdks() -> None:
    assert STRIPE_API_VERSION == _ApiVersion.CURRENT == API_VERSION


async def test_checkout_refuses_payment_method_types_as_stripe_does(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.checkout.sessions.create_async(
            params={
                "mode": "payment",
                "payment_method_types": ["card"],
                "line_items": [{"price": "price_x", "quantity": 1}],
                "success_url": "https://app.example/ok",
            },
            options=DELIBERATE,
        )
    assert refused.value.http_status == 400
    assert (refused.value.code, refused.value.param) == ("parameter_unknown", "payment_method_types")


async def test_a_declared_parameter_the_sandbox_does_not_model_is_a_clear_400(
    client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.customers.create_async(params={"payment_method": "pm_card_visa"}, options=DELIBERATE)
    assert refused.value.code == "sandbox_parameter_not_implemented"
    assert refused.value.param == "payment_method"
    assert "does not implement" in refused.value.user_message


async def test_another_stripe_version_is_refused_with_a_clear_400(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.customers.list_async(options={"stripe_version": "2024-06-20"})
    assert refused.value.http_status == 400
    assert API_VERSION in refused.value.user_message and "2024-06-20" in refused.value.user_message
    listed = await client.v1.customers.list_async(options={"stripe_version": API_VERSION})
    assert listed.object == "list"


async def test_the_recorder_names_a_wrong_parameter_the_gateway_sends(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "conformance.log"
    monkeypatch.setenv(ENV, str(log))
    settings = load_settings(
        _env_file=None,
        stripe_api_key=sandbox.api_key,
        stripe_api_base=sandbox.base_url,
        stripe_timeout_seconds=5,
    )
    gateway_client = make_stripe_client(settings)
    # What the gateway sent before this gate: Stripe refuses it, and so does the sandbox now.
    with pytest.raises(stripe.InvalidRequestError):
        await gateway_client.v1.checkout.sessions.create_async(
            params={
                "mode": "setup",
                "currency": "eur",
                "payment_method_types": ["card"],
                "success_url": "https://app.example/ok",
            }
        )
    # A value outside the SDK's Literal set that a lenient spec would take, on a declared name.
    with pytest.raises(stripe.InvalidRequestError):
        await gateway_client.v1.webhook_endpoints.create_async(
            params={"url": "https://app.example/hook", "enabled_events": ["customer.*"]}
        )
    # The same wrong parameter, marked as deliberate (a sandbox test of the refusal): not recorded.
    with pytest.raises(stripe.InvalidRequestError):
        await gateway_client.v1.customers.create_async(params={"emial": "x@example.com"}, options=DELIBERATE)
    assert os.environ[ENV] == str(log)
    lines = log.read_text().splitlines()
    assert lines[0] == "POST /v1/checkout/sessions: unknown parameter payment_method_types"
    assert lines[1].startswith("POST /v1/webhook_endpoints: enabled_events[0]: 'customer.*' is not one of ")
    assert len(lines) == 2

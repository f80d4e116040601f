"""The ``/v1`` request pipeline shared by every resource.

Why: authentication, form parsing, parameter checking, idempotency keys,
``expand[]`` and Stripe's error JSON are the same for every endpoint; doing
them once here keeps resource modules down to domain logic.  Stripe's limits
(rate limits, lock timeouts, latency) and its idempotency rules live in
:mod:`.limits`, which wraps each endpoint's execution.  Handlers are
plain synchronous functions: all state lives on the event loop, so a handler
runs to completion without interleaving and needs no locks.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import conformance, limits
from . import params as p
from .errors import StripeError, authentication, invalid, not_implemented
from .events import API_VERSION, current_request
from .forms import parse_body, parse_query
from .shapes import sdk_params
from .store import new_id

if TYPE_CHECKING:
    from .core import Sandbox

log = logging.getLogger("stripe_sandbox.api")


@dataclass
class Call:
    """What a handler gets: the sandbox, checked params and path params."""

    sb: Sandbox
    params: dict[str, Any]
    path: dict[str, str]
    base_url: str
    request: Request | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Call], dict[str, Any]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def base_url_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _authenticate(request: Request) -> None:
    header = request.headers.get("authorization", "")
    if not header:
        raise authentication(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        )
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.startswith("sk_test_") or len(key) < 12:
        shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if key else header
        raise authentication(f"Invalid API Key provided: {shown}")


#: Every Stripe endpoint the sandbox serves, with its hand-written spec (checked against the
#: pinned SDK's params classes by tests/sandbox/test_sdk_params.py).
DECLARED: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = []


def _check_version(request: Request) -> None:
    """The sandbox serves one API version, the pinned SDK's; a request for another is refused
    (Stripe would answer in that version's shapes, which the sandbox does not have)."""
    asked = request.headers.get("stripe-version")
    if asked is not None and asked != API_VERSION:
        raise invalid(
            f"This sandbox serves Stripe API version {API_VERSION} only; the request asked for {asked}. "
            "Pin the version the SDK speaks (see the README, 'Moving to a new Stripe API version').",
            param=None,
        )


def api_route(
    path: str, method: str, handler: Handler, spec: dict[str, Any], required: tuple[str, ...] = ()
) -> Route:
    """Wrap ``handler`` in the pipeline and return a Starlette route.

    Stripe's limits and idempotency rules (``limits.serve``) wrap the
    execution: parameter checking, the handler and rendering.
    """

    DECLARED.append((method, path, spec, required))

    async def endpoint(request: Request) -> Response:
        sb: Sandbox = request.app.state.sandbox
        sb.base_url = base_url_of(request)
        request_id = new_id("req", 14)
        headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION}
        idem_key = request.headers.get("idempotency-key") if method == "POST" else None
        try:
            _authenticate(request)
            _check_version(request)
            raw = await request.body() if method == "POST" else b""
            raw_params = parse_query(request.url.query)
            if raw:
                raw_params.update(parse_body(raw))
        except StripeError as exc:
            return json_response(exc.body(), exc.status, headers)
        conformance.record(method, path, raw_params, request.headers)

        def execute() -> limits.Execution:
            try:
                checked = p.check(raw_params, spec, required)
            except StripeError as exc:  # failed parameter validation: no idempotent result is kept
                if (
                    exc.code == "parameter_unknown"
                    and exc.param
                    and sdk_params.declares(method, path, exc.param)
                ):
                    exc = not_implemented(exc.param)  # Stripe takes it; the sandbox would only ignore it
                return limits.Execution(exc.status, orjson.dumps(exc.body()), keep=False)
            try:
                call = Call(sb, checked, dict(request.path_params), base_url_of(request), request)
                token = current_request.set({"id": request_id, "idempotency_key": idem_key})
                try:
                    result = handler(call)
                finally:
                    current_request.reset(token)
                body, status = sb.render(result, checked.get("expand") or []), 200
                conformance.record_answer(method, path, body, checked.get("expand") or [])
            except StripeError as exc:
                body, status = exc.body(), exc.status
            except Exception:  # a sandbox bug: answer like Stripe's 500 so the SDK raises APIError
                log.exception("unhandled error in %s %s", method, path)
                error = StripeError("An unknown error occurred", status=500, type="api_error")
                return limits.Execution(500, orjson.dumps(error.body()), keep=False)
            return limits.Execution(status, orjson.dumps(body), keep=True)

        return await limits.serve(
            sb,
            operation=f"{method} {path}",
            method=method,
            path=request.url.path,
            params=raw_params,
            path_params=dict(request.path_params),
            idempotency_key=idem_key,
            headers=headers,
            execute=execute,
        )

    return Route(path, endpoint, methods=[method])


# -- lists ------------------------------------------------------------------
LIST_SPEC: dict[str, Any] = {"limit": p.INT, "starting_after": p.STR, "ending_before": p.STR}


def paginate(items_oldest_first: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict:
    """Stripe list object, newest first, with ``limit``/``starting_after``/``ending_before``."""
    limit = params.get("limit") or 10
    if not 1 <= limit <= 100:
        raise invalid("Invalid limit: must be between 1 and 100", param="limit")
    items = list(reversed(items_oldest_first))
    ids = [item["id"] for item in items]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        if after not in ids:
            raise invalid(f"No such object: '{after}'", param="starting_after", code="resource_missing")
        rest = items[ids.index(after) + 1 :]
        page, has_more = rest[:limit], len(rest) > limit
    elif before:
        if before not in ids:
            raise invalid(f"No such object: '{before}'", param="ending_before", code="resource_missing")
        head = items[: ids.index(before)]
        page, has_more = head[-limit:], len(head) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def list_object(items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": items, "has_more": False, "url": url}


def created_filter(items: list[dict[str, Any]], created: Any) -> list[dict[str, Any]]:
    """Apply Stripe's ``created`` filter (an int or ``gt/gte/lt/lte``)."""
    if created is None:
        return items
    if isinstance(created, int):
        return [i for i in items if i["created"] == created]
    ops = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    for op, bound in created.items():
        items = [i for i in items if ops[op](i["created"], bound)]
    return items


CREATED_SPEC: Any = p.ANY


def created_param(value: Any) -> Any:
    """Convert ``created`` (int or range hash) to ints, rejecting other keys."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        out = {}
        for key, bound in value.items():
            if key not in ("gt", "gte", "lt", "lte"):
                raise invalid(f"Received unknown parameter: created[{key}]", param=f"created[{key}]")
            out[key] = p.INT(bound, f"created[{key}]")
        return out
    return p.INT(value, "created")


def clone(obj: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(obj)

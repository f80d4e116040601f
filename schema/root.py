"""Root types and the Schema: binds `resolvers` into Query/Mutation/LiveUpdates.

The only module that imports both resolvers and types (no cycle: types are a
leaf). `build_schema(options)` makes the executable schema with its
protective extensions; `print_sdl()` prints the SDL with an explicit
``schema { query mutation subscription }`` block (see `print_sdl`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from resolvers import admin as admin_r
from resolvers import catalog as catalog_r
from resolvers import gift_codes as gift_codes_r
from resolvers import invoices as invoices_r
from resolvers import live as live_r
from resolvers import nodes as nodes_r
from resolvers import payments as payments_r
from resolvers import plans as plans_r
from resolvers import viewer as viewer_r
from resolvers.mutations import checkout as checkout_r
from resolvers.mutations import gifts as gifts_r
from resolvers.mutations import payment_method as payment_method_r
from resolvers.mutations import plans as plan_changes_r
from resolvers.mutations import refunds as refunds_r
from resolvers.mutations import restrictions as restrictions_r
from resolvers.mutations import subscriptions as subscriptions_r
from schema.fast_path import FastPath
from schema.no_suggestions import NoSuggestions
from schema.persisted import persisted_only_rule
from schema.query_cost import max_nodes_rule
from schema.types.errors import is_expected_error
from schema.types.gift_code import GiftCode
from schema.types.invoice import Invoice
from schema.types.mutation_io import (
    CreateCheckoutPayload,
    RedeemGiftPayload,
    RefundPaymentPayload,
    RevokeGiftCodePayload,
    SetPurchaseRestrictionPayload,
    SubscriptionPayload,
    UpdatePaymentMethodPayload,
)
from schema.types.payment import Payment
from schema.types.permissions import ADMIN, AUTHENTICATED
from schema.types.premium import Premium
from schema.types.scalars import SCALAR_MAP
from schema.types.subscription import Subscription

log = logging.getLogger("gateway.graphql")

MASKED_MESSAGE = "Unexpected error."
# Graphql's default names would make a re-reader of the SDL take the billing
# `Subscription` object for the subscription root; the block names roots explicitly.
SCHEMA_BLOCK = "schema {\n  query: Query\n  mutation: Mutation\n  subscription: LiveUpdates\n}\n"


@strawberry.type
class Query:
    node = strawberry.field(resolver=nodes_r.node, permission_classes=AUTHENTICATED)
    premium = strawberry.field(resolver=viewer_r.premium, permission_classes=AUTHENTICATED)
    subscription = strawberry.field(
        resolver=viewer_r.subscription,
        permission_classes=AUTHENTICATED,
        description="The viewer's latest subscription that has not ended "
        "(ACTIVE, TRIALING, PAST_DUE, UNPAID, INCOMPLETE, PAUSED); null after it ends.",
    )
    payments = strawberry.field(
        resolver=payments_r.payments,
        permission_classes=AUTHENTICATED,
        description="Newest first. first: 1..100 (default 25). "
        "`after` is the endCursor of the previous page.",
    )
    invoices = strawberry.field(resolver=invoices_r.invoices, permission_classes=AUTHENTICATED)
    invoice = strawberry.field(resolver=invoices_r.invoice, permission_classes=AUTHENTICATED)
    gift_codes = strawberry.field(
        resolver=gift_codes_r.gift_codes,
        permission_classes=AUTHENTICATED,
        description="Codes the viewer bought.",
    )
    gift_code = strawberry.field(
        resolver=gift_codes_r.gift_code,
        permission_classes=AUTHENTICATED,
        description="Look a code up before redeeming it; failed look-ups count toward the "
        "redeem rate limit (RATE_LIMITED when exceeded).",
    )
    prices = strawberry.field(resolver=catalog_r.prices, description="Public: no token needed.")
    plan_change_preview = strawberry.field(
        resolver=plans_r.plan_change_preview,
        permission_classes=AUTHENTICATED,
        description="What a plan change would cost, from Stripe's own invoice preview; "
        "null without a live subscription.",
    )
    promotion_code = strawberry.field(
        resolver=plans_r.promotion_code,
        permission_classes=AUTHENTICATED,
        description="Failed checks count toward the same rate limit as gift codes.",
    )
    user_billing = strawberry.field(
        resolver=admin_r.user_billing, permission_classes=ADMIN, description='Role "admin" only.'
    )


@strawberry.type
class Mutation:
    create_checkout = strawberry.field(resolver=checkout_r.create_checkout, permission_classes=AUTHENTICATED)
    cancel_subscription = strawberry.field(
        resolver=subscriptions_r.cancel_subscription,
        permission_classes=AUTHENTICATED,
        description="Cancels at period end.",
    )
    reactivate_subscription = strawberry.field(
        resolver=subscriptions_r.reactivate_subscription,
        permission_classes=AUTHENTICATED,
        description="Undoes a pending cancel.",
    )
    update_payment_method = strawberry.field(
        resolver=payment_method_r.update_payment_method, permission_classes=AUTHENTICATED
    )
    redeem_gift = strawberry.field(resolver=gifts_r.redeem_gift, permission_classes=AUTHENTICATED)
    refund_payment = strawberry.field(
        resolver=refunds_r.refund_payment, permission_classes=ADMIN, description='Role "admin" only.'
    )
    set_purchase_restriction = strawberry.field(
        resolver=restrictions_r.set_purchase_restriction,
        permission_classes=ADMIN,
        description='Role "admin" only.',
    )
    revoke_gift_code = strawberry.field(
        resolver=gifts_r.revoke_gift_code, permission_classes=ADMIN, description='Role "admin" only.'
    )
    change_plan = strawberry.field(
        resolver=plan_changes_r.change_plan,
        permission_classes=AUTHENTICATED,
        description="Monthly <-> yearly, same currency.",
    )
    cancel_plan_change = strawberry.field(
        resolver=plan_changes_r.cancel_plan_change,
        permission_classes=AUTHENTICATED,
        description="Drops a scheduled PERIOD_END change.",
    )


@strawberry.type(
    name="LiveUpdates",
    description="Real-time root (graphql-transport-ws on /graphql); the viewer's own changes only. "
    "Not named Subscription: that is the billing object.",
)
class LiveUpdates:
    payment_updated: Payment = strawberry.subscription(
        resolver=live_r.payment_updated,
        permission_classes=AUTHENTICATED,
        description="One of the viewer's payments changed status.",
    )
    premium_changed: Premium = strawberry.subscription(
        resolver=live_r.premium_changed,
        permission_classes=AUTHENTICATED,
        description="The viewer's premium now, then after each change.",
    )
    subscription_changed: Subscription | None = strawberry.subscription(
        resolver=live_r.subscription_changed,
        permission_classes=AUTHENTICATED,
        description="The viewer's subscription now, then after each change of its plan, trial end, "
        "scheduled plan change, discount, status or cancellation; null when there is none.",
    )


# Payload types reached only through mutations are found by the schema walker;
# the Node implementations must be listed, as only `node` returns the interface.
NODE_TYPES = (Payment, Subscription, Invoice, GiftCode)
_PAYLOADS = (
    CreateCheckoutPayload,
    SubscriptionPayload,
    UpdatePaymentMethodPayload,
    RedeemGiftPayload,
    RefundPaymentPayload,
    SetPurchaseRestrictionPayload,
    RevokeGiftCodePayload,
)


@dataclass(frozen=True)
class SchemaOptions:
    """The knobs `gateway` takes from its settings."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    introspection: bool = True
    parser_cache_size: int = 256
    validation_cache_size: int = 256
    max_nodes: int = 1000
    #: GRAPHQL_PERSISTED_ONLY: the hashes of the only operations run (None: any operation)
    persisted_only: frozenset[str] | None = None
    #: known read queries answered without the executor (schema/fast_path); off for a schema
    #: with an extension the fast path does not replicate (the view refuses that at start)
    fast_path: bool = True


class GatewaySchema(strawberry.Schema):
    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Strawberry's `execute`, with the mask applied once more to what it returns.

        MaskErrors masks in its `on_operation` hook; an exception raised by
        another extension's hook is thrown into that hook's generator and leaves
        it before it masks, so Strawberry would return `str(exc)` (a driver
        message, a DSN) to the client. The error is already logged by
        `process_errors`; here it only loses its text.
        """
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [_masked(error) if _should_mask(error) else error for error in result.errors]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors with their context; the client only sees them masked.

        Runs before MaskErrors rewrites the message, so the log keeps the
        original exception and traceback. Expected errors (bad token, bad
        input, validation) are routine and logged at debug level only.
        """
        for error in errors:
            if is_expected_error(error):
                log.debug("graphql error: %s", error.message)
                continue
            context = execution_context.context if execution_context else None
            viewer = getattr(context, "viewer", None)
            log.error(
                "unexpected error in %s at %s (viewer=%s)",
                execution_context.operation_name if execution_context else None,
                ".".join(str(p) for p in error.path or ()),
                viewer.user_id if viewer else None,
                exc_info=error.original_error,
            )


def _validation_rule_extensions(options: SchemaOptions) -> list[Callable[[], SchemaExtension]]:
    """Depth/alias/introspection rules as factories that share one set of rule classes.

    Strawberry's limiters build a new rule class per instance; as per-request
    factories that would give ValidationCache a new key every request (always a
    miss). Building the classes once keeps the validation cache effective.
    """
    rules: list = [
        *QueryDepthLimiter(max_depth=options.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=options.max_aliases).validation_rules,
        max_nodes_rule(options.max_nodes),
    ]
    if not options.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    if options.persisted_only is not None:
        rules.append(persisted_only_rule(options.persisted_only))
    frozen = tuple(rules)
    return [lambda: AddValidationRules(list(frozen))]


def _should_mask(error: GraphQLError) -> bool:
    return not is_expected_error(error)


def _masked(error: GraphQLError) -> GraphQLError:
    """The error as MaskErrors words it: the one generic message, keeping where it happened."""
    return GraphQLError(MASKED_MESSAGE, nodes=error.nodes, path=error.path)


def extensions_for(options: SchemaOptions) -> Sequence[Callable[[], SchemaExtension]]:
    """Per-request extension factories (instances must not be shared between requests)."""
    return [
        # Outermost when introspection is off: sees every error the others produced (and cached).
        *([] if options.introspection else [NoSuggestions]),
        lambda: MaskErrors(should_mask_error=_should_mask, error_message=MASKED_MESSAGE),
        lambda: MaxTokensLimiter(max_token_count=options.max_tokens),
        lambda: ParserCache(maxsize=options.parser_cache_size),
        *_validation_rule_extensions(options),
        lambda: ValidationCache(maxsize=options.validation_cache_size),
        # last: runs on the parsed, validated operation (see schema/fast_path)
        *([FastPath] if options.fast_path else []),
    ]


def build_schema(options: SchemaOptions | None = None) -> GatewaySchema:
    options = options or SchemaOptions()
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=LiveUpdates,
        types=[*NODE_TYPES, *_PAYLOADS],
        extensions=extensions_for(options),
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )


def with_schema_block(sdl: str) -> str:
    """Ensure the explicit roots block (Strawberry omits it when roots have default names)."""
    if sdl.lstrip().startswith("schema {"):
        return sdl
    return SCHEMA_BLOCK + "\n" + sdl


def print_sdl(schema: strawberry.Schema | None = None) -> str:
    """The SDL that `billing-gateway schema` prints and `schema.graphql` snapshots."""
    return with_schema_block(str(schema or build_schema())).rstrip("\n") + "\n"

"""The GraphQL documents of the scenarios, exactly as the load generators send them."""

from __future__ import annotations

PAYMENT_SCALARS = (
    "id userId checkoutSessionId stripeCustomerId stripePaymentIntentId stripeSubscriptionId "
    "stripeInvoiceId stripePriceId productType amount currency status isGift createdAt completedAt version"
)

# S1 / S2: a page of payments, every scalar field plus the gift code.
PAYMENTS = (
    "query Payments($first: Int, $after: String) { payments(first: $first, after: $after) { "
    f"edges {{ cursor node {{ {PAYMENT_SCALARS} giftCode {{ code redeemed }} }} }} "
    "pageInfo { hasNextPage endCursor } } }"
)

# S3: what every app start asks.
APP_START = "query AppStart { premium { active until source } subscription { status currentPeriodEnd } }"

# S5: a gift checkout (a user may buy any number, so every request is a real new session).
CREATE_CHECKOUT = (
    "mutation Buy($input: CreateCheckoutInput!) { createCheckout(input: $input) { "
    "checkoutUrl sessionId payment { id status } userErrors { code field message } } }"
)

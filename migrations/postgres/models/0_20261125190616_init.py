from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "customers" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" VARCHAR(128) NOT NULL UNIQUE,
    "stripe_customer_id" VARCHAR(64) UNIQUE,
    "purchase_restricted" BOOL NOT NULL,
    "restriction_reason" VARCHAR(500),
    "gift_until" TIMESTAMPTZ,
    "access_since" TIMESTAMPTZ,
    "access_until" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "customers" IS 'A user of the chat platform, as billing knows them.';
CREATE TABLE IF NOT EXISTS "invoices" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" VARCHAR(128) NOT NULL,
    "stripe_invoice_id" VARCHAR(64) NOT NULL UNIQUE,
    "stripe_customer_id" VARCHAR(64),
    "stripe_subscription_id" VARCHAR(64),
    "number" VARCHAR(64),
    "status" VARCHAR(16) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "subtotal" BIGINT NOT NULL,
    "tax" BIGINT NOT NULL,
    "total" BIGINT NOT NULL,
    "amount_paid" BIGINT NOT NULL,
    "amount_due" BIGINT NOT NULL,
    "tax_breakdown" JSONB NOT NULL,
    "period_start" TIMESTAMPTZ,
    "period_end" TIMESTAMPTZ,
    "paid_at" TIMESTAMPTZ,
    "hosted_invoice_url" VARCHAR(1000),
    "invoice_pdf" VARCHAR(1000),
    "stripe_synced_at" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_invoices_user_id_fccfde" ON "invoices" ("user_id", "created_at", "id");
COMMENT ON COLUMN "invoices"."status" IS 'DRAFT: DRAFT\nOPEN: OPEN\nPAID: PAID\nUNCOLLECTIBLE: UNCOLLECTIBLE\nVOID: VOID';
COMMENT ON COLUMN "invoices"."currency" IS 'USD: USD\nEUR: EUR\nGBP: GBP\nCAD: CAD\nAUD: AUD\nJPY: JPY';
COMMENT ON TABLE "invoices" IS 'A Stripe invoice and its tax breakdown.';
CREATE TABLE IF NOT EXISTS "payments" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" VARCHAR(128) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "checkout_session_id" VARCHAR(128) UNIQUE,
    "stripe_customer_id" VARCHAR(64),
    "stripe_payment_intent_id" VARCHAR(64),
    "stripe_charge_id" VARCHAR(64),
    "stripe_subscription_id" VARCHAR(64),
    "stripe_invoice_id" VARCHAR(64) UNIQUE,
    "stripe_price_id" VARCHAR(64),
    "product_type" VARCHAR(32) NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "is_gift" BOOL NOT NULL,
    "amount_refunded" BIGINT NOT NULL,
    "status_before_reversal" VARCHAR(32),
    "failure_code" VARCHAR(64),
    "failure_message" VARCHAR(500),
    "idempotency_key" VARCHAR(255),
    "idempotency_fingerprint" VARCHAR(64),
    "created_at" TIMESTAMPTZ NOT NULL,
    "completed_at" TIMESTAMPTZ,
    "updated_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_payments_user_id_6158d4" UNIQUE ("user_id", "idempotency_key")
);
CREATE INDEX IF NOT EXISTS "idx_payments_stripe__097a6a" ON "payments" ("stripe_payment_intent_id");
CREATE INDEX IF NOT EXISTS "idx_payments_stripe__baef79" ON "payments" ("stripe_charge_id");
CREATE INDEX IF NOT EXISTS "idx_payments_stripe__0ac5f3" ON "payments" ("stripe_subscription_id");
CREATE INDEX IF NOT EXISTS "idx_payments_user_id_47c8e9" ON "payments" ("user_id", "created_at", "id");
COMMENT ON COLUMN "payments"."kind" IS 'CHECKOUT: CHECKOUT\nRENEWAL: RENEWAL';
COMMENT ON COLUMN "payments"."product_type" IS 'PREMIUM_MONTHLY: PREMIUM_MONTHLY\nPREMIUM_YEARLY: PREMIUM_YEARLY';
COMMENT ON COLUMN "payments"."currency" IS 'USD: USD\nEUR: EUR\nGBP: GBP\nCAD: CAD\nAUD: AUD\nJPY: JPY';
COMMENT ON COLUMN "payments"."status" IS 'PENDING: PENDING\nAWAITING_SETTLEMENT: AWAITING_SETTLEMENT\nCOMPLETED: COMPLETED\nFAILED: FAILED\nEXPIRED: EXPIRED\nREFUNDED: REFUNDED\nPARTIALLY_REFUNDED: PARTIALLY_REFUNDED\nREQUIRES_ACTION: REQUIRES_ACTION\nDISPUTED: DISPUTED';
COMMENT ON COLUMN "payments"."status_before_reversal" IS 'PENDING: PENDING\nAWAITING_SETTLEMENT: AWAITING_SETTLEMENT\nCOMPLETED: COMPLETED\nFAILED: FAILED\nEXPIRED: EXPIRED\nREFUNDED: REFUNDED\nPARTIALLY_REFUNDED: PARTIALLY_REFUNDED\nREQUIRES_ACTION: REQUIRES_ACTION\nDISPUTED: DISPUTED';
COMMENT ON TABLE "payments" IS 'A sum of money the user was asked for, and what became of it.';
CREATE TABLE IF NOT EXISTS "gift_codes" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "purchaser_user_id" VARCHAR(128) NOT NULL,
    "product_type" VARCHAR(32) NOT NULL,
    "duration_months" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "redeemed_by_user_id" VARCHAR(128),
    "redeemed_at" TIMESTAMPTZ,
    "granted_from" TIMESTAMPTZ,
    "granted_until" TIMESTAMPTZ,
    "revoked_reason" VARCHAR(500),
    "expires_at" TIMESTAMPTZ NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "payment_id" BIGINT NOT NULL UNIQUE REFERENCES "payments" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_gift_codes_redeeme_1ebb3d" ON "gift_codes" ("redeemed_by_user_id");
CREATE INDEX IF NOT EXISTS "idx_gift_codes_purchas_a9449c" ON "gift_codes" ("purchaser_user_id", "created_at", "id");
COMMENT ON COLUMN "gift_codes"."product_type" IS 'PREMIUM_MONTHLY: PREMIUM_MONTHLY\nPREMIUM_YEARLY: PREMIUM_YEARLY';
COMMENT ON COLUMN "gift_codes"."status" IS 'AVAILABLE: AVAILABLE\nREDEEMED: REDEEMED\nEXPIRED: EXPIRED\nREVOKED: REVOKED';
COMMENT ON TABLE "gift_codes" IS 'One code per completed gift payment (unique `payment`), redeemable once.';
CREATE TABLE IF NOT EXISTS "rate_limit_counters" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "window_start" TIMESTAMPTZ NOT NULL,
    "count" INT NOT NULL
);
COMMENT ON TABLE "rate_limit_counters" IS '`key` names the limited thing, e.g. ``redeem:<user_id>``.';
CREATE TABLE IF NOT EXISTS "refunds" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "stripe_refund_id" VARCHAR(64) NOT NULL UNIQUE,
    "user_id" VARCHAR(128) NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "reason" VARCHAR(32),
    "note" VARCHAR(1000),
    "requested_by" VARCHAR(128),
    "created_at" TIMESTAMPTZ NOT NULL,
    "payment_id" BIGINT NOT NULL REFERENCES "payments" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refunds_user_id_1afe10" ON "refunds" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_refunds_user_id_2d60f1" ON "refunds" ("user_id", "created_at");
COMMENT ON TABLE "refunds" IS 'A refund issued through Stripe; the refund history that the abuse policy counts.';
CREATE TABLE IF NOT EXISTS "subscriptions" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" VARCHAR(128) NOT NULL,
    "stripe_subscription_id" VARCHAR(64) NOT NULL UNIQUE,
    "stripe_customer_id" VARCHAR(64) NOT NULL,
    "stripe_price_id" VARCHAR(64),
    "product_type" VARCHAR(32) NOT NULL,
    "billing_cycle" VARCHAR(16) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "price_amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "current_period_start" TIMESTAMPTZ NOT NULL,
    "current_period_end" TIMESTAMPTZ NOT NULL,
    "cancel_at_period_end" BOOL NOT NULL,
    "canceled_at" TIMESTAMPTZ,
    "ended_at" TIMESTAMPTZ,
    "cancellation_reason" VARCHAR(32),
    "cancellation_feedback" VARCHAR(1000),
    "stripe_synced_at" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_subscriptio_user_id_4d10fe" ON "subscriptions" ("user_id", "created_at");
COMMENT ON COLUMN "subscriptions"."product_type" IS 'PREMIUM_MONTHLY: PREMIUM_MONTHLY\nPREMIUM_YEARLY: PREMIUM_YEARLY';
COMMENT ON COLUMN "subscriptions"."billing_cycle" IS 'MONTHLY: MONTHLY\nYEARLY: YEARLY';
COMMENT ON COLUMN "subscriptions"."status" IS 'INCOMPLETE: INCOMPLETE\nINCOMPLETE_EXPIRED: INCOMPLETE_EXPIRED\nTRIALING: TRIALING\nACTIVE: ACTIVE\nPAST_DUE: PAST_DUE\nCANCELED: CANCELED\nUNPAID: UNPAID\nPAUSED: PAUSED';
COMMENT ON COLUMN "subscriptions"."currency" IS 'USD: USD\nEUR: EUR\nGBP: GBP\nCAD: CAD\nAUD: AUD\nJPY: JPY';
COMMENT ON COLUMN "subscriptions"."cancellation_reason" IS 'CUSTOMER_SERVICE: CUSTOMER_SERVICE\nLOW_QUALITY: LOW_QUALITY\nMISSING_FEATURES: MISSING_FEATURES\nOTHER: OTHER\nSWITCHED_SERVICE: SWITCHED_SERVICE\nTOO_COMPLEX: TOO_COMPLEX\nTOO_EXPENSIVE: TOO_EXPENSIVE\nUNUSED: UNUSED';
COMMENT ON TABLE "subscriptions" IS 'The gateway''s copy of a Stripe subscription.';
CREATE TABLE IF NOT EXISTS "webhook_events" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "stripe_event_id" VARCHAR(128) NOT NULL UNIQUE,
    "type" VARCHAR(128) NOT NULL,
    "payload" TEXT NOT NULL,
    "stripe_created" BIGINT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "last_error" TEXT,
    "claimed_until" TIMESTAMPTZ,
    "next_attempt_at" TIMESTAMPTZ,
    "received_at" TIMESTAMPTZ NOT NULL,
    "processed_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_webhook_eve_status_034a2e" ON "webhook_events" ("status", "next_attempt_at");
COMMENT ON COLUMN "webhook_events"."status" IS 'RECEIVED: RECEIVED\nPROCESSED: PROCESSED\nFAILED: FAILED\nIGNORED: IGNORED';
COMMENT ON TABLE "webhook_events" IS 'A Stripe event, unique by its id.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW132jgW/is6fNl0D5tt09dlZvccQtyWGQIZXtrOjOcYYwvQxsisLYdyZvrf90qyAR"
    "ub2g4khvgLGFlXFs+V9XLvo6s/KzPbxJZ73vBcZs+wU6mhPytUn2G42LpXRRV9Pl/f4QlM"
    "H1kis+HnEqn6yGWObjC4MdYtF0OSiV3DIXNGbMqz15HnYgfZY8SmGBlTnaG5pbOx7cyqSH"
    "fRiFgWoRN0S+2Fy/PMznnBpm1AyXAjZxkqVemQS2nEHCIiUtFPn/to6Hqj4Tnqw88ePGAO"
    "5fl/iOcyHKwzbCKbojFxXIYohl86NVVK8R3kYQti4JoozaPkfx6I25RjQCjjUkNXFKoFhY"
    "rHzy1PVsCxF8iyjVuVMv0WU0RAwK/8+QrXIZrBTZHfxVC6iQBheLSD4f+IZFG1v7mImPA/"
    "+T8Z6oaBXVf7+xCqY3kz6iLdkXkxZYRZeAbfyNANSFk4hDF4+GgJEAVPnzt4RrzZEC2mWP"
    "5TFyrDphxWxgGfODpl8C/ITGiATrArFCVR0Jg9gdyiXf3+ByQTauKv2A1+zm+1McGWGWp2"
    "xOQFiHSNLeci7ZJMmpS9F3l5Mxhp8g+t88+XbGrTlQDgzlMnUGuHqw7SmOPxhkg9y/Ibbd"
    "A2ZWXXWWQtN2RMPNY9izdnLi0rsE6raFq709d6Sl/TKltNPZDYaLl+0rqJuAKACa/CP/51"
    "cfHy5duL5y/fvHv96u3b1++ev4O8or7bt95+k5VZoyWLEpg1PzTbfV4hG1qKfEt5wjchoz"
    "NdSgllrNEHHbu84lsqSMR/Q+L7Sggg36WFIGGthnUnEmD+4rBKuHjx6u2rdy/fvFphv0rZ"
    "BXkA7xpOv6/ZhrMx1Z14PDdEInhCRfPg+biteqZ/1SxMJ2zK1Xbxbgd8n+rdxsd69wxyPQ"
    "u327Z/60LeC2O83bdmgTteOhfyPq5FBP7NqxS4v3mVCDu/FUZ97jnQ4btYczCvicFR2e63"
    "bdvCOo1HPqGECPQjKOJQvcgq5QD47+qZO50WL3nmuv+zZFcd6afbg+tLBV4EoQ/IRFio+1"
    "5rIYAOKgcw6m5cz53c9uOl99L208D/YK3/9fPnKZo/5Eps/+JeGPoJGTPNg3mUtQ35FQDF"
    "50TxsIclI3Cbvuh5cHF84O/Aut+8Vnr9+vVNqP1f1fsKv3MhUpeR1LM3EbWsCkGfm/2PiP"
    "9Ev3XaikDTdtnEEU9c5+v/VuF10j1ma7AY0HRzE5MgOUgKadmfQruEGjirnqOypaaPQNO5"
    "3uiobKnpImvaX85rOsuq57DkHrSca9pSqjmVmr25mVPNYclSzYVTMzcejW83DBg8YaQbtw"
    "vdMbWtO/aFnZR3+9bsYhZN0ak+EUriaPJ6+qbRDzCRa8BlJcZsurpX3WU2FVNBA9JT2k07"
    "lJsWTYzm2IGL2dzC3DDJi0FzfSnseWe+CXLoJwyfVZGDTYxn/KnIhtnItjF1XwVzC2sX0m"
    "aiytx4qiOYAE0sYRI1CU/VLTS44W3HN43qzHPRv1H9U73Zql+2lGEVuTbcwyqVxUOVFoS6"
    "aGovhBESFLKEJ88tYuiusIOeo6EwRcJLO3bs2fCfq59iTB7ykgzbMaX9lDmYGVNuOZYDNy"
    "IMTfQ7LJ6rQ8ljj5rIdpBJ3LnHoOo6Rdw2yzPyppPSxvn7ao3raBtmnfAoAml/lMbQ0hh6"
    "+sZQw+8O05ongvwnZwZ9eZHCHPHyItEawW/FW+NC/UxanGOF9wN6ocxAB7E+zx3b9AwmgY"
    "oFXaHeTADfhLrpvi0grIBIGUXGvnLTVa6bg2vtutPuf2z9WkORBJUGCb8q9e5mBvk7OvV4"
    "nBfG9ABKbvec2ZRN3QxdfIzkw3X1hx9y99bby3ld3ldiLf1wL0NlNQOtZHwnVoK19SwW5s"
    "HKlaJcK1c1FFypVPly0+zyJP+C5/rU+VlmEhd53o8Xb9J0bNFV2ka/9ib6fvgTb1MbLfMM"
    "KQniB3ItnJhDcwVedstFRLS0QxbNchHyIG2sWDP7kCKypaaPQdP53IVR4VLXRda1g+/sW1"
    "BXHnd8VLJ0xadyxeOvcwIazDFehiVLS3+h36zSb/ck1Fz67Z6Emn0nUuzCcpeLIyy3H9PL"
    "E/F13MttuqW5bbV1KO7b8LFl2oloyXeR3qzLOSqFfQuaZJC6fr6jL1ZevEhLhf8P/xpLJm"
    "ej3mvUr5TKt/05o5v0ziZGrC86uFXd5YomMlPqDTz+PhlfjO+GQYRvBdG/ohEMt7emvaBx"
    "m3ZSyYmNOpCkrZKG0pf8U6/TRhZxGffeDv9UK/rMhoWRCg9SK7wFaXPsGDhI+a/nENeUFF"
    "dIgWLhfxqW55I7rFa+DWtItxb60kXwGBMtCJuKyviVqyK56QXanEPk/h9+F2ojPcUqdfFc"
    "509FAka0sD2LZ7OWCHpC7vpmcFM4z7lffQ6aS+06Lh3GxexEq6XD+CntninU6vmQ+2f8Pi"
    "/f9pmw8Mk57Pe/faawm5YK1d4PhrvrjVbVy4d9TAkl/t/Hn3qzkdxLnhbvtUSJb5r2fWxe"
    "9xwUlKtu/X2/hsSXSjs3SruG+KdKb+rNqxrinyodtBudVktp9JvCMR/6qdJPHZ6Tf0bXKI"
    "/jcDc8x8HUWOZV3aZ8oZU36AHu8KFSZdCtIfhQ6YfLmxqCD5XCqriG4EOl9QFcwYdKf7r5"
    "tYbgI4+iXqYhDiXzhrZeL2/EbKbH+PB2LbI2pU6JK/Qgq601+Ez/mg13X6CEPD/k2Rt72d"
    "LvD7s0amlzPas5JyJYquC+KjC9GFZvCg34cqUC7tPbr62/2zrghuDEXj8sGHUEEoOhv4QR"
    "+VDKqPw49qgwOqORRyxGqHvOn/efyoFUtANtDlTIJxhMb86u61+iM59Gq3MZdfbxAi6jrH"
    "fsENvUYC7qZPbSRmVLOlOh3bRSW5jGjESp9OxLlloutJZhwpCDcLEhVuq3yPqdQnnYXJnp"
    "PSdmUp9sgouXPj1z3IvnqdiJPFuyZef5Nj8xAG5ujrPAHhEr8U6Ld2CiX1IjgUe201oTI/"
    "1w8/jnJzWJLymbT2J4KSmbJ6vmgoRaCbiCMey2DRphMrvN5+KlZre53owzzGY2xUsZ15nH"
    "ml7oLtLdW2yise1UBXdtwcMgj7ABdeIChMVx3u5RGmfC9YPozivWHA9dgjZd0CBk2XTiIm"
    "YLjpoxxcat7fF40Dy89NlMZ5BkyvDOwU3Nxa4r/dfDKq/XOlL1mtAhiHdjYlkgTeizHxCn"
    "xC2RBa+go9KgQhPMOD2vq7SVz/WWeOYtXooHxpV5jnoy7AsogroiKoyr0iA6tSTTEYqulF"
    "7zQ/t8JoJtI4vc4VBw7IBgKd2WQ0G8S+LXhQh1hAeosRn3l2lQTcmnK9l3RzG5KNl3Jfvu"
    "kZYrh2Df3ZI4y1o6n38g+4AhEhoflcbPnUE/oyF7JVdDwRWPfCAGi1owakQHzkciYmwPjl"
    "legQTxUwso/rQiuReqGzoYKXK1X4WypI1Z30U/toyTC/txOD4w4DvJycEOyZaQp4X8mKjA"
    "Jwj/Y287KPAYe7iO3smN+KZoObSmOCalDA94jOEBJYsrmzFnLVOyvvI7jEoa/DHQ4I9ul0"
    "nlRmlfNdsfstotfDHopeQFKORzvdmHKy7SbynXSrsPCtpOBCV2rm9aSp/HdlxdqvR9vdni"
    "SfI7PiLk+0H7SoaElFd8Y0u336y3Wr9q67vbaVz2lwGU0tPqjX6z0+ZFhBJUetXs3QxEpY"
    "KrYnS5xNV4tPmYPnfXIWIbUuXBYRkODvNpyjLUPc7HMt8ULgkS+cY72RdqIzy2HX4SHvdI"
    "xO24yNKzxpVW4Ll62cc+WB871onlQcvIGok/Klfg1lSYlV+A2Qy7rj7JBfeG6OkhfpBIkF"
    "HHfgbQY0RPD/SL169TgA65EkEX95JBH0NdsDN3SNzqOR34kSJOTwn772tKmmWe6fRR8O/C"
    "B+j453LlUXREttyvUWRNl4Tak1VzBkLtZlBxvtSOsbhd+oLvf+5iS5xLE6N2nyjbFYUcr8"
    "q3Am5+y8Q4jhzdHb8GCvAMQpl+H9XNgx6PssOMhzUDN7sL/7hFZgRg8CgTdNstkvZWnuou"
    "trYI5Gnx7FA7kT8lcXsIM/ch4s92BZNYlIH5sY8ARBXh88k5Gg7lKSm1H3264n+Gw23S9r"
    "1K+n58z0QKccZVy31WKgXjEB9qoZJMGF7AP4UOO9cu9qhsOdIWbqQNT51j/bmJJm7j4X25"
    "BzZs34sXXpBdQP4MJm58Wc1tdowq60lUmi1A/jHAxHU90e87tjeZ+uGrfxBjgp9jSlxmO3"
    "xjj85Euj6C8QDNbYsYSyRakhu3K2j/D8gfV7rc01LuaXkCe1p8Fpt8r/Ix4EKyJzfv2r9t"
    "spjbiE5s50TJVyskXy1hbnkkHLWcDfwBuWZJHfUxRDHOi+7eSQF5Dio83QMK948vtVkm73"
    "+Q//SwPVS8HwfDnxUhqkaZOuKo3AkifojJRultTkT/lExmRTqg77Ffqsc7oi/FsXvvbQeT"
    "Cf0ZL7fYoXs/eK8Y79f+j957MBNmb2OzaCXGkBm6X91lztzcdprSqMkDCU1A2wt9+TcXGf"
    "Z8KSMJSZtjKKDQtsEyizCPWuSnE+k/c23PkYGLQF9s+sMqKtAqzt4wyDr0h4kh4qOAEJni"
    "VXniSD1k6S5DgI3Fz+U7w3f8iD3bQQ7+xxgzY/pMHtBHkW2Z2EHyPiBI7rCDTZXy6EX+4X"
    "42fCwcwrALCQtIEA8ozalH24VWS3NqGSLolObbhQtUULCe5akc1Vfspl9GKzh+xMtoBUcZ"
    "rcCPh6kZS545p962Cim04lYKWykqUFB+xew/ltzx7ZPPoYpmO9h5WUPra5Wur7XV/svtNJ"
    "X2u816S+z/DK5UyjdSfoLy5Dffmtnra1cDhW/IlFc8RkK7oYhtnsEVP/NRngApv7ncoCe3"
    "cfLvYrytclDK47GNSpa2tQP5bcs4I8WIMyJRZtp9jptKKqP0PhTa+xBRW47zp+JLKNVebL"
    "Xz3tbS9N2K3xkSJqmIMj5MhvgwEsR8Tt6waLnRtMjvG+YBfHIoeVOu1HCRNSxfR7mLUdvF"
    "9Uox6Y0vqsCWtUpj0Ot3rpUuZOh+ajZgARlNUWmr81n7ZQArzz5MfDd+qPS62evxiEPvlX"
    "p/0FV6NRRNUWmn/1GBibX4UmkPFNr4qFytnxdNgQVvp6PJZfAXWPOuf8g7sC5W2j2x+g39"
    "5ItbuZiV38VYzIaaxBhjk3vJs1hqEwsocKsqGP0t6kjPZlSIkz6ZTW/lcXdFeRVOaUgto3"
    "OcrJoLstH1Mx5NbftWuUs48y50v7qLJbaQOTVBgUq999XnWgmhKpKNix/lxo+WI2bcZtbv"
    "SHBCWB0tbOcWO8iwdDLjx8XxY+IWhE2RTTGClmSKk+B0Cw1ueAuQG15dfrTcUMjAm+NRRq"
    "yhSs90ZMEMFD/7AcoRN9FiartYpiKHc788hs44ocx/rEmw+QzBhAON+Blzt5gK8hfU7b1O"
    "+PF2U52a3AfGiWgOhj8EaVCBIcVfGbyyDM/mTBDVRJ25pu3xODVTbO3OiZRXssVKtthTYI"
    "v5M03RReTjc2yKnhxz6SDcsWQmRzzQx8DaKBK+c31p2XpMW+5DH5+4PyIQOQmUd035lC/9"
    "0GwvwPLsuv7lWWjG1+q0PwTZN7BvtDqXCXw8uWLKtdjdkC196LlXu8fHbql0lYbS/OQbzz"
    "KYEQM5HutbXnFmWKeh9CS9JLjcDj3e/NDuSOqLvMhjtts/McmffMYoLzlcwIbIydiH9ja3"
    "4ftRNOw4tpNlKAhLnYLF86EHg9CyMLPRLSpcerKKZo8JbaSPLJszajtGvNR3kfXtYAOTu1"
    "x21ohoaWgttKLnjm1g182l6ahs+UoXTdMFManXsUOMaSXGmO7fqe4yo+vrPN8znycr9h5h"
    "gePMZU/FCnzPSXoO+26yfSzZwHucxpsHOB6Gv1QZEPaznyC6L9LSP3axP7YIODZlsVFBfu"
    "p12gnLnrVIdLQkBkN/IYu4x2gF2wEuB2P32jO6zIwMfryAy8cOhPzt/wDwB+E="
)

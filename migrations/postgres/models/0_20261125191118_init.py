from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "catalog_prices" (
    "lookup_key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "stripe_price_id" VARCHAR(64) NOT NULL,
    "stripe_product_id" VARCHAR(64) NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "synced_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "catalog_prices" IS 'Written by `catalog sync`; read by `prices` and `createCheckout`.';
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
    "reference" VARCHAR(64) NOT NULL UNIQUE,
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
    "eJztHWt32jj2r+jwZdI92WybPpfu7jmEuC0zBDJA2s6u59jGFqCNLbO2HMqZ6X/fK8kGbG"
    "yKHUgM8Rcwkq4s7tXj6j7/qDmuhW3/rGkww3bH1x4xca2O/qhRw+EPqfWnqGZMp8taXsCM"
    "oS0ATNlSm/KmosoY+swzTAa1I8P2MRRZ2Dc9MmXEpRzmi0cYwxQN50gP4ZE/p6b+HnnYsE"
    "S57E9HBrWgERQz3Jxg89YNmH7GX2O5JryH0PFOelSpSgcTjCLgEbEx8o25j2YTg6EZ/MC2"
    "LWBHrocm7gw5gTl5j9iE+MiDn2FjYk5U2oeBTTESbxSAPiIMeWQ8YYhC25PVBj4yPIyI4w"
    "QCqafId+E9yHDcgDKVmhODjjEaYwYNEcWzsFtioYBa2IMR8JE6GNmuextM0S2ePxMYCij5"
    "X4A15gLsBHuAp//8DsUEoL4BqcKf01ttRLBtxaaB7EqDrnhHol5j86moa04M74OA4FQYaq"
    "ZrBw5dh5rO2cSlCzAgFi8dY4o9QL21Mj1oYNvhfIqK5NihgHkBXgzaWhZYeGQENp9kHFqO"
    "ZFlW07ROd6D1lYGm1dYmYASxMoPCItOlfPISynyBD8f4ptmYjtkEfr559V2+Z4kP2Yq/8H"
    "Oj1/zU6J28efWMv9CFFSAXSCesORdV30UXMMlkJ4IKS7T7YlrItaQRKw/uU0B3Q4CoYEmB"
    "5ao+WBKkoNy1ApMVRfoqcIX2LdAud7d1XF+QcYuydGwvYRIoJrL00FA85oP469/Pz1++fH"
    "v+/OWbd69fvX37+t3zd9BWjHi96u0GOly0PrY6gzgJeEEc8WbgeZiaufb1VZgjnN0vt5jc"
    "LzPn9su1HQX4DmxpRsrsvgQUMeLgjN1kFTCBZyuEPIseDhDrG9A8aF0p/UHj6pp37/j+/2"
    "yBrsZA4TXnonSeKD15k6DJohP0pTX4hPhP9O9uRxHodH029sQbl+0G/67xMRkBczVgyzTD"
    "WsVJVBwVfefc0uh25eDmBUPDvJ0ZnqWt1bjnblbb9Srn3EmWGNQYCyJxbPJxRrx54DPXEf"
    "zcOt8e1W3m2cNWW7LrDRT4wGe6I8FqmpwfntoGAz7YOUWGj4bEtoHu6BaQ5fM2zjqDXqAP"
    "zpLrHArOVR0RUYp+/jJAuh8M9TPE2fWQj47+EG8lOXsLuRSYeM8HhhvDL2DcVUrxHeeXZ8"
    "Ai1UVvcmWg5TzlUHp4qkeditdP7UAOgLP6tmveqpQZt3DjIAAQDv5sgVcdOVApOXMMvVsI"
    "MAyv9jD8H1EshvYTXAusM3nx0A0TrgK+9hcdyR1BXgt4W0wZYTZ24BvuJyaUzBbXHUBR9P"
    "aphx0SODpcQrD8pz4MBu4ngFbGET72DFiJiO8eSN4q/PveE9LYpU1HeCqHlHJ8h0x+eS8G"
    "D3h2Z18XgMY+H/gaCTLxvwLxcDzUi/0S4fzFq7ev3r1882qB+0XJJpSvs0bhXpOHM1oBOb"
    "rr7ovzd1swRtAqkzUSdanXrZW9tcB9KwFdCPMhXsuI+N3ftqaBBxu+jzXggGAkJsfK+r7t"
    "ujY2aDrmM3pIoH4IXexrF1mUPCxnetHttmNM6UUrsU93bq4uFFgIgh7QiLCMq1eEOhgcoN"
    "Hw03bu7LmfDr2TuV+q29jr58+3mP7QKnP+i7o46sdkxLQA+Cg776UsDrmDW1nJkH/ol7KY"
    "UEmy0D6hUmuRh85J2IrSB0DpQis6CVtRusyUDq/zBcRpcchKnlZqMgdTqyCZ45AVmUtH5p"
    "KITT8CI9eEx1qK2HRRd7pJbCpYQRPKt5SbdikXLVoYTbEHD87UxlwwybtBU2Mu5HknoQhS"
    "Dwv0Z6fIwxbGDn8rcoEbWRem7qpjLmHtQZkjhsyFpwYCBmhsC5GoRXipYaObaz53QtGowQ"
    "If/RM1Pjda7cZFW9GFvYJLsUpl9zCkGaE+N5EQQkggyBzePLWJafhCDnqGdCGKhEU78lxH"
    "/9vipziTdd6T6XqWlJ8yDzNzwiXH8uDmlhRj4y60k4CeRwG1kOshi/jTgHETDoq4bJY35F"
    "NnSxnnfxZ3XE9bEevETxEo+70ShlbC0OMXhprhdri1jjhsf3Ri0Jfn26iHz7P1w+dZ0rjY"
    "PrMtnlOBj1Apvxfpc2SoIxCVinSFBo5AfAvGZoSygDgBEn2UGfe1655y1bq50q66ncGn9m"
    "91lChQaVTwm9LorTaQv5Osx+MsGCsAVHK5p+NSNvFzbPEpkMdkO7Sz3V7ydUWXxBL64RZD"
    "bcGB1nKuiQVgfcnFAh+sXCrKlXJZR9GTSpWv160eLwofeKvP3V9kI/FQZH28eLPNxpa8pa"
    "3sa2+S6yNkvC1tOC9ypGSA70m1cGQKzQXy8ksuEqCVHLJskouYBmnlxppbh5SArSh9CJQu"
    "pi5MAle0LjOtPXzn3gK5iqjjk5CVKn4rVTz+NiVAwQLnZRyykvSXemVVersnQeZKb/ckyB"
    "wqkVIvlptUHHG43Yhenoiu415q0zXKrZOtS/HAhY810U6CSqGK9HrZz0ER7Hs0JaPS5fs9"
    "Y7bQ4iVmKvx/+NdYWnI2G/1m41Kpfd+dMrpF79wM1/uo6nSTKprIRls78IR+MiGYcGMn3B"
    "XE+IaGcNzeWu6MpjntbAUnHHWgSFsU6VKX/HO/20E28RnX3up/qKEHpwovUmt8BmlT7Jk4"
    "Kvlv4BHfkiauUALdwv807cAnd1itfdfryLBn3MteuPTPCJuIwYSDO0XS6QXmnEek/w+vhd"
    "FITbFKfTw1+FuRQCOauYHNm9lzBDshV30zqBTKc65XnwLltlYdVwrjcm6ip5XC+Cl5z5Tq"
    "9rxP/5lwzyvmPhMHPjqF/d5iRJTPaalU831vePeD4WJ4xXCf0kOF/x/jnwbOUPqSb4vvJU"
    "SF323m96Fp3QuYoFz2Gh8GdSS+VNq9Vjp1xD9Vet1oXdYR/1TpTafZbbeV5qAlFPOxnyr9"
    "3OUt+WfyjvI4CvfNQVR+TLpDCahSu+kD3uFDpcpNr47gQ6UfL67rCD5UCrfiOoIPlTZu4A"
    "k+VPrz9W91BB9FCLXrQCzBkLnMSNHhbbpkrUIdk63QA8cZYsa3fHgPASqUF0d5/slezfT7"
    "o10KtbSpkVeckwCsSHBfElhBilXvFhQI4SoC3Ge3X0p/12nABcGZu34cMKkIJCZDfwoh8r"
    "6IUfvHKKBC6IyGAbEZof4Zf9+/ansi0QZsc0TFdIIRe3Ny1fia5Hya7e5FUtnHO7hIWr1j"
    "j7iWBryol1tLm4StzJlKraaV1MI05STais4hZEXlUlMZGIYCBhcrYBV9y0zfCfSHrYWYPv"
    "BSmPpsEVw69PGJ414838o6kTfLluw8X7dPjBA3tUZ50J4Aq/C9Lb4jEX121NyN0poU6Ifj"
    "458fFRNfmWw+ieOlMtk8WjKXJNRKZCuYYt22YkaYbd0W2uJtbd3mBw63MHNciucyrjOPNT"
    "0zfGT4t1hkbDkVtmsil8sQmzxbCgAQlmbzdo/eoiwyMvB0ZDXHQ5egVRU0ANkuHfuIucJG"
    "zQzT0PwkM8mcOAaDIkuGd44qNR/7vtRf66d8XMtI1UuDDmF4NyK2DdCEPnuPuEncHNmwBD"
    "2VRgMKc8n0lI7ypdEW77zFcyzT5Kz3eYb6MuwLEIL6IiqMr9IoOrU0piMUXSr91sfOmSOC"
    "bSOb3OFYcOzIwFKqLXVheJdlXxczqCM8QI3LuL5MpJb5vbK+OxjmorK+q6zvHum6sh9n7x"
    "HmivtckXFiQJW1XQLL61YxtyRNfLmdYUUE+4BxKJqflOYv3ZtBTm3BAq6OoiceXkKcyPXo"
    "aE5yJ49k7bLOgeSZ/xngxxa1/WmFyy/VXr+/rHCRUxBlWd5vP04Ol9bH0cVW2Z/RNeB3XN"
    "DQPQZboXxblB+SvfURov+xfTtKfMbuMf3n42VcfWJHaxWD8SBjMFYJW0uZsLXyNSiJr8HB"
    "ufLUrpXOZavzMa/cIgSDXUo+AEG+NFoDeOIgg7ZypXQGQKD1QiBi9+q6rQx4AM3Fo0o/NF"
    "ptXiS/08NufrjpXMq4m/KJew/1Bq1Gu/2btqxdL+Owv95AL32t0Ry0uh3eRaxApZet/vWN"
    "GFT0VI4tl/gaD+mfsuduytS2AlVlZ8uRnS20BZf5BHAxU/5V4MoKpdh5J/dCbYhHrsfTDX"
    "K1T5pbS56dNa23EvPq1R77YHvsyCB2ADMjb7qDJFyJZ1Npbn4Rzhzs+8a4ELpXQI8P43sJ"
    "t5m0nsiB9BTQ40P6+evXWyAdWmUiXdRlI30EY8He1CNpt+ftkJ/o4viIsPu9prJlLcJOH4"
    "SRYzxLUZj8rAihE7CVU0yZKV1ZLR8tmXNYLcdMseCqnSJxuwgBP/zSw7ZI/pNC9tAauSc6"
    "OVySr0U1/Z7LrDuRHz39DhThM4oX+2OsrmbTPMgNMx2tOQzge/CP28QhgIaAMmHTvGYJv9"
    "bmdJNJvIiWavPmMDrRfkvreB04dx3xd/vCXFv0gXluTUDEKcJn4zOk6zIVTf0foU3ov3R9"
    "3TL+Xj39OIhqpp12zlvLfW4qZTa03OFFJdsqewb/FDbsQqECkrDVSVu6kzbOOqfqczNF3O"
    "bD63L3LNi+l/F9SVytQg4m7XxZ8DYbTpUlE7WNn1WYa5n4fiD2fc8NxpMwRvh7cSaELSbE"
    "Z67HvacMJsqNIZwHaOraxJwjMZP8NNer3b+gePDuynGochx6Ao5DoRWbXFfFLOBisEfHd+"
    "1eNllOX60j85yo7NVKaa+WwVseiI1awQn+gLZmWRv1IYSKLordnRsFFMkGebxZIHePX+qy"
    "XNr/qP3x4XZfQZU8DH9WxAEb5tqIk3BHiPF9MBuVtjkT+8ckMitTFsTHXlSPlwdxi9yGH1"
    "wPkzH9Bc/XrEN3nt2wHOtr9/kNH0yE2V9xFq2lCDJj9aebxJmrbqdbCjV5tKYxUHtmzH/y"
    "kelO5zJck5Q5xqI2rQss8wDz0FBhOZH6M98NPBkdCujFJu8XoZcWwQz1qKkeHhM64qeAAJ"
    "ngRX8ibyGyDZ8hwI3Nkx+e4Duex9D1kIf/OsLMnDyTWRApcm0Le0jWAwbJHfawpVIeIirM"
    "oOjCx8wjDPtQMIMC8YJKnHqwW+hpJU6t4jAdE79dukAFJdtZnko+xHJP/SpaweFjvIpWcJ"
    "DRCsKgo5o5540L0m2tk1ITbkGwBaEiAhUnzO5jyR2en3wBUrQ6kedlHS2fVbp81hb+l+tl"
    "Kh30Wo228P+MnlTKHSk/Q3/ym7tm9gfa5Y3CHTLlE4+R0Gkqws0zeuKJNWWaTfnN4W760o"
    "2Tf5djtcpDqYjGNglZydb2pLet4oyUI86IxDLT7pPTK6uPSvtQau1DgmwFknyl91CRvdxk"
    "57utrRmbCb8xJExWF1V8mBzxYSQSiyl546CVo2mZ1xvmAXwKEHkVrqJwmSksl6P0YtQ22X"
    "ptwfSmd1ViyVqtedMfdK+UHjTofW414QKZLFFpu/tF+/UGbp4DYHxXfqj0qtXv84hDH5TG"
    "4Kan9OsoWaLS7uCTAoy1+FJpHwja/KRcLt+XLIELb7eryWvwV7jzLn/IGrgXK52+uP3Gfv"
    "LLrbzMyu9yXGZjU2KEscW15HkktZkdlHhWlcz8LalIzydUSIM+Gqe3KqdgWZbCMR2pVXSO"
    "oyVzSRxdv+DhxHVvlbuMxIKx+tNNVmIz2VITJlBb+76GtlYC6BTJycXz5fH8fcRKc2b9AQ"
    "Q3CGugmevdYg+ZtkEcnpOP5+KbETZBLsUIZpIl0u0ZNrq55jNAOrz6PH+fLmBg5QSUEVtX"
    "6YmBbOBA8bP30I+oRLOJ62NZijxu+xUwdMINysLXWgRbzxAwHGjIE/ndYiqMv2BsHwzCcw"
    "hODGpxHRg3RPMw/CEogwHoFH9jsGQZdqZMGKqJMXNKu6PR1pZiS3VOor/KWqyyFnsK1mIh"
    "pym2iGL2HKugR2e5tBfbsWxLjnREH4LVRpnwOzXmtmukzOUB7PGZ/hERyFFgeRPLp3wdxL"
    "i9CJcnV42vz2IcX7vb+Rg1X8F9s929yLDHkzemQpfdFdhKh174tnt41i21ntJUWp9D4VkO"
    "MWIEx2N9yyduGdZtKn1pXhI9roceb33sdKXpi3woIrbbvWFSyHymEC87XMAKyNHIh3bG23"
    "B/FA17nuvlOQriUMcg8XzowyB2LcwtdEsCV5qsssljYo70iWtzTmqngFf0LjO9PWxicldI"
    "zpoArQStpSb01HNN7PuFKJ2ErZZ02ShdEpF6A3vEnNRShOlhzekmMbqxbPMj8Xk2Ye8RFj"
    "hNXPZUpMD3ZNILyHez5WPZAt7DFN48QHoYvqhyYDhsfoTYfbGt+ccm6481AxyXstSoID/3"
    "u52Ma88SJHlaEpOhP5FN/EOUgm1ALkfG5rtn8pqZOPx4BxePHQj5+/8BMS1IMQ=="
)

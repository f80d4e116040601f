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
    "yKHUgM8Rcwkq4s7tXjvvVHzXEtbPtnTYMZtju+9oiJa3X0R40aDn9IrT9FNWM6XdbyAmYM"
    "bQFgypbalDcVVcbQZ55hMqgdGbaPocjCvumRKSMu5TBfPMIYpmg4R3oIj/w5NfX3yMOGJc"
    "plfzoyqAWNoJjh5gSbt27A9DP+Gss14T2EjnfSo0pVOphgFAGPiI2Rb8x9NJsYDM3gB7Zt"
    "ATtyPTRxZ8gJzMl7xCbERx78DBsTc6LSPgxsipF4owD0EWHII+MJQxTanqw28JHhYUQcJx"
    "BIPUW+C+9BhuMGlKnUnBh0jNEYM2iIKJ6F3RILBdTCHoyAj9TByHbd22CKbvH8mcBQQMn/"
    "AqwxF2An2AM8/ed3KCYA9Q1IFf6c3mojgm0rNg1kVxp0xTsS9RqbT0Vdc2J4HwQEp8JQM1"
    "07cOg61HTOJi5dgAGxeOkYU+wB6q2V6UED2w7nU1Qkxw4FzAvwYtDWssDCIyOw+STj0HIk"
    "y7KapnW6A62vDDSttjYBI4iVGRQWmS7lk5dQ5gt8OMY3zcZ0zCbw882r7/I9S3zIVvyFnx"
    "u95qdG7+TNq2f8hS6sALlAOmHNuaj6LrqASSY7EVRYot0X00KuJY1YeXCfArobAkQFSwos"
    "V/XBkiAF5a4VmKwo0leBK7RvgXa5u63j+oKMW5SlY3sJk0AxkaWHhuIxH8Rf/35+/vLl2/"
    "PnL9+8e/3q7dvX756/g7ZixOtVbzfQ4aL1sdUZxEnAC+KINwPPw9TMta+vwhzh7H65xeR+"
    "mTm3X67tKMB3YEszUmb3JaCIEQdn7CargAk8WyHkWfRwgFjfgOZB60rpDxpX17x7x/f/Zw"
    "t0NQYKrzkXpfNE6cmbBE0WnaAvrcEnxH+if3c7ikCn67OxJ964bDf4d42PyQiYqwFbphnW"
    "Kk6i4qjoO+eWRrcrBzcvGBrm7czwLG2txj13s9quVznnTrLEoMZYEIljk48z4s0Dn7mO4O"
    "fW+faobjPPHrbakl1voMAHPtMdCVbT5Pzw1DYY8MHOKTJ8NCS2DXRHt4Asn7dx1hn0An1w"
    "llznUHCu6oiIUvTzlwHS/WConyHOrod8dPSHeCvJ2VvIpcDEez4w3Bh+AeOuUorvOL88Ax"
    "apLnqTKwMt5ymH0sNTPepUvH5qB3IAnNW3XfNWpcy4BYmDAEA4+LMFXnXkQKXkzDH0biHA"
    "MLzaw/B/RLEY2k8gFlhnUvDQDRNEAV/7i47kjiDFAt4WU0aYjR34BvnEhJLZQtwBFEVvn3"
    "rYIYGjgxCC5T/1YTAgnwBaGUf42DNgJSK+eyApVfj3lRPS2KVNR3gqh5RyfIdMfnkFgwc8"
    "u7PFBaCxzwe+RoJM/K9APBwP9WK/RDh/8ertq3cv37xa4H5Rsgnl66xRuNfk4YxWQI5O3H"
    "1x/m4LxghaZbJGoi5V3FrZWwvIWwnoQpgP8VpGxO9e2poGHmz4PtaAA4KRmBwr6/u269rY"
    "oOmYz+ghgfohdLGvXWRR8rCc6UW3244xpRetxD7dubm6UGAhCHpAI8IyRK8IdTA4QKPhp+"
    "3c2XM/HXonc79U0tjr58+3mP7QKnP+i7o46sdkxLQA+Cg7r1AWh9yBVFYy5B+6UBZTKkkW"
    "2idUWi3y0DkJW1H6AChdaEUnYStKl5nSoThfQJ0Wh6z0aaUmczC1CpI5DlmRuXRkLona9C"
    "Mwck14rKWoTRd1p5vUpoIVNKF8S71pl3LVooXRFHvw4ExtzBWTvBs0NeZCn3cSqiD1sEB/"
    "doo8bGHs8LciF7iRdWXqrjrmGtYelDliyFx5aiBggMa2UIlahJcaNrq55nMnVI0aLPDRP1"
    "Hjc6PVbly0FV34K7gUq1R2D0OaEepzFwmhhASCzOHNU5uYhi/0oGdIF6pIWLQjz3X0vy1+"
    "ijNZ5z2ZrmdJ/SnzMDMnXHMsD27uSTE27kI/Ceh5FFALuR6yiD8NGHfhoIjrZnlDPnW21H"
    "H+ZyHjetqKWid+ikDZ75UytFKGHr8y1Ay3w61txGH7o1ODvjzfxjx8nm0fPs/SxsX2mW3x"
    "nAp8hEb5vWifI0cdgahUpCs0cATiWzA2I9QFxAmQ6KPMuK9d95Sr1s2VdtXtDD61f6ujRI"
    "FKo4LflEZvtYH8nWQ9HmfBWAGgkus9HZeyiZ9ji0+BPCbfoZ3t9pKvK7okltAPtxhqCw60"
    "lnNNLADrSy4W+GDlUlGulMs6ip5Uqny9bvV4UfjAW33u/iIbiYci6+PFm202tqSUtrKvvU"
    "muj5DxtrThvMiRkgG+J9PCkRk0F8jLr7lIgFZ6yLJpLmIWpBWJNbcNKQFbUfoQKF3MXJgE"
    "rmhdZlp7+M69BXIVMccnIStT/FamePxtSoCCBc7LOGSl6S/1yqrsdk+CzJXd7kmQOTQipQ"
    "qWm0wccbjdqF6eiK3jXmbTNcqtk61L8cCFjzXVToJKoYn0etnPQRHsezQlo9Ll+z1jtrDi"
    "JWYq/H/411h6cjYb/WbjUql9350xukXv3IzQ+6jqdJMpmshGWwfwhHEyIZgIYyc8FMT4ho"
    "Zw3N5a7oymBe1sBScCdaBIWxTp0pb8c7/bQTbxGbfe6n+oYQSnCi9Sa3wGaVPsmTgq+W/g"
    "Ed+SLq5QAt3C/zTtwCd3WK191+vIsGc8yl6E9M8Im4jBhIM7RTLoBeacR2T8D6+F0UhLsU"
    "p9PDX4W5FAI5q5gc2b2XMEOyE3fTOoFMZzblefAuW2Nh1XBuNybqKnlcH4KUXPlEp63mf8"
    "TLjnFQufiQMfncF+bzkiyhe0VKr5vje8+8FwMbxiuE/pocL/j/FPA2coY8m3xfcSosLvNv"
    "P70KzuBVxQLnuND4M6El8q7V4rnTrinyq9brQu64h/qvSm0+y220pz0BKG+dhPlX7u8pb8"
    "MymjPI7BfXMSlR+T7lASqtRu+oB3+FCpctOrI/hQ6ceL6zqCD5WCVFxH8KHSxg08wYdKf7"
    "7+rY7gowihdp2IJRgylxkpNrxNQtYq1DH5Cj1wniFmfMuH9xCgQnlxlOef7NVMvz/apVJL"
    "mxp51TkJwIoE9yWBFaR49W5BgRCuIsB9dvul9nedBlwRnLnrxwGThkBiMvSnUCLvixi1f4"
    "wCKpTOaBgQmxHqn/H3/au2JxJtwDZHVMwmGLE3J1eNr0nOp9nuXiSNfbyDi6TXO/aIa2nA"
    "i3q5rbRJ2MqdqdRmWkktTFNOoq3oHEJWVC41lYFhKOBwsQJW0bfM9J1Af9haqOkDL4Wpz1"
    "bBpUMfnzruxfOtvBN5s2zNzvN1/8QIcVNrlAftCbAK39viO1LRZ2fN3aitSYF+OD7++VEx"
    "8ZXL5pM4XiqXzaMlc0lSrUS+ginebStuhNnebaEv3tbebX7gcA8zx6V4LvM681zTM8NHhn"
    "+LxY0tp8J3TdzlMsQmvy0FAAhL83m7R2/RLTIy8XTkNcdTl6BVEzQA2S4d+4i5wkfNDK+h"
    "+UneJHPiGAyKLJneOarUfOz70n6tn/JxLTNVLx06hOPdiNg2QBP67D3iLnFzZMMS9FQaDS"
    "i8S6andJQvjbZ45y2eY3lNznqfZ6gv074AIagvssL4Ko2yU0tnOkLRpdJvfeycOSLZNrLJ"
    "HY4lx44cLKXZUheOd1n+dTGHOsIT1LiM28vE1TK/V953B8NcVN53lffdI4kr+wn2HmFuuM"
    "+VGScG9FDeditK7fDkDfffM4pn2mJIe9Nx79t15pak6Ti3876IYB8wWUXzk9L8pXszyInu"
    "BVwdRU88B4U4tuvR+Z1kYR7JJWadTcmzSDLAjy21+9PKqV+qA2F/V8dFkUOUZYXI/fgGub"
    "Q+ji4By/48swG/44Le8DHYCuXbovyQnLKPEP2PHQBS4jN2j3eEPt61rE/saK0SNR5kosbq"
    "VtdS3upaBSSUJCDh4OJ9atdK57LV+ZhXbxGCwS4lH4AgXxqtATxxkEFbuVI6AyDQeiEQsX"
    "t13VYGPMvm4lGlHxqtNi+S3+m5OT/cdC5lck75xEOMeoNWo93+TVvWrpdx2F9voJe+1mgO"
    "Wt0O7yJWoNLLVv/6RgwqeirHlkt8jef9T9lzN13ntgJVXeGW4wq30GFcXjqAi/n7rwJXri"
    "rFzju5F2pDPHI9fichtw2lxb7k2VnTeisxr17tsQ+2x44MYgcwM/LeiZCEK/FsKo3kF+HM"
    "wb5vjAuhewX0+DC+l5ycSReLHEhPAT0+pJ+/fr0F0qFVJtJFXTbSRzAW7E09kiY9b4f8RB"
    "fHR4Td7zWVw2sRdvogPCHjVxmFN6QVIXQCtoqcKTOlK9fmoyVzDtfmmL8WiNopGreLEPDD"
    "Lz1sixuCUsgeOk71RCeHS/K11Kffc/l+Jy5RT5eBInxGSWV/jNXVKzcPcsNMR2sOL/ke/O"
    "M2cQigIaBMOD6vucuvtTnd5DcvUqravDmMTrTf0oVeB85dR/zdvvDpFn1gfgEnIOIU4bPx"
    "GdJ1eV9N/R+h4+i/dH3dff5ePf0402qmM3dOqeU+kkrJvLn3Jahku27P4J/Chl0on0AStj"
    "ppS3fSxlnnVHtuporbfHhb7p4V2/fy0C9JPFbIwaSdLwveZsOpsmSitgnGCi9kJr4fiH3f"
    "c4PxJEwk/l6cCWGLCfGZ6/EQK4OJcmMI5wGaujYx50jMJD8tPmv3Lyie4buKLqqii55AdF"
    "HoxSbXVTEPuBjs0fFdu9dNljOg68giJyp/tVL6q2Xwlgfio1Zwgj+gr1nWRn0I+aSLYnfn"
    "TgFFrow83qsid49f6rJc1v+o/fHhdl+ZlzwMf1YkCxvm2oiTcEeI8X0wG5W1ORP7x6QyK9"
    "NViY+9qB7vssQtLkD84HqYjOkveL7mHbrzKxDLsb52fwnig6kw+yvBorUURWas/nSTOnM1"
    "7HRLpSZP6TQGas+M+U8+Mt3pXOZ0kjrHWGqndYVlHmCePyosJ9J+5ruBJ1NIAb3Y5P0iP9"
    "Mi46EeNdXDY0JH/BQQIBO86E9cbohsw2cIcGPzGxJP8B2/7ND1kIf/OsLMnDyTVyVS5NoW"
    "9pCsBwySO+xhS6U8j1R4zaILHzOPMOxDwQwKxAsqderBbqGnlTq1StZ0TPx26RIVlGxneS"
    "qXJpZ76lfZCg4f41W2goPMVhBmJtXMOW9ckG5rnZSacAuCLQgVEag4YXafS+7w4uQLkKLV"
    "iSIv62j5rNLls7aIv1wvU+mg12q0Rfxn9KRSHkj5GfqT3zw0sz/QLm8UHpApn3iOhE5TEW"
    "Ge0RO/fVPexSm/OdxNX4Zx8u9yrFZ5KBWx2CYhK93anuy2VZ6RcuQZkVhm2n0u/srqo7I+"
    "lNr6kCBbgZvA0nuoyF5usvPd1taMzYTfmBImq4sqP0yO/DASicWMvHHQKtC0zOsN8wQ+BY"
    "i8CldRuMwUlstRRjFqm3y9tmB607sqsWat1rzpD7pXSg8a9D63miBAJktU2u5+0X69Aclz"
    "AIzvyg+VXrX6fZ5x6IPSGNz0lH4dJUtU2h18UoCxFl8q7QNBm5+Uy+X7kiUg8Ha7mhSDv4"
    "LMu/wha0AuVjp9If3GfnLhVgqz8rscwmxsSowwtriVPI+mNrODEs+qkrm/JQ3p+ZQKadBH"
    "E/RWXTxYlqVwTEdqlZ3jaMlckkDXL3g4cd1b5S7j9sFY/ekmL7GZbKkJF6itY19DXysBdI"
    "rk5OKX6vFL/oiVFsz6AwjuENZAM9e7xR4ybYM4/OI+fmHfjLAJcilGMJMscSefYaObaz4D"
    "ZMCrzy/50wUMrJyAMmLrKj0xkA0cKH72HvoRlWg2cX0sS5HHfb8Chk64Q1n4Wotg6xkChg"
    "MN+W1/t5gK5y8Y2weD8IsGJwa1uA2MO6J5GP4QlMEAdIq/MViyDDtTJhzVxJg5pd3RaGtP"
    "saU5J9Ff5S1WeYs9BW+xkNMUW0Qxf45V0KPzXNqL71i2J0c6og/Ba6NM+J0ac9s1UubyAP"
    "b4zPiICOQosLyJ5VO+DmLcXoTLk6vG12cxjq/d7XyMmq/gvtnuXmT440mJqZCwuwJb2dAL"
    "S7uH591S6ylNpfU5VJ7lUCNGcDzXt3zinmHdptKX7iXR43rq8dbHTle6vsiHImq73Tsmhc"
    "xnCvGy0wWsgByNfmhnvA2PR9Gw57lenqMgDnUMGs+HPgxiYmFupVsSuLJklU0fEwukT4jN"
    "OamdAl7Ru8z09rCJyV0hPWsCtFK0lprQU881se8XonQStlrSZaN0SVTqDewRc1JLUaaHNa"
    "eb1OjGss2P1OfZhL1HWuA0ddlT0QLfk0kvoN/N1o9lK3gPU3nzANfD8EWVA8Nh8yPE7ott"
    "3T82eX+sOeC4lKVmBfm53+1kiD1LkORpSUyG/kQ28Q9RC7YBuRwZm2XPpJiZOPx4BxePnQ"
    "j5+/8BZqRV8A=="
)

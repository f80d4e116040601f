"""Support's audit trail over real HTTP and from the command line.

Admins act through GraphQL (refund, restriction, gift code revocation) and the
CLI (webhook retry and replay, reconcile of one user); each action appends a
row that admins read through `userBilling.auditLog` and `billing-gateway audit`,
and nobody else can read.
"""

from __future__ import annotations

from models import WebhookEvent
from tests.e2e.test_buying_e2e import REDEEM, buy
from tests.e2e.test_reconcile_e2e import cli

LOG = """
query($id: ID!, $first: Int, $after: String) {
  userBilling(userId: $id) {
    auditLog(first: $first, after: $after) {
      edges { cursor node { id at actorId action userId subject reason } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
REFUND = """
mutation($id: ID!) {
  refundPayment(input: {paymentId: $id, reason: DUPLICATE, note: "charged twice"}) { userErrors { code } }
}"""
RESTRICT = """
mutation($restricted: Boolean!) {
  setPurchaseRestriction(input: {userId: "audited", restricted: $restricted, reason: "card testing"}) {
    userErrors { code }
  }
}"""
REVOKE = """
mutation($code: String!) { revokeGiftCode(input: {code: $code, reason: "stolen"}) { userErrors { code } } }"""
CODES = "{ payments { edges { node { giftCode { code } } } } }"


async def log_of(e2e, user: str, admin: str = "support-9", **page) -> dict:
    answer = await e2e.gateway.graphql(LOG, {"id": user, **page}, user=admin, admin=True)
    assert "errors" not in answer, answer
    return answer["data"]["userBilling"]["auditLog"]


async def test_every_admin_action_appends_a_row_that_only_admins_read(e2e) -> None:
    payload = await buy(e2e, "audited", gift=True)
    code = (await e2e.gateway.graphql(CODES, user="audited"))["data"]["payments"]["edges"][0]["node"][
        "giftCode"
    ]
    redeemed = await e2e.gateway.graphql(REDEEM, {"code": code["code"]}, user="audited-friend")
    assert redeemed["data"]["redeemGift"]["userErrors"] == []
    for restricted in (True, False):
        answer = await e2e.gateway.graphql(RESTRICT, {"restricted": restricted}, user="support-1", admin=True)
        assert answer["data"]["setPurchaseRestriction"]["userErrors"] == []
    revoked = await e2e.gateway.graphql(REVOKE, {"code": code["code"]}, user="support-2", admin=True)
    assert revoked["data"]["revokeGiftCode"]["userErrors"] == []
    refunded = await e2e.gateway.graphql(
        REFUND, {"id": payload["payment"]["id"]}, user="support-3", admin=True
    )
    assert refunded["data"]["refundPayment"]["userErrors"] == []
    await e2e.flush()

    # The CLI's support actions: a webhook retried and replayed, a reconcile of this user.
    event = await WebhookEvent.filter(type="charge.refunded").order_by("-id").first()
    for args in (
        ("webhooks", "replay", event.stripe_event_id, "--by", "support-4"),
        ("reconcile", "--user", "audited", "--by", "support-5"),
    ):
        status, out, err = await cli(e2e.gateway.env, *args)
        assert status == 0, out + err
    status, out, err = await cli(
        e2e.gateway.env, "webhooks", "retry", event.stripe_event_id, "--by", "support-6"
    )
    assert status == 0 and "already finished" in out, out + err

    entries = [edge["node"] for edge in (await log_of(e2e, "audited"))["edges"]]
    assert [(n["action"], n["actorId"]) for n in reversed(entries)] == [
        ("PURCHASE_RESTRICTION_SET", "support-1"),
        ("PURCHASE_RESTRICTION_LIFTED", "support-1"),
        ("GIFT_CODE_REVOKED", "support-2"),
        ("REFUND", "support-3"),
        ("WEBHOOK_REPLAYED", "support-4"),
        ("RECONCILED", "support-5"),
        ("WEBHOOK_RETRIED", "support-6"),
    ]
    by_action = {n["action"]: n for n in entries}
    assert by_action["REFUND"]["subject"] == payload["payment"]["id"]
    assert by_action["REFUND"]["reason"].startswith("duplicate: charged twice")
    assert by_action["GIFT_CODE_REVOKED"]["subject"] == code["code"]
    assert by_action["WEBHOOK_REPLAYED"]["subject"] == event.stripe_event_id
    assert by_action["PURCHASE_RESTRICTION_SET"]["reason"] == "card testing"
    assert all(n["userId"] == "audited" for n in entries)
    times = [n["at"] for n in entries]
    assert times == sorted(times, reverse=True)  # newest first
    # The redeemer's trail shows the revocation of the code they had redeemed.
    friend = [edge["node"] for edge in (await log_of(e2e, "audited-friend"))["edges"]]
    assert [(n["action"], n["subject"]) for n in friend] == [("GIFT_CODE_REVOKED", code["code"])]

    # Pages: two at a time, without gaps or repeats.
    seen, after = [], None
    while True:
        page = await log_of(e2e, "audited", first=2, after=after)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [n["id"] for n in entries]

    # Nobody but an admin reads it; the user themself neither.
    for user in ("audited", "someone-else"):
        answer = await e2e.gateway.graphql(LOG, {"id": "audited"}, user=user)
        assert answer["data"] == {"userBilling": None}
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]
    anonymous = await e2e.gateway.graphql(LOG, {"id": "audited"})
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]

    # And the CLI prints the same trail, newest first.
    status, out, err = await cli(e2e.gateway.env, "audit", "audited")
    assert status == 0, out + err
    lines = out.strip().splitlines()
    assert lines[0].startswith("AT") and len(lines) == 1 + len(entries)
    assert "WEBHOOK_RETRIED" in lines[1] and "support-6" in lines[1]
    assert "PURCHASE_RESTRICTION_SET" in lines[-1] and "card testing" in lines[-1]

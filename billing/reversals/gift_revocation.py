"""Support's `revokeGiftCode`, with its audit rows.

The revocation itself (an unredeemed code stops working; a redeemed one also
loses its unused time) is `billing.reversals.granted_time.revoke_by_support`. Here it is
recorded for support: one GIFT_CODE_REVOKED row for the buyer, and one for the
redeemer when someone else redeemed it (both users' trails show it).
"""

from __future__ import annotations

from billing import audit
from billing.reversals.granted_time import revoke_by_support
from billing.services import Services
from models import GiftCode
from models.enums import AuditAction


async def revoke_gift_code(services: Services, admin_id: str, text: str, reason: str | None) -> GiftCode:
    code = await revoke_by_support(services, admin_id, text, reason)
    why = (reason or "").strip() or "no reason given"
    for user_id in dict.fromkeys(u for u in (code.purchaser_user_id, code.redeemed_by_user_id) if u):
        await audit.record(
            AuditAction.GIFT_CODE_REVOKED,
            actor=admin_id,
            now=services.clock.now(),
            user_id=user_id,
            subject=code.code,
            reason=why,
        )
    return code

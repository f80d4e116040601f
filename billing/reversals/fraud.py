"""Radar's early fraud warnings: refund before the chargeback, or restrict and let support decide.

An early fraud warning (`radar.early_fraud_warning.created`) is the card
issuer reporting a charge as fraud before any dispute. Stripe's advice is to
refund such a charge: a refunded charge cannot be disputed, so the dispute and
its fee are avoided. EARLY_FRAUD_WARNING_ACTION decides:
- `refund` (default): the payment is refunded in full at once with reason
  `fraudulent`, whatever the refund window says (it is fraud, not a change of
  mind); what it granted is taken back when the refund lands
  (charge.refunded -> `billing.reversals.refunds.sync_charge`, as every refund).
- `flag`: the buyer's account is restricted and support decides.
Either way the decision is in the audit trail (EARLY_FRAUD_REFUND /
EARLY_FRAUD_FLAG by `system`). A warning that is no longer actionable (the
charge was disputed or refunded meanwhile) changes nothing. The warning is
re-fetched, and both actions are keyed by its id, so a redelivery or retry
acts once.
"""

from __future__ import annotations

import logging
from typing import Any

from billing import audit, ids
from billing.checkout.charges import place_charge
from billing.deps import EarlyFraudWarningAction
from billing.errors import BillingError
from billing.reversals.refunds import REFUNDABLE, fetch_charge, issue_refunds
from billing.reversals.restrictions import restrict
from billing.services import Services
from billing.stripe import objects as so
from billing.stripe.calls import retrieve
from models import Payment
from models.enums import AuditAction

log = logging.getLogger("billing.reversals.fraud")


async def fetch_warning(services: Services, warning_id: str) -> dict[str, Any]:
    return await retrieve(services.stripe, "radar/early_fraud_warnings", warning_id)


async def handle_early_fraud_warning(services: Services, warning_id: str) -> Payment | None:
    warning = await fetch_warning(services, warning_id)
    charge_id = so.obj_id(warning.get("charge"))
    if not charge_id:
        return None
    payment = await place_charge(services, await fetch_charge(services, charge_id))
    if payment is None:
        log.info("early fraud warning for no known payment ignored", extra={"warning": warning_id})
        return None
    if not warning.get("actionable"):
        log.info("early fraud warning no longer actionable", extra={"warning": warning_id})
        return payment
    now = services.clock.now()
    subject = ids.encode("Payment", payment.pk)
    fraud_type = warning.get("fraud_type") or "unspecified"
    if services.config.early_fraud_warning_action == EarlyFraudWarningAction.FLAG:
        await restrict(
            payment.user_id,
            f"Early fraud warning ({fraud_type}) on payment {payment.reference}: support to review.",
            now,
            subject=warning_id,
            services=services,
        )
        await audit.record(
            AuditAction.EARLY_FRAUD_FLAG,
            actor=audit.SYSTEM,
            now=now,
            user_id=payment.user_id,
            subject=subject,
            reason=f"Early fraud warning {warning_id} ({fraud_type}); purchases restricted for review.",
            key=f"efw-flag:{warning_id}",
        )
        return payment
    if payment.status not in REFUNDABLE:
        log.warning(
            "early fraud warning on a payment that cannot be refunded",
            extra={"warning": warning_id, "payment": payment.reference, "status": payment.status},
        )
        return payment
    try:
        refunds = await issue_refunds(
            services,
            payment,
            "fraudulent",
            requested_by=audit.SYSTEM,
            note=f"Early fraud warning {warning_id}",
            key=f"efw-{warning_id}",
        )
    except BillingError as refused:  # refunded or charged back meanwhile: nothing left to refund
        log.info("early fraud warning: nothing to refund", extra={"warning": warning_id, "why": str(refused)})
        return payment
    await audit.record(
        AuditAction.EARLY_FRAUD_REFUND,
        actor=audit.SYSTEM,
        now=now,
        user_id=payment.user_id,
        subject=subject,
        reason=f"Early fraud warning {warning_id} ({fraud_type}): refunded in full as fraudulent "
        f"({', '.join(refunds)}); what it granted is taken back.",
        key=f"efw-refund:{warning_id}",
    )
    return payment

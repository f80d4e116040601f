"""Plans: changing monthly <-> yearly (now, prorated; or at the period end), promotion codes and
free trials (DESIGN.md "Plan changes", "Promotion codes", "Trials").

What resolvers and webhooks use from this package (its __all__); they import nothing else of it.
"""

from __future__ import annotations

from billing.plans.changes import PlanChangeResult, cancel_plan_change, change_plan
from billing.plans.previews import PlanChangeQuote, preview_change
from billing.plans.promotions import PromotionCheck, check_code_limited
from billing.plans.trials import eligible as trial_eligible

__all__ = [
    "PlanChangeQuote",
    "PlanChangeResult",
    "PromotionCheck",
    "cancel_plan_change",
    "change_plan",
    "check_code_limited",
    "preview_change",
    "trial_eligible",
]

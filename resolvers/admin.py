"""`userBilling(userId)`: support staff's view of one user (admin permission on the field)."""

from __future__ import annotations

import strawberry

from schema.types.user_billing import UserBilling

MAX_USER_ID_LENGTH = 128  # Customer.user_id


async def user_billing(user_id: strawberry.ID) -> UserBilling | None:
    """Any user id, known or not (an unknown user simply has no billing); null for impossible ids."""
    if not user_id or len(user_id) > MAX_USER_ID_LENGTH:
        return None
    return UserBilling(user_id=user_id)

"""Announcing payment and premium changes (outbox + live notices), and recording a user's access stretch.

What webhooks, resolvers and the CLI use from this package (its __all__); they import nothing
else of it. Other billing domains above it may use its modules directly.
"""

from __future__ import annotations

from billing.notifications.access import record_access
from billing.notifications.changes import Change, ChangeFeed, ChangeKind

__all__ = ["Change", "ChangeFeed", "ChangeKind", "record_access"]

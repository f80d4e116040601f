"""The Relay `Node` interface. IDs are opaque global IDs (see billing.ids)."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with an opaque global ID.")
class Node:
    id: strawberry.ID

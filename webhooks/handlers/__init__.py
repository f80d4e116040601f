"""One module per event family; `HANDLERS` merges their tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from webhooks.registry import Handler

HANDLERS: dict[str, Handler] = {}

"""Relay connections: PageInfo and the argument checks every paginated field shares."""

from __future__ import annotations

import strawberry

from billing.pagination import Page, PageRequest, PaginationError
from schema.types.errors import bad_user_input


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def page_request(first: int | None, after: str | None) -> PageRequest:
    """Validated pagination arguments, or a top-level BAD_USER_INPUT error."""
    try:
        return PageRequest.parse(first, after)
    except PaginationError as exc:
        raise bad_user_input(str(exc)) from None


def page_info(page: Page) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )

"""Strawberry permission classes: UNAUTHENTICATED without a valid token, FORBIDDEN for non-admins.

Order matters on admin fields: ``[IsAuthenticated, IsAdmin]`` so an anonymous
caller hears UNAUTHENTICATED, not FORBIDDEN.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.types.errors import ApiError, TopLevelCode


class IsAuthenticated(BasePermission):
    message = "Authentication required."
    error_extensions = {"code": str(TopLevelCode.UNAUTHENTICATED)}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer is not None

    def on_unauthorized(self) -> None:
        raise ApiError(TopLevelCode.UNAUTHENTICATED, self.message)


class IsAdmin(BasePermission):
    message = "Admin role required."
    error_extensions = {"code": str(TopLevelCode.FORBIDDEN)}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        return viewer is not None and viewer.is_admin

    def on_unauthorized(self) -> None:
        raise ApiError(TopLevelCode.FORBIDDEN, self.message)


AUTHENTICATED = [IsAuthenticated]
ADMIN = [IsAuthenticated, IsAdmin]

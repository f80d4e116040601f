"""What the harness does on Stripe's side (the sandbox), over its HTTP API.

Only the benchmark uses `/_sandbox`; the gateway under test talks to the
sandbox exactly as it would to Stripe.
"""

from __future__ import annotations

from typing import Any

import httpx


class SandboxAPI:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=600.0
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _ok(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            raise RuntimeError(
                f"sandbox {response.request.url.path}: {response.status_code} {response.text[:300]}"
            )
        return response.json()

    async def create_endpoint(self, url: str) -> dict[str, Any]:
        return await self._ok(
            await self.http.post("/v1/webhook_endpoints", data={"url": url, "enabled_events[]": "*"})
        )

    async def set_endpoint_disabled(self, endpoint_id: str, disabled: bool) -> None:
        await self._ok(
            await self.http.post(
                f"/v1/webhook_endpoints/{endpoint_id}", data={"disabled": "true" if disabled else "false"}
            )
        )

    async def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._ok(await self.http.post(path, json=body or {}))

    async def now(self) -> int:
        return int((await self._ok(await self.http.get("/_sandbox/clock")))["now"])

    async def events(self, event_type: str, created_gte: int) -> list[dict[str, Any]]:
        """Every event of a type created since `created_gte`, oldest first (Stripe lists newest first)."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"type": event_type, "limit": 100, "created[gte]": created_gte}
        while True:
            page = await self._ok(await self.http.get("/v1/events", params=params))
            found += page["data"]
            if not page.get("has_more") or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        return list(reversed(found))

"""The conformance recorder: every request the sandbox receives, checked against the pinned SDK.

With ``SANDBOX_CONFORMANCE_LOG=<file>`` set (the test suite sets it for the
whole session, for in-process and subprocess sandboxes alike), each request
whose parameters the SDK's params class for that call does not declare (a
name, a ``Literal`` value, an integer or boolean that is not one, an unset
``""`` where the type does not admit it) appends one line to the file:
``METHOD path: what``. The suite fails at its end listing them
(tests/conftest.py), so the gateway cannot send Stripe something Stripe would
refuse and still pass because the sandbox was lenient.

Every object the sandbox answers with, and every event it sends, is
checked the same way against the SDK's resource classes, recursively
(`shapes.sdk_objects`: undeclared fields at any depth, values outside a
``Literal`` set, includable fields present without ``expand``); each finding is
a line ``answer to METHOD path: …`` or ``event …``.

A request with the header ``Sandbox-Deliberate: true`` is not recorded: the
sandbox's own tests send such requests on purpose, to see them refused.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from .shapes import sdk_objects, sdk_params

ENV = "SANDBOX_CONFORMANCE_LOG"
DELIBERATE_HEADER = "sandbox-deliberate"
_lock = threading.Lock()


def record(method: str, path: str, params: dict[str, Any], headers: Mapping[str, str]) -> None:
    target = os.environ.get(ENV)
    if not target or headers.get(DELIBERATE_HEADER) == "true":
        return
    _append(target, sdk_params.violations(method, path, params))


def record_answer(method: str, path: str, body: Any, expand: list[str]) -> None:
    target = os.environ.get(ENV)
    if target and isinstance(body, dict):
        lines = sdk_objects.violations(body, expand)
        _append(target, [f"answer to {method} {path}: {line}" for line in lines])


def record_event(event: dict[str, Any]) -> None:
    target = os.environ.get(ENV)
    if target:
        _append(target, [f"event {line}" for line in sdk_objects.event_violations(event)])


def _append(target: str, lines: list[str]) -> None:
    if not lines:
        return
    with _lock, open(target, "a", encoding="utf-8") as log:
        log.writelines(line + "\n" for line in lines)

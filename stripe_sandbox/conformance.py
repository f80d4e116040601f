"""The conformance recorder: every request the sandbox receives, checked against the pinned SDK.

With ``SANDBOX_CONFORMANCE_LOG=<file>`` set (the test suite sets it for the
whole session, for in-process and subprocess sandboxes alike), each request
whose parameters the SDK's params class for that call does not declare (a
name, a ``Literal`` value, an integer or boolean that is not one, an unset
``""`` where the type does not admit it) appends one line to the file:
``METHOD path: what``. The suite fails at its end listing them
(tests/conftest.py), so the gateway cannot send Stripe something Stripe would
refuse and still pass because the sandbox was lenient.

A request with the header ``Sandbox-Deliberate: true`` is not recorded: the
sandbox's own tests send such requests on purpose, to see them refused.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from .shapes import sdk_params

ENV = "SANDBOX_CONFORMANCE_LOG"
DELIBERATE_HEADER = "sandbox-deliberate"
_lock = threading.Lock()


def record(method: str, path: str, params: dict[str, Any], headers: Mapping[str, str]) -> None:
    target = os.environ.get(ENV)
    if not target or headers.get(DELIBERATE_HEADER) == "true":
        return
    lines = sdk_params.violations(method, path, params)
    if not lines:
        return
    with _lock, open(target, "a", encoding="utf-8") as log:
        log.writelines(line + "\n" for line in lines)

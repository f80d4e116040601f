"""Structured logs: one JSON object per line, for stdlib `logging` and structlog alike.

The rest of the code logs with the standard library
(``logging.getLogger(__name__).info("…", extra={…})``); `configure_logging`
routes every record through one structlog `ProcessorFormatter` on the root
logger, so each line carries:

- ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``event`` (the message);
- the record's ``extra`` fields, as top-level keys;
- whatever is bound in structlog's context variables for the running task:
  ``request_id`` (bound by `gateway.request_id` for every HTTP request) and
  ``event_id`` / ``event_type`` (bound by the webhook inbox while an event is
  handled), so every line of a request or a webhook can be found by one id;
- the exception, formatted, when there is one.

Nothing secret leaves the process: `redact` runs last before rendering, over
the message, every field and the formatted exception. It blanks fields whose
name says they are a credential or a body (``authorization``, ``token``,
``payload``, ``body``, …) and masks, anywhere in text, Stripe keys (``sk_…``,
``rk_…``, ``pk_…``), webhook secrets (``whsec_…``), bearer tokens, anything
shaped like a JWT, and digit runs that pass the Luhn check (card numbers).
Loggers known to print request parameters or SQL with bound values (the
Stripe SDK, httpx, Tortoise, asyncpg) are held at INFO or above even with
``LOG_LEVEL=DEBUG``: their debug lines would carry customer data and whole
webhook bodies.

Configured once per process by the app and by every CLI command (before it
runs: `gateway.cli`); calling it again with
the same arguments does nothing, with other arguments replaces our handler
(and only ours: handlers others installed, e.g. pytest's, are left alone).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import orjson
import structlog
from structlog.types import EventDict, Processor

from billing.redaction import REDACTED, redact_text

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Loggers whose DEBUG output carries request bodies, SQL parameters or headers.
_NEVER_BELOW_INFO = ("stripe", "httpx", "httpcore", "tortoise", "asyncpg", "aiosqlite", "hpack")
# Noise at INFO: the Stripe SDK and httpx log every request (the metrics count them instead; in
# `dev` the sandbox clock alone is polled every few seconds), Tortoise its start and shutdown.
_WARNING_AND_UP = ("stripe", "httpx", "tortoise")

# Field names whose value is never logged, whatever it looks like.
_SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "stripe-signature",
        "stripe_signature",
        "password",
        "secret",
        "token",
        "access_token",
        "api_key",
        "client_secret",
        "payload",
        "body",
        "raw_body",
        "card",
        "card_number",
        "cvc",
    }
)
# Keys uvicorn adds to its records that only duplicate `event`.
_DROP_KEYS = ("color_message",)

# Fields the formatter itself adds: never secret, not worth scanning.
_OWN_KEYS = frozenset({"timestamp", "level", "logger"})
_MAX_DEPTH = 6


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if depth >= _MAX_DEPTH:
        return value if isinstance(value, int | float | bool | None) else REDACTED
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _is_secret_key(key) else _redact_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item, depth + 1) for item in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and key.lower() in _SECRET_KEYS


def redact(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask credentials, bodies and card numbers in every field."""
    for key in _DROP_KEYS:
        event_dict.pop(key, None)
    for key, value in event_dict.items():
        if key not in _OWN_KEYS:
            event_dict[key] = REDACTED if _is_secret_key(key) else _redact_value(value)
    return event_dict


def _json(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (test runners swap it per test)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_shared: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
_configured: tuple[str, bool] | None = None
_handler: logging.Handler | None = None


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route all logging (stdlib and structlog) through one redacting JSON (or console) formatter."""
    global _configured, _handler
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}")
    if _configured == (level, json):
        return
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_json)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # Records from the standard library: add the shared fields and their `extra`.
        foreign_pre_chain=[*_shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name in _NEVER_BELOW_INFO:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    for name in _WARNING_AND_UP:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    route_uvicorn_to_root()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _handler = handler
    _configured = (level, json)


def route_uvicorn_to_root() -> None:
    """Undo uvicorn's own logging set-up (a `uvicorn.Config` made without ``log_config=None`` installs
    handlers printing plain text beside ours): its records reach the root handler instead."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True


def get_logger(name: str) -> Any:
    """A structlog logger (key-value style) that ends up in the same formatter as stdlib records."""
    return structlog.stdlib.get_logger(name)

"""Run the sandbox alone (``billing-gateway sandbox --host --port``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from .app import create_app

#: Real-time webhook retry delays for interactive use (Stripe's first retries, shortened).
DEV_RETRY_DELAYS = (5.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)


def run(host: str = "127.0.0.1", port: int = 12111, state_path: Path | None = None) -> None:
    """Serve the sandbox until interrupted (blocking).  Binds loopback by default."""
    app = create_app(state_path, webhook_retry_delays=DEV_RETRY_DELAYS)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def main(argv: list[str] | None = None) -> None:
    """``python -m stripe_sandbox.server [--host H] [--port P] [--state FILE]``."""
    parser = argparse.ArgumentParser(description="Run the local Stripe sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--state", type=Path, default=None, help="JSON state file")
    args = parser.parse_args(argv)
    run(args.host, args.port, args.state)


if __name__ == "__main__":
    main()

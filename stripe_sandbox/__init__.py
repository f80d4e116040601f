"""A local, stateful stand-in for the slice of Stripe's HTTP API the gateway uses.

Public interface (stable; the gateway's CLI, tests and benchmarks rely on it):

* :func:`stripe_sandbox.app.create_app` — the ASGI app (``state_path``, ``webhook_retry_delays``);
* :func:`stripe_sandbox.server.run` — serve it with uvicorn (``billing-gateway sandbox``);
* :class:`stripe_sandbox.testing.SandboxServer` — run it in a background thread for tests.

See ``README.md`` beside this file.  Production code never imports this package,
and it imports nothing of the gateway.
"""

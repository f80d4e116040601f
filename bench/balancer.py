"""A TCP load balancer for the bench: each new connection goes to the next replica in turn.

Stripe sends an endpoint's events to one URL; several `serve` replicas sit behind a load
balancer that spreads connections (a layer-4 balancer, as most in front of a service are).
This is the smallest such thing, run on the bench's own event loop: it copies bytes both
ways and never reads HTTP, so a keep-alive connection stays with the replica it reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools


class Balancer:
    def __init__(self, backend_ports: list[int]) -> None:
        if not backend_ports:
            raise ValueError("a balancer needs at least one backend")
        self._turn = itertools.cycle(backend_ports)
        self._server: asyncio.Server | None = None
        self.connections = {port: 0 for port in backend_ports}  # connections sent to each replica

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1:`port` (0: any free port); returns the port."""
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", port)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connect(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        port = next(self._turn)
        self.connections[port] += 1
        try:
            backend_in, backend_out = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            client_out.close()
            return
        await asyncio.gather(_pipe(client_in, backend_out), _pipe(backend_in, client_out))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            sink.close()

"""A TCP proxy between the gateway and PostgreSQL that a test can cut, stall and restore.

The shared PostgreSQL server cannot be stopped in a test, so the outage is
made on the path to it. It runs its own event loop in a thread, so the test
may block (starting a subprocess, polling) without stalling the proxy.

- `cut()`: every open connection is reset and new ones are closed at once
  (what a restarting or crashed database looks like to the client);
- `stall()`: connections stay open but no byte passes either way
  (a network partition: only timeouts notice);
- `restore()`: bytes flow again, new connections are forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._cut = False
        self._flowing: asyncio.Event | None = None

    # --- control (from the test's thread) ------------------------------------------------------

    def start(self) -> CuttableProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set(cut=True), self._loop).result(timeout=10)

    def stall(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set(stall=True), self._loop).result(timeout=10)

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set(), self._loop).result(timeout=10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # --- inside the proxy's loop ----------------------------------------------------------------

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _set(self, *, cut: bool = False, stall: bool = False) -> None:
        assert self._flowing is not None
        self._cut = cut
        if stall:
            self._flowing.clear()
        else:
            self._flowing.set()
        if cut:
            for writer in list(self._open):
                writer.transport.abort()
            self._open.clear()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._set(cut=True)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self._cut:
            client_w.transport.abort()
            return
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self._open.update((client_w, upstream_w))
        await asyncio.gather(self._pipe(client_r, upstream_w), self._pipe(upstream_r, client_w))
        self._open.difference_update((client_w, upstream_w))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.transport.abort()

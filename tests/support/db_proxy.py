"""A TCP proxy in front of the test PostgreSQL that can fail on command.

Faults are injected between the service and a real database, so the service
meets them exactly as in production: connections refused or cut (the
database is down) or connections that stay open and never answer (a frozen
host, a full disk, a network partition).
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url


class DatabaseProxy:
    """Forwards 127.0.0.1:<port> to the database until told otherwise."""

    def __init__(self, database_url: str) -> None:
        self.database_url = make_url(database_url)
        self.target = (
            self.database_url.host or "127.0.0.1",
            self.database_url.port or 5432,
        )
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    def url(self) -> str:
        """The database's URL, pointed at the proxy instead."""
        return self.database_url.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False
        )

    async def start(self) -> None:
        """Listen (again, on the same port once it has one) and forward."""
        self._flowing.set()
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones: the database is down."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if server is not None:
            # Since Python 3.12 this also waits for every connection to end.
            await server.wait_closed()

    def freeze(self) -> None:
        """Keep every connection open but pass no more bytes either way."""
        self._flowing.clear()

    def thaw(self) -> None:
        """Pass bytes again, as a database that recovers by itself."""
        self._flowing.set()

    async def _handle(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        server_writer: asyncio.StreamWriter | None = None
        try:
            await self._flowing.wait()
            server_reader, server_writer = await asyncio.open_connection(*self.target)
            await asyncio.gather(
                self._pump(client_reader, server_writer),
                self._pump(server_reader, client_writer),
            )
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            for writer in (client_writer, server_writer):
                if writer is not None:
                    writer.transport.abort()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while data := await reader.read(65536):
            await self._flowing.wait()
            writer.write(data)
            await writer.drain()
        writer.transport.abort()


@contextlib.asynccontextmanager
async def database_proxy(database_url: str) -> AsyncIterator[DatabaseProxy]:
    """A running proxy to the database of ``database_url``; stopped afterwards."""
    proxy = DatabaseProxy(database_url)
    await proxy.start()
    try:
        yield proxy
    finally:
        proxy.thaw()
        await proxy.stop()

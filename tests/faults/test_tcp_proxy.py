"""The proxy the fault suite cuts and black-holes the broker's connections with."""

from __future__ import annotations

import asyncio

import pytest

from tests.backends import TcpProxy, free_port


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_a_black_hole_holds_connections_and_bytes_until_it_is_healed() -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = TcpProxy(free_port(), server.sockets[0].getsockname()[1])
    proxy.open()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        writer.write(b"before")
        assert await reader.readexactly(6) == b"before"

        proxy.black_hole()
        writer.write(b"held")
        late_reader, late_writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)  # accepted
        late_writer.write(b"late")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readexactly(4), 0.5)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(late_reader.readexactly(4), 0.1)

        proxy.open()
        assert await asyncio.wait_for(reader.readexactly(4), 10) == b"held"  # held, not dropped
        assert await asyncio.wait_for(late_reader.readexactly(4), 10) == b"late"
        writer.close()
        late_writer.close()
    finally:
        proxy.close()
        server.close()


async def test_a_cut_closes_connections_and_open_serves_again() -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = TcpProxy(free_port(), server.sockets[0].getsockname()[1])
    proxy.open()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        writer.write(b"up")
        assert await reader.readexactly(2) == b"up"  # the proxy holds the connection by now
        proxy.cut()
        assert await asyncio.wait_for(reader.read(10), 10) == b""
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        proxy.open()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        writer.write(b"again")
        assert await asyncio.wait_for(reader.readexactly(5), 10) == b"again"
        writer.close()
    finally:
        proxy.close()
        server.close()

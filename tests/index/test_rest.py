"""Single REST requests (the pull-request comment's) on the one HTTP stack, HTTP/1.1 and HTTP/2.

A request body larger than HTTP/2's first flow-control window (64 KiB) must wait for the
server's window updates and arrive whole; nothing is followed or retried; a server that is
not there is a ``RestFailure`` in a few words.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cg_action._index._rest import RestFailure, rest_request


def test_a_post_over_http_1_1_sends_its_body_and_reads_the_answer(server: HTTPServer) -> None:
    def echo(request: Request) -> Response:
        return Response(
            f'{{"got": {len(request.get_data())}, "auth": "{request.headers.get("X-T")}"}}',
            status=201,
            content_type="application/json",
            headers={"Link": '<https://x/next>; rel="next"'},
        )

    server.expect_request("/api", method="POST").respond_with_handler(echo)
    body = b"x" * 200_000
    answer = rest_request(
        "POST", server.url_for("/api"), headers={"X-T": "t"}, body=body, timeout=10.0
    )
    assert answer.status == 201
    assert answer.body == b'{"got": 200000, "auth": "t"}'
    assert answer.headers["link"] == '<https://x/next>; rel="next"'


def test_a_redirect_is_handed_back_not_followed(server: HTTPServer) -> None:
    server.expect_request("/moved").respond_with_data("", status=301, headers={"Location": "/x"})
    answer = rest_request("GET", server.url_for("/moved"), headers={}, timeout=10.0)
    assert (answer.status, answer.headers["location"]) == (301, "/x")
    assert len(server.log) == 1


def test_a_server_that_is_not_there_is_a_failure_in_a_few_words() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RestFailure) as raised:
        rest_request("GET", f"http://127.0.0.1:{port}/", headers={}, timeout=5.0)
    assert raised.value.reason.startswith("connection failed")


@contextlib.contextmanager
def h2_echo_server(context: ssl.SSLContext) -> Iterator[int]:
    """An HTTP/2 server over TLS that answers every request with its body's length, acknowledging
    the body as it reads it (so a body larger than one window needs the updates)."""
    from h2.config import H2Configuration
    from h2.connection import H2Connection
    from h2.events import DataReceived, RequestReceived, StreamEnded

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = H2Connection(H2Configuration(client_side=False))
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        sizes: dict[int, int] = {}
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                for event in connection.receive_data(data):
                    if isinstance(event, RequestReceived) and event.stream_id:
                        sizes[event.stream_id] = 0
                    elif isinstance(event, DataReceived) and event.stream_id:
                        sizes[event.stream_id] += len(event.data or b"")
                        length = event.flow_controlled_length or 0
                        connection.acknowledge_received_data(length, event.stream_id)
                    elif isinstance(event, StreamEnded) and event.stream_id:
                        body = str(sizes[event.stream_id]).encode()
                        connection.send_headers(
                            event.stream_id,
                            [(":status", "200"), ("content-length", str(len(body)))],
                        )
                        connection.send_data(event.stream_id, body, end_stream=True)
                writer.write(connection.data_to_send())
                await writer.drain()
        writer.close()

    loop = asyncio.new_event_loop()
    ready: list[asyncio.Server] = []

    async def start() -> None:
        ready.append(await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context))

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    listener = ready[0]
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:

        async def stop() -> None:
            listener.close()
            await listener.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_a_post_over_http_2_waits_for_window_updates_and_arrives_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    context.set_alpn_protocols(["h2"])
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    body = b"y" * 300_000  # more than the 65,535 bytes HTTP/2 lets a sender start with
    with h2_echo_server(context) as port:
        answer = rest_request(
            "POST", f"https://127.0.0.1:{port}/api", headers={}, body=body, timeout=10.0
        )
    assert answer.status == 200
    assert answer.body == b"300000"

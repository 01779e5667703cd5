"""A minimal HTTPS server that answers every request ``201 Created``: a push service that costs
(almost) no CPU, for measuring how the sender scales across processes on a 2-core machine.

The push sandbox verifies VAPID and decrypts every message, which takes most of a core at the
rates measured here; two sending processes would then share two cores with it, and the ratio
would measure the sandbox. This peer still terminates TLS and reads each request's whole body
(by ``Content-Length``), with keep-alive, so the sender does exactly the same work; it checks
nothing, so correctness is proven by the sandbox runs, not by this one.

    python -m benchmarks.light_peer --port 8443 --tls-dir DIR   # prints "listening on ..."
"""

import argparse
import asyncio
import ssl

from wagtail_pushseg.testing.tls import make_test_certificates


ANSWER = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nTTL: 600\r\n\r\n"


class Answer201(asyncio.Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport, self.buffer, self.need = transport, b"", -1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.need < 0:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head, self.buffer = self.buffer[:end].lower(), self.buffer[end + 4:]
                length = 0
                for line in head.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                self.need = length
            if len(self.buffer) < self.need:
                return
            self.buffer, self.need = self.buffer[self.need:], -1
            self.transport.write(ANSWER)


async def serve(port: int, tls_dir: str) -> None:
    paths = make_test_certificates(tls_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(paths["certfile"], paths["keyfile"])
    server = await asyncio.get_running_loop().create_server(
        Answer201, "127.0.0.1", port, ssl=context, backlog=1024
    )
    print(f"listening on https://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-dir", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.tls_dir))

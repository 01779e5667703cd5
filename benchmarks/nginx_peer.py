"""nginx answering every push ``201 Created`` over TLS with keep-alive: a peer that costs the
machine almost nothing, for measuring how the sender scales across processes on two cores.

Real push services run on other machines; on a 2-core box every microsecond the peer spends is
taken from the senders. ``benchmarks.light_peer`` (Python, asyncio) costs ~40 us per request,
about an eighth of the two cores at the rates two senders reach, which alone caps their ratio
near 1.75x; nginx (one process, ``return 201``, the body read and discarded) costs a few. It
checks nothing: correctness is proven by the sandbox runs.

Needs the ``nginx`` binary (Debian: ``apt-get install nginx-light``; ``make bench`` installs it
when it can). No service is started: one foreground process, config and logs in a temp folder.
"""

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .sender import process_cpu_seconds


CONFIG = """\
worker_processes 1;
master_process off;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certfile};
        ssl_certificate_key {keyfile};
        location / {{ return 201; }}
    }}
}}
"""


class PeerUnavailable(RuntimeError):
    """The peer's program is not installed here."""


class NginxPeerProcess:
    """One foreground ``nginx`` with its own throw-away CA (``cafile``) on a free port."""

    def __init__(self, workdir: Path):
        from wagtail_pushseg.testing import free_port, make_test_certificates

        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
        if nginx is None:
            raise PeerUnavailable("nginx is not installed (Debian: apt-get install nginx-light)")
        folder = workdir / "nginx"
        folder.mkdir(parents=True, exist_ok=True)
        paths = make_test_certificates(folder / "tls")
        self.cafile = paths["cafile"]
        port = free_port()
        self.base_url = f"https://127.0.0.1:{port}"
        config = folder / "nginx.conf"
        config.write_text(CONFIG.format(dir=folder, port=port, **paths))
        # -e: the early error log too, so nothing is written under /var/log.
        self.proc = subprocess.Popen(
            [nginx, "-c", str(config), "-p", str(folder), "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"nginx did not start: {self.proc.stderr.read()!r}") from exc
                time.sleep(0.05)

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

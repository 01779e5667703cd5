"""How fast one worker process sends Web Push, side by side with pywebpush in a loop.

The push sandbox runs in its own process over TLS on loopback (an in-process server would share
the GIL with the sender). Measured in one run, with no delay and with a 20 ms response delay:

(a) pywebpush ``webpush()`` per message, as django-webpush sends (no session: a new TLS
    connection per message), and for reference with a kept-alive ``requests.Session``;
(b) ``delivery.async_sender.send_many_sync`` in chunks of ``DELIVERY_CHUNK_SIZE``, as the
    engine calls it, connections reused across chunks;
(c) the encryption floor: RFC 8291 encryption alone with ``cryptography`` (no network), next to
    pywebpush's ``WebPusher.encode``.

Goals (issue 6): (b) >= 3,000 msg/s, >= 10x (a) without delay, >= 50x (a) with 20 ms delay.
"""

import argparse
import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from .summary import record


SUBSCRIPTIONS = 1000
OURS = 5000
ROUNDS = 3
# pywebpush sends one message at a time, so its rate extrapolates linearly to more messages.
PEER = {0: 300, 20: 100}


def setup() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in (root, root / "example_site"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()  # the endpoint policy reads WAGTAIL_PUSHSEG; no database is needed


def ca_session(cafile: str) -> requests.Session:
    session = requests.Session()
    session.verify = cafile
    session.trust_env = False  # else REQUESTS_CA_BUNDLE (and proxies) from the environment win
    return session


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class SandboxProcess:
    """``python -m wagtail_pushseg.testing --tls`` in a child process."""

    def __init__(self, workdir: Path):
        from wagtail_pushseg.testing import free_port, make_test_certificates

        tls_dir = workdir / "tls"
        self.cafile = make_test_certificates(tls_dir)["cafile"]
        self.base_url = f"https://127.0.0.1:{free_port()}"
        port = self.base_url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wagtail_pushseg.testing", "--tls", "--port", port,
             "--tls-dir", str(tls_dir)],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"sandbox did not start: {line!r}")
        self.http = ca_session(self.cafile)

    def subscribe(self, vapid_public: str, n: int) -> list[dict]:
        # Over HTTP, not a state file: with --state the sandbox re-saves every stored message
        # every 0.25 s, which would bill the sender for JSON dumps.
        url = f"{self.base_url}/subscriptions"
        return [self.http.post(url, json={"applicationServerKey": vapid_public}).json()
                for _ in range(n)]

    def behave(self, delay_ms: int) -> None:
        self.http.post(f"{self.base_url}/reset").raise_for_status()
        self.http.post(f"{self.base_url}/control", json={"delay_ms": delay_ms}).raise_for_status()

    def rejections(self) -> int:
        return len(self.http.get(f"{self.base_url}/control").json()["rejections"])

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def payload(i: int) -> bytes:
    return (b'{"title":"Winter sale","body":"Laptops and phones, 30%% off","url":"/shop/sale/",'
            b'"tag":"campaign-7","n":%d}' % i)


def peer_round(sandbox: SandboxProcess, subs: list[dict], vapid_private: str, n: int,
               keep_alive: bool) -> float:
    """pywebpush ``webpush()`` per message. django-webpush passes no session, so each call
    opens a new TLS connection; ``keep_alive`` gives it one kept-alive session instead."""
    from pywebpush import webpush

    session = ca_session(sandbox.cafile) if keep_alive else None
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = sandbox.cafile  # how requests.post() trusts the test CA
    try:
        start = time.perf_counter()
        for i in range(n):
            sub = subs[i % len(subs)]
            response = webpush(sub, payload(i).decode(), vapid_private_key=vapid_private,
                               vapid_claims={"sub": "mailto:bench@example.com"}, ttl=600,
                               requests_session=session)
            assert response.status_code == 201, response.text
        return n / (time.perf_counter() - start)
    finally:
        if saved is None:
            os.environ.pop("REQUESTS_CA_BUNDLE")
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved


def our_sender(sandbox: SandboxProcess, subs: list[dict], signer, n: int):
    """A warmed-up round of ``n`` messages, sent chunk by chunk as the engine does; each call
    returns (msg/s, the sandbox's share of a core meanwhile)."""
    from wagtail_pushseg.conf import pushseg_settings
    from wagtail_pushseg.delivery.async_sender import OutgoingPush, send_many_sync

    client_ssl = ssl.create_default_context(cafile=sandbox.cafile)
    messages = [OutgoingPush(s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"], payload(i))
                for i, s in ((i, subs[i % len(subs)]) for i in range(n))]
    options = {"signer": signer, "ttl": 600, "topic": "campaign7", "ssl": client_ssl,
               "concurrency": pushseg_settings.SEND_CONCURRENCY,
               "per_host": pushseg_settings.SEND_CONCURRENCY_PER_HOST}
    chunk = pushseg_settings.DELIVERY_CHUNK_SIZE
    send_many_sync(messages[:chunk], **options)  # warm-up: connections, caches

    def one_round() -> tuple[float, float, float]:
        cpu, own_cpu = sandbox.cpu_seconds(), time.process_time()
        start = time.perf_counter()
        results = []
        for i in range(0, n, chunk):
            results += send_many_sync(messages[i:i + chunk], **options)
        elapsed = time.perf_counter() - start
        bad = [r for r in results if r.status != 201]
        assert not bad, bad[:3]
        # The sender's own CPU per message tells its cost apart from the machine's other load.
        own_us = (time.process_time() - own_cpu) / n * 1e6
        return n / elapsed, (sandbox.cpu_seconds() - cpu) / elapsed, own_us

    return one_round


def pywebpush_encode(plaintext: bytes, p256dh: str, auth: str) -> bytes:
    """The peer's encryption: pywebpush's encoder, as ``webpush()`` uses it."""
    from pywebpush import WebPusher

    subscription = {"endpoint": "-", "keys": {"p256dh": p256dh, "auth": auth}}
    return WebPusher(subscription).encode(plaintext, content_encoding="aes128gcm")["body"]


def encryption_rates(subs: list[dict], n: int = 3000) -> tuple[float, float]:
    from wagtail_pushseg.delivery.encryption import Encryptor

    keys = [(s["keys"]["p256dh"], s["keys"]["auth"]) for s in subs]
    rates = []
    for encrypt in (Encryptor().encrypt, pywebpush_encode):
        start = time.perf_counter()
        for i in range(n):
            encrypt(payload(i), *keys[i % len(keys)])
        rates.append(n / (time.perf_counter() - start))
    return rates[0], rates[1]


def run(rounds: int = ROUNDS) -> dict:
    setup()
    from django.conf import settings

    from wagtail_pushseg.conf import pushseg_settings
    from wagtail_pushseg.delivery.vapid import VapidSigner, generate_keys

    private, public = generate_keys()
    workdir = Path(tempfile.mkdtemp(prefix="pushseg-bench-sender-"))
    sandbox = SandboxProcess(workdir)
    try:
        settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG,
                                    "ALLOWED_ENDPOINT_ORIGINS": [sandbox.base_url]}
        subs = sandbox.subscribe(public, SUBSCRIPTIONS)
        signer = VapidSigner(private, "mailto:bench@example.com")
        out: dict = {"messages": OURS, "rounds": rounds,
                     "chunk": pushseg_settings.DELIVERY_CHUNK_SIZE,
                     "concurrency": pushseg_settings.SEND_CONCURRENCY,
                 "per_host": pushseg_settings.SEND_CONCURRENCY_PER_HOST}
        for delay in (0, 20):
            sandbox.behave(delay)
            ours = our_sender(sandbox, subs, signer, OURS)
            peer, peer_ka, best, own_us = 0.0, 0.0, (0.0, 0.0), float("inf")
            for _round in range(rounds):  # interleaved, so drift and neighbours hit all alike
                peer = max(peer, peer_round(sandbox, subs, private, PEER[delay], False))
                peer_ka = max(peer_ka, peer_round(sandbox, subs, private, PEER[delay], True))
                rate, sandbox_cpu, cpu_us = ours()
                best, own_us = max(best, (rate, sandbox_cpu)), min(own_us, cpu_us)
            out[f"peer_{delay}"], out[f"peer_ka_{delay}"] = peer, peer_ka
            out[f"ours_{delay}"], out[f"sandbox_cpu_{delay}"] = best
            out[f"ours_cpu_us_{delay}"] = own_us
            assert sandbox.rejections() == 0
        out["floor"], out["pywebpush_encode"] = encryption_rates(subs)
    finally:
        sandbox.stop()
    return out


def report(r: dict) -> None:
    print(f"sender over TLS on loopback (sandbox in its own process, {os.cpu_count()} cores; "
          f"best of {r['rounds']} interleaved rounds; ours {r['messages']} msgs in chunks of "
          f"{r['chunk']}, "
          f"concurrency {r['concurrency']}/{r['per_host']} per host)")
    for delay in (0, 20):
        ours, peer, peer_ka = r[f"ours_{delay}"], r[f"peer_{delay}"], r[f"peer_ka_{delay}"]
        print(f"  {delay:>2} ms delay: (a) pywebpush loop {peer:6.0f} msg/s ({PEER[delay]} msgs; "
              f"kept-alive session: {peer_ka:.0f}) | (b) ours {ours:6.0f} msg/s "
              f"| b/a {ours / peer:5.1f}x (vs kept-alive {ours / peer_ka:.1f}x) "
              f"| sandbox CPU {r[f'sandbox_cpu_{delay}']:.0%} of a core "
              f"| sender CPU {r[f'ours_cpu_us_{delay}']:.0f} us/msg "
              f"(= {1e6 / r[f'ours_cpu_us_{delay}']:.0f} msg/s per free core)")
    print(f"  (c) encryption floor, cryptography: {r['floor']:8.0f} msg/s "
          f"(pywebpush WebPusher.encode: {r['pywebpush_encode']:.0f} msg/s)")
    print(f"  ratios: b/a no delay {r['ours_0'] / r['peer_0']:.1f}x (goal >= 10), "
          f"b/a 20 ms {r['ours_20'] / r['peer_20']:.1f}x (goal >= 50), "
          f"b/c {r['ours_0'] / r['floor']:.2f}; b no delay {r['ours_0']:.0f} msg/s "
          f"(goal >= 3000)")
    for delay in (0, 20):
        ours, peer = r[f"ours_{delay}"], r[f"peer_{delay}"]
        record("sender", f"{delay} ms delay: (b) ours / (a) pywebpush loop",
               f"{ours:,.0f} / {peer:,.0f} msg/s = {ours / peer:.1f}x",
               ">= 3,000 msg/s, >= 10x" if delay == 0 else ">= 50x")
    record("sender", "sender CPU per message, no delay",
           f"{r['ours_cpu_us_0']:.0f} us = {1e6 / r['ours_cpu_us_0']:,.0f} msg/s per free core",
           ">= 3,000 msg/s")
    record("sender", "(c) encryption floor, cryptography alone",
           f"{r['floor']:,.0f} msg/s (b/c {r['ours_0'] / r['floor']:.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    report(run(parser.parse_args().rounds))

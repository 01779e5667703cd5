"""Two sending processes against one: the same messages, split in half over two OS processes.

Each process runs ``delivery.async_sender.send_many_sync`` in chunks of ``DELIVERY_CHUNK_SIZE``
as the engine does, after a warm-up chunk; all processes start sending together (a barrier on
their stdin), and the rate is all messages over the time from the first start to the last end.
Interleaved rounds (one, two, one, two, ...), best of each.

Measured against two peers, each in its own process over TLS on loopback:

- ``sandbox``: the push sandbox, which verifies VAPID and decrypts every message (every answer
  is checked to be 201 and the sandbox must refuse nothing); it needs most of a core itself, so
  on a 2-core machine two senders and the sandbox compete for the cores;
- ``light``: ``benchmarks.light_peer``, TLS and HTTP keep-alive but no checks, in Python
  (~40 us of CPU per request, about an eighth of the two cores at two senders' rate);
- ``nginx``: ``benchmarks.nginx_peer``, nginx answering 201 with keep-alive, a few us per
  request, so the two senders have the cores (almost) to themselves: the sender's own scaling.
  Left out, with a note, where nginx is not installed.

    python -m benchmarks.sender_scaling [--messages 8000] [--rounds 3]
                                        [--peer sandbox|light|nginx|all]

Goal (issue 6): at least 1.8x with two worker processes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .nginx_peer import NginxPeerProcess, PeerUnavailable
from .sender import SandboxProcess, payload, process_cpu_seconds, setup
from .summary import record


PEERS = ("sandbox", "light", "nginx")


class LightPeerProcess:
    def __init__(self, tls_dir: Path):
        from wagtail_pushseg.testing import free_port

        self.cafile = str(tls_dir / "ca.pem")  # written by the peer before it listens
        port = free_port()
        self.base_url = f"https://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.light_peer", "--port", str(port),
             "--tls-dir", str(tls_dir)], stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"light peer did not start: {line!r}")

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def child(spec_file: str) -> None:
    """One sending process: build its messages, warm up, wait for "go", send, report."""
    import ssl

    spec = json.loads(Path(spec_file).read_text())
    setup()
    from django.conf import settings

    from wagtail_pushseg.conf import pushseg_settings
    from wagtail_pushseg.delivery.async_sender import OutgoingPush, send_many_sync
    from wagtail_pushseg.delivery.vapid import VapidSigner

    settings.WAGTAIL_PUSHSEG = {**settings.WAGTAIL_PUSHSEG,
                                "ALLOWED_ENDPOINT_ORIGINS": [spec["origin"]]}
    subs, n, first = spec["subs"], spec["messages"], spec["first"]
    # The sandbox's subscriptions, re-pointed at the peer under test (the same path).
    messages = [
        OutgoingPush(spec["origin"] + "/push/" + s["endpoint"].rsplit("/push/", 1)[1],
                     s["keys"]["p256dh"], s["keys"]["auth"], payload(i))
        for i in range(first, first + n) for s in [subs[i % len(subs)]]
    ]
    options = {"signer": VapidSigner(spec["vapid"], "mailto:bench@example.com"), "ttl": 600,
               "topic": "campaign7", "ssl": ssl.create_default_context(cafile=spec["cafile"]),
               "concurrency": pushseg_settings.SEND_CONCURRENCY,
               "per_host": pushseg_settings.SEND_CONCURRENCY_PER_HOST}
    chunk = pushseg_settings.DELIVERY_CHUNK_SIZE
    send_many_sync(messages[:chunk], **options)  # warm-up: connections, caches
    print("ready", flush=True)
    sys.stdin.readline()
    cpu, start = time.process_time(), time.time()
    bad = 0
    for i in range(0, n, chunk):
        bad += sum(r.status != 201 for r in send_many_sync(messages[i:i + chunk], **options))
    end = time.time()
    print(json.dumps({"start": start, "end": end, "messages": n, "not_201": bad,
                      "cpu": time.process_time() - cpu}), flush=True)


def one_round(processes: int, total: int, spec: dict, workdir: Path) -> dict:
    procs = []
    for k in range(processes):
        path = workdir / f"spec-{k}.json"
        share = total // processes
        path.write_text(json.dumps({**spec, "messages": share, "first": k * share}))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "benchmarks.sender_scaling", "--child", str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        ))
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a sending process did not start")
    for proc in procs:  # the barrier: all start together
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = [json.loads(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]
    if any(proc.returncode for proc in procs) or any(r["not_201"] for r in reports):
        raise RuntimeError(f"a sending process failed: {reports}")
    elapsed = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    sent = sum(r["messages"] for r in reports)
    return {"rate": sent / elapsed, "cpu_per_message_us":
            sum(r["cpu"] for r in reports) / sent * 1e6, "elapsed": elapsed}


def measure(peer_name: str, total: int, rounds: int, subs: list[dict], private: str,
            sandbox: SandboxProcess, workdir: Path) -> dict:
    if peer_name == "sandbox":
        peer = sandbox
    elif peer_name == "light":
        peer = LightPeerProcess(workdir / "tls-light")
    else:
        peer = NginxPeerProcess(workdir)
    try:
        spec = {"origin": peer.base_url, "cafile": peer.cafile, "subs": subs,
                "vapid": private}
        best: dict[int, dict] = {}
        peer_cpu: dict[int, float] = {}
        for _round in range(rounds):
            for processes in (1, 2):
                if peer_name == "sandbox":
                    sandbox.behave(0)  # empty the inboxes between rounds
                cpu = peer.cpu_seconds()
                r = one_round(processes, total, spec, workdir)
                r["peer_cpu"] = (peer.cpu_seconds() - cpu) / r["elapsed"]
                if processes not in best or r["rate"] > best[processes]["rate"]:
                    best[processes] = r
                    peer_cpu[processes] = r["peer_cpu"]
        if peer_name == "sandbox" and sandbox.rejections():
            raise RuntimeError("the sandbox refused messages")
    finally:
        if peer is not sandbox:
            peer.stop()
    return {"one": best[1], "two": best[2], "ratio": best[2]["rate"] / best[1]["rate"]}


def run(total: int, rounds: int, peers: list[str]) -> dict:
    setup()
    from wagtail_pushseg.delivery.vapid import generate_keys

    private, public = generate_keys()
    workdir = Path(tempfile.mkdtemp(prefix="pushseg-bench-scaling-"))
    sandbox = SandboxProcess(workdir)
    try:
        subs = sandbox.subscribe(public, 1000)
        results = {"messages": total, "rounds": rounds}
        for peer in peers:
            try:
                results[peer] = measure(peer, total, rounds, subs, private, sandbox, workdir)
            except PeerUnavailable as exc:
                results.setdefault("unavailable", []).append(f"{peer}: {exc}")
        return results
    finally:
        sandbox.stop()


def report(r: dict) -> None:
    print(f"sender, one process vs two ({r['messages']} messages in all, best of "
          f"{r['rounds']} interleaved rounds, {os.cpu_count()} cores):")
    for note in r.get("unavailable", []):
        print(f"  peer left out, {note}")
    for peer in PEERS:
        if peer not in r:
            continue
        m = r[peer]
        print(f"  peer {peer:>7}: one process {m['one']['rate']:6.0f} msg/s "
              f"({m['one']['cpu_per_message_us']:.0f} us CPU/msg, peer "
              f"{m['one']['peer_cpu']:.0%} of a core) | two processes "
              f"{m['two']['rate']:6.0f} msg/s ({m['two']['cpu_per_message_us']:.0f} us CPU/msg, "
              f"peer {m['two']['peer_cpu']:.0%}) | ratio {m['ratio']:.2f}x (goal >= 1.8)")
        record("sender_scaling", f"two processes / one, peer {peer}",
               f"{m['two']['rate']:,.0f} / {m['one']['rate']:,.0f} msg/s = {m['ratio']:.2f}x",
               ">= 1.8x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer", choices=[*PEERS, "all"], default="all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    peers = list(PEERS) if args.peer == "all" else [args.peer]
    report(run(args.messages, args.rounds, peers))


if __name__ == "__main__":
    main()

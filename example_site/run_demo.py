#!/usr/bin/env python
"""Run the demo: the site, a django-q2 worker and the push sandbox, until Ctrl-C.

    python example_site/run_demo.py [--reload]

Run ``manage.py migrate`` and ``manage.py load_demo_data`` first (``make demo`` does). Each
child runs in its own process group, so stopping it also stops what it started (qcluster's
workers, the autoreloader's server). If any child exits, the others are stopped and this
script exits non-zero. Standard library only; POSIX only (process groups).
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


SITE_DIR = Path(__file__).resolve().parent
REPO_DIR = SITE_DIR.parent
# Same folder as config/settings.py uses for the database, keys and sandbox state.
DEMO_DIR = Path(os.environ.get("PUSHSEG_DEMO_DIR", REPO_DIR / ".demo"))

SITE_URL = "http://127.0.0.1:8000/"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
SANDBOX_URL = "http://127.0.0.1:8001"
STOP_GRACE_SECONDS = 10
READER_SHOW_RATE = 0.9
READER_CLICK_RATE = 0.2

_COLOURS = {"web": "36", "qcluster": "35", "sandbox": "33"}
_print_lock = threading.Lock()


def say(line: str, name: str = "run_demo") -> None:
    """One line with the process name in front (coloured on a terminal)."""
    label = f"{name:<9}|"
    if sys.stdout.isatty():
        label = f"\033[{_COLOURS.get(name, '1')}m{label}\033[0m"
    with _print_lock:
        sys.stdout.write(f"{label} {line}\n")
        sys.stdout.flush()


def commands(reload: bool) -> dict[str, list[str]]:
    manage = [sys.executable, str(SITE_DIR / "manage.py")]
    runserver = [*manage, "runserver", "127.0.0.1:8000"]
    if not reload:
        runserver.append("--noreload")
    return {
        "web": runserver,
        "qcluster": [*manage, "qcluster"],
        "sandbox": [
            sys.executable,
            "-m",
            "wagtail_pushseg.testing",
            "--host",
            "127.0.0.1",
            "--port",
            "8001",
            "--state",
            str(DEMO_DIR / "sandbox.json"),
            # The devices' readers show most pushes and click some, so results fill in.
            "--show-rate",
            str(READER_SHOW_RATE),
            "--click-rate",
            str(READER_CLICK_RATE),
            "--site-url",
            SITE_URL,
        ],
    }


def start(name: str, argv: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # The package is used from the checkout, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        argv,
        cwd=REPO_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
        # Own process group: Ctrl-C reaches only us, and we stop each whole group ourselves.
        start_new_session=True,
    )
    threading.Thread(target=_pump, args=(name, proc), daemon=True).start()
    return proc


def _pump(name: str, proc: subprocess.Popen) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        say(line.rstrip("\n"), name)


def answers(url: str, header: str | None = None) -> bool:
    """True once ``url`` answers 200 (with ``header``, when given, so it is our server)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and (header is None or header in response.headers)
    except (OSError, ValueError):  # HTTPError and URLError are OSErrors
        return False


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _signal_group(proc: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_all(procs: dict[str, subprocess.Popen]) -> None:
    """Stop every process group as a terminal's Ctrl-C would, then insist.

    SIGINT to the whole group is what each child expects from a terminal (qcluster's
    sentinel dies on a group SIGTERM and leaves its parent waiting), then SIGTERM, then SIGKILL.
    """
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        for proc in procs.values():
            if proc.poll() is None:
                _signal_group(proc, sig)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        if all(proc.poll() is not None for proc in procs.values()):
            break
        say(f"some processes outlived {sig.name}; sending the next signal")
    # The leaders are gone; whatever they left behind in their groups goes too.
    for proc in procs.values():
        _signal_group(proc, signal.SIGKILL)


def failure_code(returncode: int) -> int:
    """Our exit status when a child ended by itself: a failure even when it said 0,
    and 128 + N, as a shell reports it, when signal N killed it."""
    if returncode < 0:
        return 128 - returncode
    return returncode or 1


def banner() -> None:
    for line in (
        "",
        "The demo is running:",
        f"  site:           {SITE_URL}",
        f"  admin:          {ADMIN_URL}  (login: admin / changeme, or editor / changeme)",
        f"  sandbox inbox:  {SANDBOX_URL}/inbox",
        "Press Ctrl-C to stop.",
        "",
    ):
        say(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reload", action="store_true", help="let runserver reload on code changes"
    )
    parser.add_argument(
        "--wait", type=float, default=60, help="seconds to wait for the site to answer (60)"
    )
    args = parser.parse_args(argv)
    DEMO_DIR.mkdir(exist_ok=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    busy = [port for port in (8000, 8001) if port_in_use(port)]
    if busy:
        ports = " and ".join(str(port) for port in busy)
        say(f"port {ports} on 127.0.0.1 already in use (is the demo running?); not starting")
        return 1

    procs: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        for name, argv_ in commands(args.reload).items():
            procs[name] = start(name, argv_)
        ready = False
        deadline = time.monotonic() + args.wait
        while not stop.is_set():
            dead = {name: p.returncode for name, p in procs.items() if p.poll() is not None}
            if dead:
                for name, code in dead.items():
                    say(f"{name} exited with code {code}; stopping the others")
                exit_code = failure_code(next(iter(dead.values())))
                break
            if not ready:
                # The service worker's own header tells our site from anything else on the port.
                site_up = answers(f"{SITE_URL}pushseg-sw.js", "Service-Worker-Allowed")
                if site_up and answers(f"{SANDBOX_URL}/health"):
                    ready = True
                    banner()
                elif time.monotonic() > deadline:
                    say(f"the site did not answer within {args.wait:.0f}s; stopping")
                    exit_code = 1
                    break
            stop.wait(0.25 if not ready else 0.5)
        else:
            say("stopping")
    finally:
        stop_all(procs)
    say("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())

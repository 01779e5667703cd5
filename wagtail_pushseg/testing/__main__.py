"""``python -m wagtail_pushseg.testing``: run the push sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .sandbox import PushSandbox
from .tls import self_signed_tls


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the sandbox, print its URL and wait for a signal."""
    parser = argparse.ArgumentParser(
        prog="python -m wagtail_pushseg.testing",
        description="Loopback Web Push service sandbox (RFC 8030/8291/8292).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = free port (or the state's)")
    parser.add_argument("--state", type=Path, default=None, help="JSON state file")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a test CA")
    parser.add_argument(
        "--tls-dir", type=Path, default=None, help="where to write the CA/cert (default: temp)"
    )
    parser.add_argument("--show-rate", type=float, default=0.0,
                        help="play the reader: post a 'shown' receipt for this fraction of "
                             "accepted messages (needs --site-url)")
    parser.add_argument("--click-rate", type=float, default=0.0,
                        help="and open the click link of this fraction (at most --show-rate)")
    parser.add_argument("--site-url", default=None,
                        help="the site whose receipt and click links the payloads carry")
    args = parser.parse_args(argv)

    ssl_context, cafile = None, None
    if args.tls:
        tls_dir = args.tls_dir
        if tls_dir is None and args.state is not None:
            tls_dir = args.state.parent / (args.state.stem + "-tls")
        ssl_context, cafile = self_signed_tls(tls_dir, reuse=tls_dir is not None)

    # Installed before the URL is printed: whoever reads it may stop us at once.
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        sandbox = PushSandbox(
            host=args.host, port=args.port, state_file=args.state, ssl_context=ssl_context
        ).start()
    except (OSError, ValueError) as exc:
        print(f"push sandbox: cannot start: {exc}", file=sys.stderr)
        return 1
    if args.show_rate or args.click_rate:
        try:
            sandbox.set_behaviour(show_rate=args.show_rate, click_rate=args.click_rate,
                                  site_url=args.site_url)
        except ValueError as exc:
            sandbox.stop()
            print(f"push sandbox: {exc}", file=sys.stderr)
            return 2

    print(f"Push sandbox listening on {sandbox.base_url}", flush=True)
    print(f"  inbox: {sandbox.base_url}/inbox", flush=True)
    if cafile:
        print(f"  CA file: {cafile}", flush=True)
    if args.show_rate:
        print(f"  reader: shows {args.show_rate:.0%}, clicks {args.click_rate:.0%} "
              f"(links on {args.site_url})", flush=True)
    if args.state:
        print(f"  state: {args.state} ({len(sandbox.state)} subscriptions)", flush=True)

    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (or timeout(1) forwarding one) must not cut the final save short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sandbox.stop()
        print("Push sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

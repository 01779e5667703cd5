"""``python -m benchmarks [name ...]``: run the benchmarks, each in its own process."""

import subprocess
import sys


BENCHMARKS = ["tracking_overhead", "sender", "segments_refresh", "click_payloads"]


def main(names: list[str]) -> int:
    failed = 0
    for name in names or BENCHMARKS:
        print(f"== {name}", flush=True)
        failed |= subprocess.call([sys.executable, "-m", f"benchmarks.{name}"])
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

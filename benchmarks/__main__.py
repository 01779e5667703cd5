"""``python -m benchmarks [--quick] [name ...]``: run the benchmarks, each in its own process,
then print their key figures side by side.

``--quick`` runs smaller versions (about two minutes on a quiet 2-core machine); the full run
takes about ten. The campaign benchmarks need PostgreSQL (see ``docs/benchmarks.md``).
"""

import argparse
import os
import subprocess
import sys
import tempfile

from .summary import table


#: name -> (module, full run's arguments, quick run's arguments or None to leave it out)
BENCHMARKS = {
    "tracking_overhead": ("tracking_overhead", [], []),
    "sender": ("sender", [], ["--rounds", "1"]),
    "sender_scaling": ("sender_scaling", [], ["--messages", "4000", "--rounds", "1"]),
    "campaign": ("campaign", [], ["--subscribers", "20000"]),
    "worker_memory": ("campaign", ["--memory", "50000,200000"], None),
    "segments_refresh": ("segments_refresh", [], None),
    "click_payloads": ("click_payloads", [], []),
    "delivery_controls": ("delivery_controls", ["--postgres"], ["--subscribers", "20000"]),
    "segment_scenarios": ("segment_scenarios", ["--scenarios", "20"], ["--scenarios", "4"]),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster subset")
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"some of: {', '.join(BENCHMARKS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    summary = os.path.join(tempfile.mkdtemp(prefix="pushseg-bench-"), "summary.jsonl")
    env = {**os.environ, "PUSHSEG_BENCH_SUMMARY": summary}
    failed = 0
    for name in args.names or BENCHMARKS:
        module, full, quick = BENCHMARKS[name]
        arguments = quick if args.quick else full
        if arguments is None:
            continue
        print(f"== {name}", flush=True)
        failed |= subprocess.call([sys.executable, "-m", f"benchmarks.{module}", *arguments],
                                  env=env)
    print("\n== summary (each benchmark's best of its rounds; see docs/benchmarks.md)")
    print(table(summary))
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

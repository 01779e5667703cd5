"""Key figures of each benchmark, collected by ``python -m benchmarks`` for one table at the end.

Each benchmark runs in its own process; when ``PUSHSEG_BENCH_SUMMARY`` names a file, its
figures are appended there as JSON lines.
"""

import json
import os


def record(benchmark: str, figure: str, value: str, goal: str = "") -> None:
    path = os.environ.get("PUSHSEG_BENCH_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps([benchmark, figure, value, goal]) + "\n")


def table(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
    except FileNotFoundError:
        rows = []
    rows = [["benchmark", "figure", "measured", "goal"], *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     .rstrip() for row in rows)

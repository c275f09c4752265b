"""`python -m benchmarks [NAME …]`: run every benchmark (or the named ones) and print each figure."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from benchmarks.common import machine_description

# In issue order: each entry is a module of this package with run(args) -> list[Figure].
BENCHMARKS = ["claims", "emulator_throughput", "mail_quality", "sync_ingest", "import_mbox", "scheduler_rules", "digest",
              "labels_calls", "panel", "reports", "kb", "scale"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"any of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    print(f"# Linedesk benchmarks on {machine_description()}")
    failed = 0
    for name in names:
        started = time.perf_counter()
        print(f"\n## {name}")
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for figure in module.run(args):
                print(figure.line())
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"FAILED: {type(exc).__name__}: {exc}")
        print(f"({time.perf_counter() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

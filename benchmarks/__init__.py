"""Linedesk's benchmarks: `python -m benchmarks` prints every figure an issue names.

Each benchmark module exposes `run(args) -> list[Figure]`; they are listed in `benchmarks.__main__.BENCHMARKS`
in issue order. Figures are measured, never asserted: tests check behaviour, benchmarks report speed.
"""

"""The benchmark suite (`make bench` runs `python -m bench.run`); results in docs/PERFORMANCE.md."""

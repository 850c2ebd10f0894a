"""Data layer: official raw files -> compact cache (:mod:`.cache`) -> :class:`.benchmark.Benchmark`."""

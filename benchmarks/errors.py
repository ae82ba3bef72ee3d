"""The benchmark's one error class, in its own module so that ``python -m benchmarks.run`` (where ``run`` is
``__main__``) and the helper modules importing ``benchmarks.run`` raise and catch the same class."""


class BenchError(RuntimeError):
    """The benchmark could not run (broker, pipeline failure, inconsistent counts)."""

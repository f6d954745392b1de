"""The benchmark's median run (benchmarks/bench_pipeline.py ``median_run``): the verdict on the
targets rests on it, so it must pick the middle run, never the best, keep the worst memory and
never hide a failed run."""
import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "bench_pipeline", Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pipeline.py")
bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bench)


def _run(seconds, rss, rc=0):
    return {"seconds": seconds, "cpu_seconds": seconds + 0.1, "rc": rc, "peak_rss_mb": rss,
            "peak_pss_mb": rss - 50, "chars_per_s": 9.47e6 / seconds}


def test_the_middle_run_not_the_best_and_the_largest_memory():
    med = bench.median_run([_run(6.53, 260), _run(6.19, 280), _run(7.19, 250)])
    assert med["seconds"] == 6.53
    assert med["chars_per_s"] == 9.47e6 / 6.53
    assert med["runs_s"] == [6.53, 6.19, 7.19]          # in the order they ran
    assert med["peak_rss_mb"] == 280 and med["peak_pss_mb"] == 230


def test_an_even_count_takes_the_slower_middle_run():
    assert bench.median_run([_run(4.0, 300), _run(3.0, 300)])["seconds"] == 4.0


def test_a_failed_run_is_not_hidden_by_the_median():
    med = bench.median_run([_run(6.0, 260), _run(6.5, 260, rc=2), _run(7.0, 260)])
    assert med["seconds"] == 6.5 and med["rc"] == 2
    med = bench.median_run([_run(6.0, 260, rc=1), _run(6.5, 260), _run(7.0, 260)])
    assert med["seconds"] == 6.5 and med["rc"] == 1


def test_one_run_is_reported_as_it_is():
    r = _run(6.0, 260)
    assert bench.median_run([r]) is r

#!/usr/bin/env python3
"""Side-by-side table of bench_nn and bench_nn_torch results (Google Benchmark JSON).

Usage: compare_nn.py rlsim.json torch_openblas.json [torch_reference_blas.json]
Prints a Markdown table of median CPU times (µs) and the speed-up of rlsim over each
libtorch run (torch time / rlsim time), case by case.
"""
import json
import sys


def medians(path):
    """run name -> median CPU time in µs (the single run when there are no aggregates)."""
    with open(path) as f:
        data = json.load(f)
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    out = {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        t = b["cpu_time"] * scale[b.get("time_unit", "ns")]
        if b.get("aggregate_name") == "median" or (
            "aggregate_name" not in b and name not in out
        ):
            out[name] = t
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ours = medians(sys.argv[1])
    others = [medians(p) for p in sys.argv[2:]]
    names = ["libtorch+OpenBLAS", "libtorch (reference BLAS)"][: len(others)]
    head = "| case | rlsim µs | " + " | ".join(f"{n} µs | speed-up" for n in names) + " |"
    print(head)
    print("|" + "---|" * (2 + 2 * len(others)))
    for case, t in ours.items():
        cells = [case, f"{t:,.1f}"]
        for o in others:
            if case in o:
                cells += [f"{o[case]:,.1f}", f"{o[case] / t:.1f}×"]
            else:
                cells += ["—", "—"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

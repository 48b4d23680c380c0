"""The check-and-report pattern of the analysis script tests: every failed check is printed at
once (so one run lists all of them) and counted; report() prints the verdict and returns the
exit code."""

import sys

FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print(f"FAILED: {what}", file=sys.stderr)
    return ok


def report(label):
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print(f"{label}all checks passed")
    return 0

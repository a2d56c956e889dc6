#!/usr/bin/env python3
"""Compares the first logged step of runs made in fp32 and in bf16 (scripts/gpu-check's losses_bf16
step): RUNS/<name>-fp32/metrics.jsonl against RUNS/<name>-bf16/metrics.jsonl, the total and every
loss and partial loss (keys ending in `loss`; accuracies of near-tied random logits may flip). Prints one line per run pair and `worst D`, the largest relative difference; exits 1 when a
value is not finite, a run is missing, or a difference exceeds the bf16 tolerance.
    python tools/compare_precision_runs.py RUNS [--tolerance 0.05]
"""
import argparse
import json
import math
import pathlib
import sys

def first_step(run):
    with open(run / "metrics.jsonl") as lines:
        for line in lines:
            record = json.loads(line)
            if "loss" in record:
                return {k: v for k, v in record.items() if k.endswith("loss")}
    raise ValueError(f"{run}/metrics.jsonl has no training step")


def relative(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=pathlib.Path)
    parser.add_argument("--tolerance", type=float, default=0.05)
    args = parser.parse_args()
    names = sorted({p.name.rsplit("-", 1)[0] for p in args.runs.iterdir() if p.is_dir()})
    worst, failures = 0.0, []
    for name in names:
        try:
            full = first_step(args.runs / f"{name}-fp32")
            half = first_step(args.runs / f"{name}-bf16")
        except (OSError, ValueError) as error:
            failures.append(f"{name}: {error}")
            continue
        differences = {}
        for key, value in full.items():
            if key not in half:
                failures.append(f"{name}: bf16 run has no {key}")
            elif not (math.isfinite(value) and math.isfinite(half[key])):
                failures.append(f"{name}: {key} is {value} in fp32, {half[key]} in bf16")
            else:
                differences[key] = relative(value, half[key])
        key = max(differences, key=differences.get, default=None)
        if key is not None:
            worst = max(worst, differences[key])
            print(f"{name}: {len(differences)} values, largest relative difference {differences[key]:.2e} ({key})")
            if differences[key] > args.tolerance:
                failures.append(f"{name}: {key} differs by {differences[key]:.2e} > {args.tolerance}")
    print(f"worst {worst:.2e} over {len(names)} experiments")
    for failure in failures:
        print(f"FAILED {failure}")
    if not names:
        print(f"FAILED no runs in {args.runs}")
    sys.exit(1 if failures or not names else 0)


if __name__ == "__main__":
    main()

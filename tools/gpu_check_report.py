#!/usr/bin/env python3
"""Writes scripts/gpu-check's report from its steps' folders (STEPS/NN-name/ with status, seconds,
budget, figures.tsv and log): OUT/report.json and OUT/report.md, each step with its status, time,
budget, figures and the end of its log. --summary also prints the table, and exits 1 unless every
step passed.
    python tools/gpu_check_report.py STEPS OUT MODE [--summary]
"""
import argparse
import datetime
import json
import pathlib
import sys

LOG_LINES = 40


def read(path, default=""):
    return path.read_text().strip() if path.exists() else default


def step_of(folder):
    figures = {}
    for line in read(folder / "figures.tsv").splitlines():
        name, _, value = line.partition("\t")
        figures[name] = value
    return {
        "name": folder.name.split("-", 1)[1],
        "status": read(folder / "status", "running"),
        "seconds": float(read(folder / "seconds", "0")),
        "budget_s": int(read(folder / "budget", "0")),
        "figures": figures,
        "log_tail": read(folder / "log").splitlines()[-LOG_LINES:],
    }


def markdown(report):
    lines = [f"# scripts/gpu-check ({report['mode']} mode), {report['written']}", "",
             "| step | status | seconds | budget | figures |", "|---|---|---:|---:|---|"]
    for step in report["steps"]:
        figures = ", ".join(f"{k} {v}" for k, v in step["figures"].items())
        lines.append(f"| {step['name']} | {step['status']} | {step['seconds']:.1f} | {step['budget_s']} | {figures} |")
    lines.append(f"\nTotal: {report['seconds']:.1f} s.\n")
    for step in report["steps"]:
        lines += [f"## {step['name']}: {step['status']}", "", "```", *step["log_tail"], "```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("mode", choices=["gpu", "cpu"])
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    steps = [step_of(folder) for folder in sorted(args.steps.iterdir())] if args.steps.exists() else []
    report = {"mode": args.mode, "written": datetime.datetime.now().isoformat(timespec="seconds"),
              "seconds": sum(step["seconds"] for step in steps), "steps": steps}
    for name, text in (("report.json", json.dumps(report, indent=1)), ("report.md", markdown(report))):
        partial = args.out / (name + ".partial")
        partial.write_text(text + "\n")
        partial.replace(args.out / name)
    if args.summary:
        print("\n".join(markdown(report).split("\n\n## ")[0].splitlines()[2:]))
        if any(step["status"] != "passed" for step in steps):
            sys.exit(1)


if __name__ == "__main__":
    main()

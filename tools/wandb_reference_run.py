"""Logs a run with W&B's official client, for comparing its requests with the wandb logger's.

Usage: wandb_reference_run.py SPEC.json
SPEC: {"project", "run_id", "name", "group", "tags", "notes", "job_type", "resume", "config": {...},
       "logs": [[step, {metric: value}], ...]}, a value a number or "NaN", "Infinity", "-Infinity".
The server, key and directories come from the environment (WANDB_BASE_URL, WANDB_API_KEY,
WANDB_DIR, ...), online mode. Exits 0 once wandb.finish() returned.
"""

import json
import sys

import wandb


def main():
    with open(sys.argv[1]) as spec_file:
        spec = json.load(spec_file)
    run = wandb.init(
        project=spec["project"],
        id=spec["run_id"],
        name=spec["name"],
        group=spec["group"],
        tags=spec["tags"],
        notes=spec["notes"],
        job_type=spec["job_type"],
        resume=spec["resume"],
        config=spec["config"],
        mode="online",
    )
    for step, metrics in spec["logs"]:
        run.log({key: float(value) for key, value in metrics.items()}, step=step)
    run.finish(exit_code=0)


if __name__ == "__main__":
    main()

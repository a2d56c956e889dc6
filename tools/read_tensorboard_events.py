"""Writes what TensorBoard reads from a folder of event files as JSON (for the tensorboard logger's tests).

Usage: read_tensorboard_events.py LOGDIR --out FILE
{"files": {name: events}, "tags": {tag: {"plugin", "data_class", "events": [{"step", "value" | "text", "html"}]}}}
"""

import argparse
import json
import os

from tensorboard.backend.event_processing import event_file_loader, plugin_event_accumulator
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.text import text_plugin
from tensorboard.util import tensor_util


def tag_events(accumulator, tag, plugin):
    events = []
    for event in accumulator.Tensors(tag):
        array = tensor_util.make_ndarray(event.tensor_proto)
        if plugin == "text":
            html = text_plugin.text_array_to_html(array, enable_markdown=True)
            events.append({"step": event.step, "text": array.item().decode("utf-8"), "html": html})
        else:
            events.append({"step": event.step, "value": float(array.item())})
    return events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("logdir")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    # Every record, each file alone: a record failing its CRC check ends its file early.
    files = {
        name: sum(1 for _ in event_file_loader.EventFileLoader(os.path.join(args.logdir, name)).Load())
        for name in sorted(os.listdir(args.logdir))
        if "tfevents" in name
    }
    # The folder as `tensorboard --logdir` reads it, summaries migrated to tensors.
    accumulator = plugin_event_accumulator.EventAccumulator(
        args.logdir, size_guidance={plugin_event_accumulator.TENSORS: 0}
    ).Reload()
    tags = {}
    for tag in accumulator.Tags()[plugin_event_accumulator.TENSORS]:
        metadata = accumulator.SummaryMetadata(tag)
        plugin = metadata.plugin_data.plugin_name
        tags[tag] = {
            "plugin": plugin,
            "data_class": summary_pb2.DataClass.Name(metadata.data_class),
            "events": tag_events(accumulator, tag, plugin),
        }
    with open(args.out, "w") as out:
        json.dump({"files": files, "tags": tags}, out)


if __name__ == "__main__":
    main()

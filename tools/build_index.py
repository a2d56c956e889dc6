#!/usr/bin/env python3
"""Writes mmkd's JSON-lines indexes (thesis Section 2.1.3.4: one line per sample with "id",
"image" and "text") from the files the datasets are distributed as. Standard library only.

  build_index.py karpathy dataset_coco.json --out DIR         COCO or Flickr30K Karpathy splits:
      DIR/train.jsonl (train + restval), val.jsonl, test.jsonl; one line per caption (5 per
      image), "id" = the image's imgid, "image" = filepath/filename.
  build_index.py vg region_descriptions.json --images ROOT --out FILE
      Visual Genome: one line per region description paired with its image; "image" is
      VG_100K/<id>.jpg or VG_100K_2/<id>.jpg, whichever exists under ROOT.
"""
import argparse
import json
import pathlib
import sys


def karpathy(source, out):
    images = json.loads(pathlib.Path(source).read_text())["images"]
    split_of = {"train": "train", "restval": "train", "val": "val", "test": "test"}
    out.mkdir(parents=True, exist_ok=True)
    files = {name: open(out / f"{name}.jsonl", "w") for name in ("train", "val", "test")}
    counts = dict.fromkeys(files, 0)
    for image in images:
        split = split_of.get(image["split"])
        if split is None:
            sys.exit(f"{source}: image {image.get('imgid')} has unknown split {image['split']!r}")
        path = "/".join(part for part in (image.get("filepath", ""), image["filename"]) if part)
        for sentence in image["sentences"]:
            files[split].write(json.dumps({"id": image["imgid"], "image": path, "text": sentence["raw"]}) + "\n")
            counts[split] += 1
    for name, handle in files.items():
        handle.close()
        print(f"{out / (name + '.jsonl')}: {counts[name]} captions")


def visual_genome(source, images_root, out):
    root = pathlib.Path(images_root)
    written = 0
    with open(out, "w") as handle:
        for image in json.loads(pathlib.Path(source).read_text()):
            image_id = image.get("id", image.get("image_id"))
            path = next((f"{folder}/{image_id}.jpg" for folder in ("VG_100K", "VG_100K_2")
                         if (root / folder / f"{image_id}.jpg").exists()), f"VG_100K/{image_id}.jpg")
            for region in image["regions"]:
                handle.write(json.dumps({"id": image_id, "image": path, "text": region["phrase"].strip()}) + "\n")
                written += 1
    print(f"{out}: {written} region descriptions")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    k = commands.add_parser("karpathy", help="COCO / Flickr30K Karpathy splits")
    k.add_argument("source")
    k.add_argument("--out", required=True, type=pathlib.Path)
    v = commands.add_parser("vg", help="Visual Genome region descriptions")
    v.add_argument("source")
    v.add_argument("--images", required=True)
    v.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "karpathy":
        karpathy(args.source, args.out)
    else:
        visual_genome(args.source, args.images, args.out)


if __name__ == "__main__":
    main()

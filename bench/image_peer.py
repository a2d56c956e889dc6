#!/usr/bin/env python3
"""The pipeline of bench/image_bench.cpp in Python, two ways (--pipeline):
pillow: as torchvision's transforms run it on Pillow: open + convert('RGB'),
RandomResizedCrop(224, scale=(0.08, 1), ratio=(3/4, 4/3)) with bilinear resampling,
RandomHorizontalFlip, ToTensor + Normalize (numpy instead of torch);
torchvision: torchvision's v2 transforms on tensors: torchvision.io.decode_jpeg (RGB), then
v2.RandomResizedCrop(224, antialias=True) (same scale, ratio, bilinear), v2.RandomHorizontalFlip,
v2.ToDtype(float32, scale=True) + v2.Normalize, one torch thread per process.

    image_peer.py DIR [--pipeline pillow|torchvision] [--threads N] [--seconds S]

Prints images per second in one process and in N worker processes (a DataLoader's workers).
"""
import argparse
import math
import multiprocessing
import os
import random
import time

import numpy as np
from PIL import Image

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def crop_params(width, height, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    """torchvision RandomResizedCrop.get_params."""
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(*log_ratio))
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            return rng.randint(0, height - h), rng.randint(0, width - w), h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def pillow_transform(seed):
    rng = random.Random(seed)
    mean, std = (np.array(v, np.float32).reshape(3, 1, 1) for v in (MEAN, STD))

    def transform(path):
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        top, left, h, w = crop_params(*img.size, rng)
        img = img.crop((left, top, left + w, top + h)).resize((224, 224), Image.Resampling.BILINEAR)
        if rng.random() < 0.5:
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        x = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
        return np.ascontiguousarray((x - mean) / std)
    return transform


def torchvision_transform(seed):
    import torch
    from torchvision.io import ImageReadMode, decode_jpeg, read_file
    from torchvision.transforms import v2

    torch.set_num_threads(1)  # parallel over processes, as a DataLoader's workers
    torch.manual_seed(seed)
    pipeline = v2.Compose([v2.RandomResizedCrop(224, antialias=True), v2.RandomHorizontalFlip(),
                           v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])
    return lambda path: pipeline(decode_jpeg(read_file(path), mode=ImageReadMode.RGB))


PIPELINES = {"pillow": pillow_transform, "torchvision": torchvision_transform}


def worker(args):
    pipeline, files, first, step, deadline = args
    transform = PIPELINES[pipeline](first)
    count, i = 0, first
    while time.time() < deadline:
        transform(files[i % len(files)])
        i += step
        count += 1
    return count


def images_per_second(pipeline, files, processes, seconds):
    start = time.time()
    deadline = start + seconds
    if processes == 1:
        done = worker((pipeline, files, 0, 1, deadline))
    else:
        with multiprocessing.Pool(processes) as pool:
            start = time.time()
            deadline = start + seconds
            done = sum(pool.map(worker, [(pipeline, files, p, processes, deadline) for p in range(processes)]))
    return done / (time.time() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--pipeline", default="pillow", choices=sorted(PIPELINES))
    parser.add_argument("--threads", type=int, default=0, help="worker processes (0: all cores)")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    files = sorted(os.path.join(args.dir, name) for name in os.listdir(args.dir) if name.endswith(".jpg"))
    processes = args.threads or os.cpu_count()
    images_per_second(args.pipeline, files, 1, 0.5)  # warm up
    print(f"1 thread: {images_per_second(args.pipeline, files, 1, args.seconds):.1f} images/s")
    print(f"{processes} threads: {images_per_second(args.pipeline, files, processes, args.seconds):.1f} images/s")


if __name__ == "__main__":
    main()

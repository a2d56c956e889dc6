#!/usr/bin/env python3
"""Prints the matrix-product peak of a device in TFLOP/s: the mean of ten N x N x N products after
three warm-ups, bf16 on a GPU, fp32 on the CPU (scripts/gpu-check's MFU denominator):
    python tools/matmul_peak.py [--device cuda|cpu] [--size N]
"""
import argparse
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--size", type=int, default=8192)
    args = parser.parse_args()
    device = torch.device(args.device)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    a = torch.randn(args.size, args.size, device=device, dtype=dtype)
    b = torch.randn(args.size, args.size, device=device, dtype=dtype)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(3):
        a @ b
    sync()
    start = time.perf_counter()
    for _ in range(10):
        a @ b
    sync()
    seconds = (time.perf_counter() - start) / 10
    print(f"{2 * args.size ** 3 / seconds / 1e12:.4g}")


if __name__ == "__main__":
    main()

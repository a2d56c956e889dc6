"""Python peers of bench/retrieval_bench.cpp: the same Recall@K, written two ways (--backend).
numpy: vectorised the way a researcher writes it in numpy (cosine similarity matrix, the best
correct candidate of each query, wrong candidates scoring at least as high ranked ahead).
torch: the way torch evaluation scripts write it (CLIP_benchmark's recall_at_k): one matmul, then
torch.topk; a query counts at K when one of its K best candidates is correct.
  python retrieval_peer.py DIR --images N --captions C --dim D [--repeats R] [--backend numpy|torch]"""
import argparse
import time

import numpy as np


def normalise(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def ranks_of_best_correct(similarity, correct, chunk=1024):
    ranks = []
    for begin in range(0, similarity.shape[0], chunk):
        scores = similarity[begin:begin + chunk]
        is_correct = correct[begin:begin + chunk]
        best = np.where(is_correct, scores, -np.inf).max(axis=1, keepdims=True)
        ranks.append(((scores >= best) & ~is_correct).sum(axis=1))
    return np.concatenate(ranks)


def numpy_evaluate(images, texts, image_of_text):
    images, texts = normalise(images), normalise(texts)
    similarity = images @ texts.T
    correct = image_of_text[None, :] == np.arange(images.shape[0])[:, None]
    i2t = ranks_of_best_correct(similarity, correct)
    t2i = ranks_of_best_correct(similarity.T, correct.T)
    return {f"{name}_r{k}": float((ranks < k).mean()) for name, ranks in (("i2t", i2t), ("t2i", t2i)) for k in (1, 5, 10)}


def torch_evaluator():
    """The torch peer; torch is imported here, outside the timing, and only when chosen."""
    import torch

    def evaluate(images, texts, image_of_text):
        images, texts, image_of_text = map(torch.from_numpy, (images, texts, image_of_text))
        images, texts = images / images.norm(dim=1, keepdim=True), texts / texts.norm(dim=1, keepdim=True)
        similarity = images @ texts.T
        correct = image_of_text[None, :] == torch.arange(images.shape[0])[:, None]
        metrics = {}
        for name, scores, positives in (("i2t", similarity, correct), ("t2i", similarity.T, correct.T)):
            hits = positives.gather(1, scores.topk(10, dim=1).indices)
            metrics.update({f"{name}_r{k}": hits[:, :k].any(dim=1).double().mean().item() for k in (1, 5, 10)})
        return metrics
    return evaluate


EVALUATORS = {"numpy": lambda: numpy_evaluate, "torch": torch_evaluator}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--captions", type=int, default=5)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", default="numpy", choices=sorted(EVALUATORS))
    args = parser.parse_args()
    evaluate = EVALUATORS[args.backend]()
    texts_count = args.images * args.captions
    images = np.fromfile(f"{args.dir}/images.f32", dtype=np.float32).reshape(args.images, args.dim)
    texts = np.fromfile(f"{args.dir}/texts.f32", dtype=np.float32).reshape(texts_count, args.dim)
    image_of_text = np.fromfile(f"{args.dir}/image_of_text.i64", dtype=np.int64)
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        metrics = evaluate(images, texts, image_of_text)
        best = min(best, time.perf_counter() - start)
    print(f"{args.backend} seconds {best:.4f} " + " ".join(f"{k} {v:.6f}" for k, v in metrics.items()))


if __name__ == "__main__":
    main()

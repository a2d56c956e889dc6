"""The benchmarked losses written directly in PyTorch, the way a researcher's script would,
timed like bench/loss_bench.cpp times the plugins (median ms of forward + backward); --compile
runs the loss module through torch.compile (PyTorch 2; the warmup steps compile).

    python bench/loss_peers.py contrastive_target --batch 256 --dim 768 --bank 65536 [--compile]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


class ContrastiveTarget(torch.nn.Module):
    """Thesis Eq. 79-85: student text and image CLS against the teacher CLS of the batch and a
    FIFO memory bank of earlier teacher targets."""

    def __init__(self, bank_size, dim):
        super().__init__()
        self.register_buffer("bank", F.normalize(torch.randn(bank_size, dim), dim=-1))
        self.register_buffer("pointer", torch.zeros((), dtype=torch.long))

    def forward(self, image, text, teacher):
        targets = F.normalize(teacher.detach(), dim=-1)
        keys = torch.cat([targets, self.bank.clone().detach()])
        labels = torch.arange(image.shape[0], device=image.device)
        t2i = F.cross_entropy(F.normalize(text, dim=-1) @ keys.t(), labels)
        i2i = F.cross_entropy(F.normalize(image, dim=-1) @ keys.t(), labels)
        self.enqueue(targets)
        return (t2i + i2i) / 2

    @torch.compiler.disable  # a slice at a data-dependent offset: stays eager under torch.compile
    @torch.no_grad()
    def enqueue(self, targets):
        start = int(self.pointer)
        end = start + targets.shape[0]
        self.bank[start:end] = targets
        self.pointer.fill_(end % self.bank.shape[0])


def ipot(cost, epsilon, outer, inner):
    """CODIS Algorithm 2 with uniform marginals; rows of the cost shifted to start at 0."""
    n, k = cost.shape
    A = torch.exp(-(cost - cost.min(dim=1, keepdim=True).values) / epsilon)
    mu = torch.full((n, 1), 1.0 / n, dtype=cost.dtype, device=cost.device)
    nu = torch.full((k, 1), 1.0 / k, dtype=cost.dtype, device=cost.device)
    sigma = torch.full((k, 1), 1.0 / k, dtype=cost.dtype, device=cost.device)
    T = torch.ones_like(cost)
    for _ in range(outer):
        Q = A * T
        for _ in range(inner):
            delta = mu / (Q @ sigma)
            sigma = nu / (Q.t() @ delta)
        T = delta * Q * sigma.t()
    return T


class CodebookOt(torch.nn.Module):
    """CODIS Eq. 1-3: L_ot of both modalities' momentum features against a learnable codebook,
    and the prototype losses L_tp, L_ip with IPOT plans as soft targets."""

    def __init__(self, codewords, dim, epsilon=0.5, outer=50, inner=1):
        super().__init__()
        self.codebook = torch.nn.Parameter(F.normalize(torch.randn(codewords, dim), dim=-1))
        self.temperature = torch.nn.Parameter(torch.tensor(0.07))
        self.epsilon, self.outer, self.inner = epsilon, outer, inner

    def prototype_loss(self, features, plan):
        logits = F.normalize(features, dim=-1) @ F.normalize(self.codebook, dim=-1).t() / self.temperature.clamp(0.001, 0.5)
        targets = plan / plan.sum(dim=1, keepdim=True)
        return -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()

    def forward(self, image, text, image_momentum, text_momentum):
        codebook = F.normalize(self.codebook, dim=-1)
        image_cost = 1 - F.normalize(image_momentum, dim=-1) @ codebook.t()
        text_cost = 1 - F.normalize(text_momentum, dim=-1) @ codebook.t()
        with torch.no_grad():
            image_plan = ipot(image_cost.detach(), self.epsilon, self.outer, self.inner)
            text_plan = ipot(text_cost.detach(), self.epsilon, self.outer, self.inner)
        ot = (image_plan * image_cost).sum() + (text_plan * text_cost).sum()
        return ot + self.prototype_loss(text, text_plan) + self.prototype_loss(image, image_plan)


def time_steps(step, iterations, warmup, device):
    times = []
    for i in range(warmup + iterations):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def contrastive_target(args, device, prepare):
    loss = prepare(ContrastiveTarget(args.bank, args.dim).to(device))
    image, text, teacher = (torch.randn(args.batch, args.dim, device=device, requires_grad=True) for _ in range(3))
    return lambda: loss(image, text, teacher).backward()


def codebook_ot(args, device, prepare):
    loss = prepare(CodebookOt(args.codewords, args.dim).to(device))
    inputs = [torch.randn(args.batch, args.dim, device=device, requires_grad=True) for _ in range(4)]
    return lambda: loss(*inputs).backward()


PEERS = {"contrastive_target": contrastive_target, "codebook_ot": codebook_ot}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("loss", choices=sorted(PEERS))
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--bank", type=int, default=65536)
    parser.add_argument("--codewords", type=int, default=4000)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", action="store_true", help="torch.compile the loss; needs --warmup >= 1")
    args, _ = parser.parse_known_args()
    if args.compile and args.warmup < 1:
        parser.error("--compile needs --warmup >= 1: the first step compiles")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    step = PEERS[args.loss](args, device, torch.compile if args.compile else lambda loss: loss)
    mode = "pytorch-compile" if args.compile else "pytorch-eager"
    print(f"loss/{args.loss} {mode} {time_steps(step, args.iterations, args.warmup, device):.3f} ms")


if __name__ == "__main__":
    main()

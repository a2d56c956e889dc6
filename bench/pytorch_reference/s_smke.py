#!/usr/bin/env python3
"""The S-SMKE training step of bench/s_smke.yaml (thesis 001, Section 3.2.2, Eq. 50-57, Table 29)
written the way the thesis' code runs: plain PyTorch modules in eager mode, torch.autocast for
bf16, torch.optim.AdamW. Same architecture, parameter counts, losses, optimizer and shapes as
the mmkd experiment; random tensors as input (data loading is not what is compared). --compile
runs the teacher and the model through torch.compile (PyTorch 2; the warmup steps compile).

    s_smke.py [--image-size 32 --patch-size 8 --dim 64 --heads 4 --depth 2 --teacher-depth 4
               --hidden-dim 256 --text-len 16 --vocab-size 1000 --batch-size 32]
              [--device auto|cpu|cuda] [--precision fp32|bf16] [--teacher-precision fp32|bf16]
              [--steps 20] [--warmup 5] [--threads 1] [--compile] [--phases] [--count-only]

Prints each module's parameter count as `mmkd run` does, then `samples_per_second X`.
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LR, BETAS, EPS, WEIGHT_DECAY, WARMUP_FRACTION = 1e-4, (0.9, 0.98), 1e-6, 0.01, 0.1  # Table 29
BERT_POSITIONS, BERT_TYPES = 512, 2
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def normal_linear(fan_in, fan_out, bias=True):
    linear = nn.Linear(fan_in, fan_out, bias=bias)
    nn.init.normal_(linear.weight, std=0.02)
    if bias:
        nn.init.zeros_(linear.bias)
    return linear


def attention(q, k, v, bias):
    """softmax(q k^T / sqrt(d) + bias) v (Eq. 19), as timm: the fused kernel where torch has it."""
    if bias is not None:
        bias = bias.to(q.dtype)
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if bias is not None:
        scores = scores + bias
    return scores.softmax(-1) @ v


class Attention(nn.Module):
    """timm's Attention: one qkv projection; qkv_bias 'qv' keeps BEiT's query and value biases."""

    def __init__(self, dim, heads, qkv_bias="all"):
        super().__init__()
        self.heads = heads
        self.qkv = normal_linear(dim, 3 * dim, bias=qkv_bias == "all")
        self.q_bias = nn.Parameter(torch.zeros(dim)) if qkv_bias == "qv" else None
        self.v_bias = nn.Parameter(torch.zeros(dim)) if qkv_bias == "qv" else None
        self.proj = normal_linear(dim, dim)

    def forward(self, x, bias=None):
        batch, length, dim = x.shape
        if self.q_bias is not None:
            qkv = F.linear(x, self.qkv.weight, torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias)))
        else:
            qkv = self.qkv(x)
        q, k, v = qkv.reshape(batch, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        return self.proj(attention(q, k, v, bias).transpose(1, 2).reshape(batch, length, dim))


class Mlp(nn.Module):
    def __init__(self, dim, hidden_dim):
        super().__init__()
        self.fc1 = normal_linear(dim, hidden_dim)
        self.fc2 = normal_linear(hidden_dim, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class RelativePositionBias(nn.Module):
    """BEiT's relative position bias: a table of (2h-1)(2w-1) + 3 distances per head."""

    def __init__(self, grid, heads):
        super().__init__()
        distances, patches = (2 * grid - 1) ** 2, grid * grid
        rows = torch.arange(grid).repeat_interleave(grid)
        cols = torch.arange(grid).repeat(grid)
        index = torch.zeros(patches + 1, patches + 1, dtype=torch.long)
        index[1:, 1:] = (rows[:, None] - rows[None, :] + grid - 1) * (2 * grid - 1) + cols[:, None] - cols[None, :] + grid - 1
        index[0, :], index[:, 0], index[0, 0] = distances, distances + 1, distances + 2
        self.register_buffer("index", index, persistent=False)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(distances + 3, heads))

    def forward(self):
        tokens = self.index.shape[0]
        return self.relative_position_bias_table[self.index.reshape(-1)].reshape(tokens, tokens, -1).permute(2, 0, 1)[None]


class Block(nn.Module):
    """Pre-LN block (Eq. 20-21, timm's Block) with BEiT's LayerScale and relative position bias."""

    def __init__(self, dim, heads, qkv_bias="all", layer_scale=0.0, relative_grid=0, eps=1e-6):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, 4 * dim)
        self.gamma_1 = nn.Parameter(torch.full((dim,), layer_scale)) if layer_scale > 0 else None
        self.gamma_2 = nn.Parameter(torch.full((dim,), layer_scale)) if layer_scale > 0 else None
        self.relative_position_bias = RelativePositionBias(relative_grid, heads) if relative_grid else None

    def forward(self, x, bias=None):
        if self.relative_position_bias is not None:
            bias = self.relative_position_bias()
        attended = self.attn(self.norm1(x), bias)
        x = x + (self.gamma_1 * attended if self.gamma_1 is not None else attended)
        mixed = self.mlp(self.norm2(x))
        return x + (self.gamma_2 * mixed if self.gamma_2 is not None else mixed)


class PostNormBlock(nn.Module):
    """BERT's layer: LayerNorm after each residual."""

    def __init__(self, dim, heads, eps=1e-12):
        super().__init__()
        self.attn = Attention(dim, heads)
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, 4 * dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)

    def forward(self, x, bias):
        x = self.norm1(x + self.attn(x, bias))
        return self.norm2(x + self.mlp(x))


def sincos_positions(grid, dim):
    """Fixed 2-D sin-cos positions of MAE and Data2Vec2: [1 + grid^2, dim], the CLS row zero."""
    omega = 1.0 / 10000.0 ** (torch.arange(dim // 4, dtype=torch.float64) / (dim / 4.0))
    axis = lambda position: torch.cat([(position.double()[:, None] * omega).sin(), (position.double()[:, None] * omega).cos()], 1)
    patches = torch.cat([axis(torch.arange(grid).repeat(grid)), axis(torch.arange(grid).repeat_interleave(grid))], 1)
    return torch.cat([torch.zeros(1, dim, dtype=torch.float64), patches]).float()


class VisionTransformer(nn.Module):
    """The student ViT (Data2Vec2: sin-cos positions) and the teacher (BEiT v2: relative positions,
    LayerScale, q/v biases, mean pooling)."""

    def __init__(self, image_size, patch_size, dim, depth, heads, position="sincos", qkv_bias="all",
                 layer_scale=0.0, relative_position=False, mean_pooling=False):
        super().__init__()
        grid = image_size // patch_size
        self.patch_embed = nn.Conv2d(3, dim, patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.register_buffer("pos_embed", sincos_positions(grid, dim)[None] if position == "sincos" else None)
        self.blocks = nn.ModuleList(Block(dim, heads, qkv_bias, layer_scale, grid if relative_position else 0)
                                    for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.mean_pooling = mean_pooling

    def forward(self, image):
        patches = self.patch_embed(image).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(image.shape[0], -1, -1), patches], 1)  # Eq. 20
        if self.pos_embed is not None:
            x = x + self.pos_embed
        for block in self.blocks:
            x = block(x)
        if self.mean_pooling:  # BEiT: tokens stay unnormalised, pooled = norm(mean of patches)
            return x, self.norm(x[:, 1:].mean(1))
        x = self.norm(x)
        return x, x[:, 0]


class Bert(nn.Module):
    def __init__(self, vocab_size, dim, depth, heads):
        super().__init__()
        self.word_embed = nn.Embedding(vocab_size, dim)
        self.pos_embed = nn.Embedding(BERT_POSITIONS, dim)
        self.type_embed = nn.Embedding(BERT_TYPES, dim)
        for embedding in (self.word_embed, self.pos_embed, self.type_embed):
            nn.init.normal_(embedding.weight, std=0.02)
        self.embed_norm = nn.LayerNorm(dim, eps=1e-12)
        self.blocks = nn.ModuleList(PostNormBlock(dim, heads) for _ in range(depth))

    def forward(self, ids, mask):
        positions = torch.arange(ids.shape[1], device=ids.device)[None]
        x = self.embed_norm(self.word_embed(ids) + self.pos_embed(positions) + self.type_embed(torch.zeros_like(ids)))
        padding = torch.zeros(mask.shape[0], 1, 1, mask.shape[1], device=x.device, dtype=x.dtype)
        padding = padding.masked_fill(~mask.bool()[:, None, None, :], float("-inf"))
        for block in self.blocks:
            x = block(x, padding)
        return x


class SharedTransformer(nn.Module):
    """Transformer SHRe's shared layer (Eq. 50-52), applied to image and caption tokens."""

    def __init__(self, dim, heads, hidden_dim, classes, eps=1e-6):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.fc1 = normal_linear(dim, hidden_dim)
        self.mlp_norm = nn.LayerNorm(hidden_dim, eps=eps)
        self.fc2 = normal_linear(hidden_dim, dim)
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.head = normal_linear(dim, classes)

    def forward(self, tokens, mask=None):
        padding = None
        if mask is not None:
            padding = torch.zeros(mask.shape[0], 1, 1, mask.shape[1], device=tokens.device, dtype=tokens.dtype)
            padding = padding.masked_fill(~mask.bool()[:, None, None, :], float("-inf"))
        h_mha = self.attn(self.norm1(tokens), padding) + tokens  # Eq. 50
        linear1 = self.fc1(self.norm2(h_mha))                    # Eq. 51: H'
        linear2 = self.fc2(self.mlp_norm(F.gelu(linear1)))       # Eq. 51: H''
        h_ln = self.norm(linear2 + h_mha)
        return linear1[:, 0], linear2[:, 0], self.head(h_ln[:, 0])  # Eq. 52


class ClipContrastive(nn.Module):
    """CLIP loss (Eq. 22-29) with a learned temperature, as OpenCLIP's ClipLoss."""

    def __init__(self):
        super().__init__()
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, image, text):
        image, text = F.normalize(image.float(), dim=-1), F.normalize(text.float(), dim=-1)
        logits_per_image = self.logit_scale.exp().clamp(max=100) * image @ text.t()
        labels = torch.arange(image.shape[0], device=image.device)
        return (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_image.t(), labels)) / 2


class SSmke(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.image = VisionTransformer(a.image_size, a.patch_size, a.dim, a.depth, a.heads)
        self.text = Bert(a.vocab_size, a.dim, a.depth, a.heads)
        self.shared = SharedTransformer(a.dim, a.heads, a.hidden_dim, a.dim)
        self.itc_linear1, self.itc_linear2 = ClipContrastive(), ClipContrastive()

    def forward(self, image, ids, mask, teacher_cls):
        image_linear1, image_linear2, image_head = self.shared(self.image(image)[0])
        text_linear1, text_linear2, text_head = self.shared(self.text(ids, mask), mask)
        kd = (F.mse_loss(image_head.float(), teacher_cls) + F.mse_loss(text_head.float(), teacher_cls)) / 2  # Eq. 57
        itc = (self.itc_linear1(image_linear1, text_linear1) + self.itc_linear2(image_linear2, text_linear2)) / 2  # Eq. 53
        return kd + itc


def skips_weight_decay(name, parameter):
    """mmkd's rule: biases, norms, scales, embeddings, tokens and relative position tables."""
    return parameter.dim() <= 1 or any(word in name for word in ("embed", "token", "relative_position"))


def make_adamw(model, implementation):
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        (no_decay if skips_weight_decay(name, parameter) else decay).append(parameter)
    groups = [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}]
    flags = {"default": {}, "loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}
    return torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY, **flags[implementation])


def cosine_with_warmup(total_steps):
    warmup = int(WARMUP_FRACTION * total_steps)

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total_steps - warmup)))
    return factor


def parameter_line(name, kind, module):
    count = sum(p.numel() for p in module.parameters())
    return f"{name} ({kind}): {count:,} ({count / 1e6:.1f}M) parameters"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for flag, default in (("image-size", 32), ("patch-size", 8), ("dim", 64), ("heads", 4), ("depth", 2),
                          ("teacher-depth", 4), ("hidden-dim", 256), ("text-len", 16), ("vocab-size", 1000),
                          ("batch-size", 32), ("steps", 20), ("warmup", 5), ("threads", 1)):
        parser.add_argument(f"--{flag}", type=int, default=default)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="student: autocast on CUDA")
    parser.add_argument("--teacher-precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--clip-grad-norm", type=float, default=0.0, help="0 = off")
    parser.add_argument("--adamw", default="default", choices=["default", "loop", "foreach", "fused"],
                        help="torch.optim.AdamW implementation; default: PyTorch's choice (foreach on CUDA)")
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile the teacher and the model (default mode); needs --warmup >= 1")
    parser.add_argument("--phases", action="store_true",
                        help="time teacher, student, backward and optimizer, synchronising after each (as mmkd bench)")
    parser.add_argument("--count-only", action="store_true", help="print the parameter counts and exit")
    a = parser.parse_args()
    if a.compile and a.warmup < 1:
        parser.error("--compile needs --warmup >= 1: the first step compiles")

    torch.set_num_threads(a.threads if a.threads > 0 else os.cpu_count())
    device = torch.device("cuda" if a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available()) else "cpu")
    autocast = device.type == "cuda" and a.precision == "bf16"
    torch.manual_seed(0)
    teacher = VisionTransformer(a.image_size, a.patch_size, a.dim, a.teacher_depth, a.heads, position="none",
                                qkv_bias="qv", layer_scale=0.1, relative_position=True, mean_pooling=True)
    model = SSmke(a)
    for line in (parameter_line("teacher", "BEiT v2 ViT", teacher), parameter_line("image", "ViT", model.image),
                 parameter_line("text", "BERT", model.text), parameter_line("shared", "shared transformer", model.shared),
                 parameter_line("itc_linear1", "clip", model.itc_linear1),
                 parameter_line("itc_linear2", "clip", model.itc_linear2)):
        print(line)
    if a.count_only:
        return

    teacher_dtype = torch.bfloat16 if a.teacher_precision == "bf16" else torch.float32
    teacher = teacher.to(device, teacher_dtype).eval().requires_grad_(False)
    model = model.to(device).train()
    optimizer = make_adamw(model, a.adamw)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_with_warmup(a.warmup + a.steps))
    if a.compile:
        teacher, model = torch.compile(teacher), torch.compile(model)
    mean = torch.tensor(IMAGENET_MEAN, device=device).reshape(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).reshape(1, 3, 1, 1)

    generator = torch.Generator().manual_seed(1)
    image = torch.randn(a.batch_size, 3, a.image_size, a.image_size, generator=generator).to(device)
    ids = torch.randint(4, a.vocab_size, (a.batch_size, a.text_len), generator=generator)
    lengths = torch.randint(a.text_len // 2, a.text_len + 1, (a.batch_size, 1), generator=generator)
    mask = (torch.arange(a.text_len)[None] < lengths).long()
    ids, mask = (ids * mask).to(device), mask.to(device)

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize()

    phase_seconds = {}
    clock = [0.0]

    def phase_end(name):  # as mmkd's trainer.time_phases: synchronise, then read the clock
        if not a.phases:
            return
        synchronize()
        now = time.perf_counter()
        phase_seconds[name] = phase_seconds.get(name, 0.0) + now - clock[0]
        clock[0] = now

    def step():
        optimizer.zero_grad(set_to_none=True)
        clock[0] = time.perf_counter()
        with torch.no_grad():
            teacher_cls = teacher(((image - mean) / std).to(teacher_dtype))[0][:, 0].float()
        phase_end("teacher")
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = model(image, ids, mask, teacher_cls)
        value = loss.item()
        phase_end("student")
        loss.backward()
        phase_end("backward")
        if a.clip_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip_grad_norm)
        optimizer.step()
        schedule.step()
        phase_end("optimizer")
        return value

    for _ in range(a.warmup):
        step()
    synchronize()
    phase_seconds.clear()
    start = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    synchronize()
    seconds = time.perf_counter() - start
    if a.phases:
        total = sum(phase_seconds.values()) / a.steps
        print(f"step {total:.4f} s over {a.steps} steps:" + "".join(
            f" {name} {t / a.steps:.4f} s ({100 * t / a.steps / total:.0f}%)" for name, t in phase_seconds.items()))
    print(f"device {device}, threads {torch.get_num_threads()}, precision {a.precision} (autocast {autocast}), "
          f"teacher {a.teacher_precision}, torch {torch.__version__} {'torch.compile' if a.compile else 'eager'}, "
          f"last loss {loss:.4f}")
    print(f"step_ms {1000 * seconds / a.steps:.2f}")
    print(f"samples_per_second {a.steps * a.batch_size / seconds:.2f}")


if __name__ == "__main__":
    main()

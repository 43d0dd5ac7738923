"""PyTorch baseline for `metacot bench train`: the same LLaMA-style model and AdamW step, timed.

Run with Debian's python3 (the one python3-torch is installed for), not a pyenv/venv python:
    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 bench/torch_train.py --layers 4 --d-model 128 --heads 4 --ff 384 --vocab 64 --ctx 256 --batch 16 --steps 12
It names OpenBLAS's core from the CPU flags (name_openblas_core): in VMs with a generic CPU model name OpenBLAS
otherwise falls back to its slow Prescott kernels.
Prints one JSON line: step_ms_median, step_ms_min, cpu_ms_median (process CPU time, all threads),
tokens_per_s, threads (best of --threads 1,2 by default).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time


def name_openblas_core():
    """OpenBLAS picks its kernels from the CPU's model name; in VMs that report a generic "Intel(R) Xeon(R)
    Processor" it falls back to its Prescott (SSE3) kernels, 4-5x slower. Name the core from the CPU flags before
    torch loads OpenBLAS, so the baseline is not handicapped (a value the user set wins)."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read().split()
    except OSError:
        return
    if "avx512f" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif "avx2" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


name_openblas_core()
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch is not installed for this python; run: apt-get install -y python3-torch libopenblas0-pthread "
          "and use /usr/bin/python3", file=sys.stderr)
    sys.exit(3)


class Model(torch.nn.Module):
    def __init__(self, V, C, L, H, FF, T):
        super().__init__()
        self.H, self.D = H, C // H
        self.emb = torch.nn.Parameter(torch.randn(V, C) * 0.02)
        self.layers = torch.nn.ModuleList()
        for _ in range(L):
            m = torch.nn.Module()
            m.an = torch.nn.Parameter(torch.ones(C))
            m.q, m.k, m.v, m.o = (torch.nn.Linear(C, C, bias=False) for _ in range(4))
            m.fn = torch.nn.Parameter(torch.ones(C))
            m.gate, m.up = torch.nn.Linear(C, FF, bias=False), torch.nn.Linear(C, FF, bias=False)
            m.down = torch.nn.Linear(FF, C, bias=False)
            self.layers.append(m)
        self.on = torch.nn.Parameter(torch.ones(C))
        self.head = torch.nn.Linear(C, V, bias=False)
        D = self.D
        freq = 10000.0 ** (-2 * torch.arange(D // 2) / D)
        ang = torch.arange(T)[:, None] * freq[None, :]  # (T, D/2)
        self.register_buffer("cos", ang.cos()[None, :, None, :])
        self.register_buffer("sin", ang.sin()[None, :, None, :])
        self.register_buffer("mask", torch.full((T, T), float("-inf")).triu(1))

    @staticmethod
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def rope(self, x):  # x: (B,T,H,D), adjacent pairs (llama.cpp NORM layout)
        x0, x1 = x[..., 0::2], x[..., 1::2]
        c, s = self.cos[:, : x.shape[1]], self.sin[:, : x.shape[1]]
        return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)

    def forward(self, idx, tgt):
        B, T = idx.shape
        x = self.emb[idx]
        for m in self.layers:
            a = self.rms(x, m.an)
            q = self.rope(m.q(a).view(B, T, self.H, self.D)).transpose(1, 2)
            k = self.rope(m.k(a).view(B, T, self.H, self.D)).transpose(1, 2)
            v = m.v(a).view(B, T, self.H, self.D).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(self.D) + self.mask[:T, :T]
            y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, -1)
            x = x + m.o(y)
            h = self.rms(x, m.fn)
            x = x + m.down(F.silu(m.gate(h)) * m.up(h))
        logits = self.head(self.rms(x, self.on))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), tgt.view(-1))


def run(args, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Model(args.vocab, args.d_model, args.layers, args.heads, args.ff, args.ctx)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    idx = torch.randint(0, args.vocab, (args.batch, args.ctx))
    tgt = torch.randint(0, args.vocab, (args.batch, args.ctx))
    times, cpu = [], []
    for i in range(args.steps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        loss = model(idx, tgt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if i > 0:  # the first step warms caches and allocators
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return times, cpu


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff", type=int, default=384)
    p.add_argument("--vocab", type=int, default=64)
    p.add_argument("--ctx", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--threads", type=str, default="1,2")
    args = p.parse_args()
    best = None
    for th in [int(t) for t in args.threads.split(",")]:
        times, cpu = run(args, th)
        med = statistics.median(times)
        if best is None or med < best["step_ms_median"]:
            best = {"step_ms_median": med, "step_ms_min": min(times), "cpu_ms_median": statistics.median(cpu),
                    "threads": th}
    best["tokens_per_s"] = args.batch * args.ctx / (best["step_ms_median"] / 1000)
    best["torch"] = torch.__version__
    best["openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE", "auto")
    print(json.dumps(best))


if __name__ == "__main__":
    main()

"""PyTorch reference for `metacot bench rl`: one RL step of the same model on the same workload, timed.

`metacot bench rl` writes the workload of its last timed step (the prompts, the completions it sampled,
the sequences and per-token weights of its update) and runs this script on it:
    /usr/bin/python3 bench/torch_rl.py workload.json
Run it with Debian's python3 (apt-get install -y python3-torch libopenblas0-pthread); OpenBLAS's core is named
from the CPU flags as in bench/torch_train.py.

The three phases, as a PyTorch user would write them:
  sample  all sequences in one batch: prefill of the right-padded prompts, then one decode step per token
          with a preallocated KV cache, a softmax and a multinomial draw per row, the log-prob of the token
          taken; the token fed back is the workload's (so both engines do the same work), and finished rows
          leave the batch (the cache is compacted) once a quarter of the batch is done, as ours do.
  score   the reference model on prompt + completion, batches sorted by length, log-softmax gathered at
          the completion tokens, under inference_mode (when our step ran it: not while the policy still
          has the reference's weights).
  grad    forward + backward of the weighted NLL over the learned sequences (batches of `batch_size`,
          sorted by length and padded), global-norm clipping at 1, one AdamW update.
Weights are random: the work does not depend on them. Each thread count (1 and the workload's) warms up on
the first 16 sequences, then runs the whole step; each phase reports its faster thread count.
Prints one JSON line: {"step_s", "phases": {"sample": {"s", "threads"}, ...}, "threads"}.
"""
import json
import math
import sys
import time

import torch_train  # first: it names OpenBLAS's core, then loads torch (or says how to install it)
import torch
import torch.nn.functional as F

TrainModel = torch_train.Model


class Model(TrainModel):
    """torch_train.py's model (the same parameters and maths) with per-token positions and a KV cache."""

    def __init__(self, cfg):
        V, C, L, H, FF, T = (cfg[k] for k in ("vocabSize", "dModel", "nLayers", "nHeads", "dFF", "contextLength"))
        super().__init__(V, C, L, H, FF, T)
        self.eps = cfg["normEps"]
        D = C // H
        freq = cfg["ropeTheta"] ** (-2 * torch.arange(D // 2) / D)
        ang = torch.arange(T)[:, None] * freq[None, :]  # (T, D/2)
        self.register_buffer("pos_cos", ang.cos())
        self.register_buffer("pos_sin", ang.sin())

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def rope_at(self, x, pos):  # x: (B,S,H,D), pos: (B,S); adjacent pairs (llama.cpp NORM layout)
        c, s = self.pos_cos[pos][:, :, None, :], self.pos_sin[pos][:, :, None, :]
        x0, x1 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)

    def forward(self, idx, pos, bias, cache=None, at=None):
        """idx, pos: (B,S); bias: additive (B|1,1,S,keys). With a cache ([(K,V)] per layer, (B,H,cap,D)), the
        new keys/values are written at slots `at` (B,) (decode, S = 1) and attention runs over the first
        bias.shape[-1] slots. Returns the final hidden states (B,S,C)."""
        B, S = idx.shape
        x = self.emb[idx]
        for li, m in enumerate(self.layers):
            a = self.rms(x, m.an)
            q = self.rope_at(m.q(a).view(B, S, self.H, self.D), pos).transpose(1, 2)
            k = self.rope_at(m.k(a).view(B, S, self.H, self.D), pos).transpose(1, 2)
            v = m.v(a).view(B, S, self.H, self.D).transpose(1, 2)
            if cache is not None:
                K, Vc = cache[li]
                if at is None:  # prefill: the prompt's keys and values fill the first S slots
                    K[:, :, :S] = k
                    Vc[:, :, :S] = v
                else:
                    rows = torch.arange(B)
                    K[rows, :, at] = k[:, :, 0]
                    Vc[rows, :, at] = v[:, :, 0]
                    n = bias.shape[-1]
                    k, v = K[:, :, :n], Vc[:, :, :n]
            att = (q @ k.transpose(-2, -1)) / math.sqrt(self.D) + bias
            y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, S, -1)
            x = x + m.o(y)
            h = self.rms(x, m.fn)
            x = x + m.down(F.silu(m.gate(h)) * m.up(h))
        return self.rms(x, self.on)


def causal(S):
    return torch.full((S, S), float("-inf")).triu(1)[None, None]


def right_padded(seqs):
    S = max(len(s) for s in seqs)
    idx = torch.zeros(len(seqs), S, dtype=torch.long)
    for i, s in enumerate(seqs):
        idx[i, : len(s)] = torch.tensor(s)
    return idx, torch.arange(S)[None].expand(len(seqs), S)


@torch.inference_mode()
def sample(model, prompts, completions, cfg):
    B, H, D = len(prompts), model.H, model.D
    cap = max(len(p) + len(c) for p, c in zip(prompts, completions))
    cache = [(torch.zeros(B, H, cap, D), torch.zeros(B, H, cap, D)) for _ in model.layers]
    idx, pos = right_padded(prompts)
    h = model(idx, pos, causal(idx.shape[1]), cache)
    lens = torch.tensor([len(p) for p in prompts])
    logits = model.head(h[torch.arange(B), lens - 1])
    rows = list(range(B))  # rows[j]: the sequence in cache row j
    step = 0
    while True:
        torch.multinomial(logits.softmax(-1), 1)
        # rows already done stay in the batch (recomputing their last token) until the next compaction
        taken = torch.tensor([completions[i][min(step, len(completions[i]) - 1)] for i in rows])
        logits.log_softmax(-1).gather(1, taken[:, None])
        step += 1
        still = [j for j, i in enumerate(rows) if step < len(completions[i])]
        if not still:
            return
        if len(still) <= 0.75 * len(rows):
            keep = torch.tensor(still)
            cache = [(K[keep], V[keep]) for K, V in cache]
            taken, rows = taken[keep], [rows[j] for j in still]
        at = torch.tensor([len(prompts[i]) + min(step, len(completions[i])) - 1 for i in rows])
        n = int(at.max()) + 1
        bias = torch.where(torch.arange(n)[None] <= at[:, None], 0.0, float("-inf"))[:, None, None, :]
        logits = model.head(model(taken[:, None], at[:, None], bias, cache, at)[:, 0])


@torch.inference_mode()
def score(model, prompts, completions, per_batch=64):
    seqs = [p + c for p, c in zip(prompts, completions)]
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    for s in range(0, len(order), per_batch):
        batch = order[s : s + per_batch]
        idx, pos = right_padded([seqs[i] for i in batch])
        lp = model.head(model(idx, pos, causal(idx.shape[1]))).log_softmax(-1)
        for b, i in enumerate(batch):
            p, c = len(prompts[i]), len(completions[i])
            lp[b, p - 1 : p - 1 + c].gather(1, torch.tensor(completions[i])[:, None])


def grad(model, opt, learn, batch_size, loss_scale):
    order = sorted(range(len(learn)), key=lambda i: len(learn[i]["tokens"]))
    opt.zero_grad(set_to_none=True)
    for s in range(0, len(order), batch_size):
        batch = [learn[i] for i in order[s : s + batch_size]]
        idx, pos = right_padded([e["tokens"][:-1] for e in batch])
        tgt, _ = right_padded([e["tokens"][1:] for e in batch])
        w = torch.zeros(idx.shape)
        for b, e in enumerate(batch):
            w[b, : len(e["tokens"]) - 1] = torch.tensor(e["weights"][1:])
        logits = model.head(model(idx, pos, causal(idx.shape[1])))
        nll = F.cross_entropy(logits.view(-1, logits.shape[-1]), tgt.view(-1), reduction="none")
        ((nll * w.view(-1)).sum() * loss_scale).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def timed_step(w, threads):
    """Per-phase seconds of one step on `threads` threads, after a warm-up on a slice of the workload."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    policy = Model(w["model"])
    reference = Model(w["model"])
    reference.load_state_dict(policy.state_dict())
    opt = torch.optim.AdamW(policy.parameters(), lr=w["lr"], betas=(0.9, 0.95), weight_decay=0)
    times = {}
    for n in (16, len(w["prompts"])):
        prompts, completions = w["prompts"][:n], w["completions"][:n]
        t0 = time.perf_counter()
        sample(policy, prompts, completions, w["model"])
        t1 = time.perf_counter()
        if w["reference_pass"]:
            score(reference, prompts, completions)
        t2 = time.perf_counter()
        grad(policy, opt, w["learn"][:n], w["batch_size"], w["loss_scale"])
        t3 = time.perf_counter()
        times = {"sample": t1 - t0, "score": t2 - t1, "grad": t3 - t2}
    return times


def main():
    w = json.load(open(sys.argv[1]))
    # PyTorch on one thread is often faster than on two for these small shapes (measured here: the
    # gradient phase 9.3 s on 1 thread, 17.3 s on 2), so each phase gets its best thread count.
    runs = {t: timed_step(w, t) for t in sorted({1, w["threads"]})}
    phases = {}
    for name in ("sample", "score", "grad"):
        t = min(runs, key=lambda k: runs[k][name])
        phases[name] = {"s": runs[t][name], "threads": t}
    step = sum(p["s"] for p in phases.values())
    print(json.dumps({"step_s": step, "phases": phases, "threads": w["threads"]}))


if __name__ == "__main__":
    main()

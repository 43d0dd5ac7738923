"""A stand-in for GPT-NeoX's OnlineDataset client, for tests of `metacot serve-rollouts --protocol neox`.

It does what megatron/data/online_dataset.py (update_online_batches, __getitem__) does, on Debian's python3
standard library only:
  connect -> send(split) -> recv(4096) until b"" -> pickle.loads
  leave-one-out advantages A_i = r_i - mean_{j != i} r_j, per group, before flattening
  each sample: text = prefix + completion, label = [-100]*len(prefix) + completion, padded to seq_length + 1
It checks the schema and the lengths NeoX relies on and prints one JSON object:
  {"groups": [...], "samples": [...], "errors": [...]}
Usage: neox_client.py HOST PORT SPLIT SEQ_LENGTH
"""

import json
import pickle
import socket
import sys


def fetch(host, port, split):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((host, port))
    s.send(split.encode())
    chunks = []
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        chunks.append(chunk)
    s.close()
    return b"".join(chunks)


def check_group(k, g, errors):
    if not isinstance(g, dict):
        errors.append("group %d is %s, not dict" % (k, type(g).__name__))
        return False
    for key in ("prefix", "completions", "rewards"):
        if key not in g:
            errors.append("group %d has no %r" % (k, key))
            return False
    if not isinstance(g["prefix"], list) or not all(type(t) is int for t in g["prefix"]):
        errors.append("group %d: prefix is not a list of int" % k)
    comps = g["completions"]
    if not isinstance(comps, list) or not all(isinstance(c, list) and all(type(t) is int for t in c) for c in comps):
        errors.append("group %d: completions is not a list of lists of int" % k)
        return False
    if len(comps) < 2:
        errors.append("group %d: %d completions; leave-one-out needs >= 2" % (k, len(comps)))
    rewards = g["rewards"]
    if not isinstance(rewards, list) or not all(type(r) is float for r in rewards):
        errors.append("group %d: rewards is not a list of float" % k)
        return False
    if len(rewards) < len(comps):
        errors.append("group %d: %d rewards for %d completions" % (k, len(rewards), len(comps)))
        return False
    return True


def main():
    host, port, split, seq_length = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    raw = fetch(host, port, split)
    errors = []
    try:
        data = pickle.loads(raw)
    except Exception as e:  # noqa: BLE001 - report any failure to the test
        print(json.dumps({"groups": [], "samples": [], "errors": ["pickle.loads failed: %r (%d bytes)" % (e, len(raw))]}))
        return
    if not isinstance(data, list) or len(data) == 0:
        errors.append("payload is not a non-empty list")
        data = []
    groups, samples = [], []
    for k, g in enumerate(data):
        if not check_group(k, g, errors):
            continue
        rewards = g["rewards"]
        n = len(g["completions"])
        advantages = []
        for i in range(n):
            others = [rewards[j] for j in range(n) if j != i]
            advantages.append(rewards[i] - sum(others) / len(others) if others else float("nan"))
        groups.append({"prefix": g["prefix"], "completions": g["completions"], "rewards": rewards, "advantages": advantages})
        for i, c in enumerate(g["completions"]):
            text = g["prefix"] + c
            label = [-100] * len(g["prefix"]) + c
            if len(text) > seq_length + 1:
                errors.append("group %d completion %d: %d tokens > seq_length + 1 = %d" % (k, i, len(text), seq_length + 1))
            if len(text) <= seq_length:
                label = label + [-100] * (seq_length + 1 - len(text))
                text = text + [0] * (seq_length + 1 - len(text))
            samples.append({"length": len(text), "trained": sum(1 for t in label if t != -100), "advantage": advantages[i]})
    print(json.dumps({"groups": groups, "samples": samples, "errors": errors}))


if __name__ == "__main__":
    main()

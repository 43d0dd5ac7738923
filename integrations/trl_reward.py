"""TRL reward function (GRPOTrainer(reward_funcs=[reward_func])) backed by the metacot reward server.

The gold answer is read from the dataset column named by METACOT_GOLD_COLUMN, else the first of
"solution", "answer", "ground_truth", "gold" that the batch has. Start the server first:
`metacot serve-reward --port 5000` (see metacot_client.py for the environment variables).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metacot_client import verify_batch  # noqa: E402

GOLD_COLUMNS = ("solution", "answer", "ground_truth", "gold")


def _text(completion):
    # conversational completions are lists of messages; the answer is in the last one
    if isinstance(completion, list):
        return completion[-1].get("content", "") if completion else ""
    return completion


def reward_func(prompts, completions, **kwargs):
    """One float per completion: 1.0 when its final answer equals the gold answer, else 0.0."""
    column = os.environ.get("METACOT_GOLD_COLUMN")
    if column is None:
        column = next((c for c in GOLD_COLUMNS if c in kwargs), None)
    if column is None or column not in kwargs:
        raise KeyError("no gold column: pass one of %s, or set METACOT_GOLD_COLUMN" % (GOLD_COLUMNS,))
    golds = kwargs[column]
    items = [{"gold": str(g), "response": _text(c)} for g, c in zip(golds, completions)]
    return [1.0 if v["correct"] else 0.0 for v in verify_batch(items)]

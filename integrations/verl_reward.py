"""verl custom reward function backed by the metacot reward server.

verl config:
  reward.custom_reward_function.path=/abs/path/integrations/verl_reward.py
  reward.custom_reward_function.name=compute_score
Start the server first: `metacot serve-reward --port 5000` (see metacot_client.py for the environment variables).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metacot_client import verify  # noqa: E402


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """Returns {"score": 1.0 or 0.0, ...}; the other numeric keys are logged by verl as reward_extra_info."""
    if isinstance(ground_truth, (list, tuple)):
        ground_truth = ", ".join(str(g) for g in ground_truth)
    verdict = verify(str(ground_truth), solution_str)
    score = 1.0 if verdict["correct"] else 0.0
    return {
        "score": score,
        "acc": score,
        "no_answer": 1.0 if verdict["reason"] == "no_answer" else 0.0,
        "hedged": 1.0 if verdict["reason"] == "hedged" else 0.0,
        "timeout": 1.0 if verdict["reason"] == "timeout" else 0.0,
    }

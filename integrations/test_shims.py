"""Exercises the verl and TRL shims against a running server (METACOT_REWARD_URL). Run by test/verify/integrations.test.ts."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from trl_reward import reward_func  # noqa: E402
from verl_reward import compute_score  # noqa: E402

verl = [
    compute_score("math", "so the answer is $\\boxed{\\frac{1}{2}}$", "0.5"),
    # nine different boxed answers: a spray of guesses is graded "hedged" (the last box counts up to eight)
    compute_score("math", " or ".join(f"\\boxed{{{k}}}" for k in range(1, 10)), "9"),
    compute_score("gsm8k", "no answer here", "7", {"index": 0}),
    compute_score("olympiad", "\\boxed{1}, \\boxed{2}", ["1", "2"]),
]
trl = reward_func(
    prompts=["p1", "p2", "p3"],
    completions=[
        [{"role": "assistant", "content": "#### 18"}],
        "The final answer is $x^2+2x+1$.",
        "\\boxed{2^{2021}}",
    ],
    solution=["18", "(x+1)^2", "2^{2020}"],
)
print(json.dumps({"verl": verl, "trl": trl}))

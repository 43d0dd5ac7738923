"""Minimal client for the metacot reward server (`metacot serve-reward`). Standard library only.

Configuration (environment):
  METACOT_REWARD_URL    base URL of the server (default http://127.0.0.1:5000)
  METACOT_REWARD_TOKEN  bearer token, if the server was started with --token
  METACOT_REWARD_TIMEOUT  seconds per HTTP request (default 300)
"""

import json
import os
import time
import urllib.error
import urllib.request


def _base_url():
    return os.environ.get("METACOT_REWARD_URL", "http://127.0.0.1:5000").rstrip("/")


def verify_batch(items, retries=3):
    """items: list of {"gold": str, "response": str} -> list of verdict dicts (correct, reason, extracted, ...).

    Input order is preserved. Transport errors are retried with a short back-off, then raised: a reward that
    silently turns into 0 would corrupt training without anyone noticing.
    """
    body = json.dumps({"items": items}).encode("utf-8")
    headers = {"content-type": "application/json"}
    token = os.environ.get("METACOT_REWARD_TOKEN")
    if token:
        headers["authorization"] = "Bearer " + token
    timeout = float(os.environ.get("METACOT_REWARD_TIMEOUT", "300"))
    last = None
    for attempt in range(retries):
        request = urllib.request.Request(_base_url() + "/verify", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))["results"]
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace")
            if err.code < 500:
                raise RuntimeError("metacot reward server refused the request (%d): %s" % (err.code, detail))
            last = RuntimeError("metacot reward server error (%d): %s" % (err.code, detail))
        except (urllib.error.URLError, OSError) as err:
            last = err
        time.sleep(0.5 * (attempt + 1))
    raise RuntimeError("metacot reward server unreachable at %s: %s" % (_base_url(), last))


def verify(gold, response):
    """One check: returns the verdict dict."""
    return verify_batch([{"gold": str(gold), "response": response}])[0]

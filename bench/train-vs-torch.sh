#!/usr/bin/env bash
# One AdamW training step of the same LLaMA-style model: metacot (ONNX Runtime, 2 threads) vs PyTorch
# (Debian python3-torch + OpenBLAS, best of 1 and 2 threads), measured in the same run. Prints both JSON
# lines and the ratio ours/PyTorch of median step times (target <= 1.0, aim 0.5).
#   bench/train-vs-torch.sh                  # reference model: 4 layers, d 128, 4 heads, ff 384, vocab 64, ctx 256, batch 16
#   bench/train-vs-torch.sh --batch 32 --ctx 128
# Needs `npm run build` first. The machine is shared: run it twice and keep the better ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=(--layers 4 --d-model 128 --heads 4 --ff 384 --vocab 64 --ctx 256 --batch 16 --steps 12 "$@")
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "PyTorch is not installed for $PY. Install the baseline with:" >&2
  echo "  apt-get install -y python3-torch libopenblas0-pthread" >&2
  exit 3
fi
# alternate the two ROUNDS times (default 2) and keep each side's best median: the machine is shared
ROUNDS=${ROUNDS:-2}
best() { node -e 'const xs = process.argv.slice(1).map((s) => JSON.parse(s)); xs.sort((a, b) => a.step_ms_median - b.step_ms_median); console.log(JSON.stringify(xs[0]))' "$@"; }
O=(); P=()
for _ in $(seq "$ROUNDS"); do
  O+=("$(node dist/cli/main.js bench train "${ARGS[@]}" --json)")
  P+=("$("$PY" bench/torch_train.py "${ARGS[@]}")")
done
ours=$(best "${O[@]}")
torch=$(best "${P[@]}")
echo "metacot: $ours"
echo "pytorch: $torch"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
node -e '
  const [a, b] = process.argv.slice(1).map((s) => JSON.parse(s));
  const r = a.step_ms_median / b.step_ms_median;
  console.log(`ratio metacot/pytorch = ${r.toFixed(3)} (${a.step_ms_median.toFixed(1)} ms vs ${b.step_ms_median.toFixed(1)} ms, torch threads ${b.threads})`);
  const c = a.cpu_ms_median / b.cpu_ms_median;
  console.log(`cpu-time ratio = ${c.toFixed(3)} (${a.cpu_ms_median.toFixed(1)} vs ${b.cpu_ms_median.toFixed(1)} ms CPU per step; steadier when the machine is shared)`);
' "$ours" "$torch"

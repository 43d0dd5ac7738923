#!/usr/bin/env bash
# The demo's RL step on this engine against the engine before the throughput work (BASE, default 0598ea2:
# the commit that added `metacot bench rl` and changed nothing else), measured in the same run: the two
# alternate ROUNDS times (default 2) and each keeps its best, as the machine is shared. This build also
# runs the PyTorch reference (bench/torch_rl.py) once, on its own workload.
#   bench/rl-vs-baseline.sh                    # needs a finished `metacot demo` in runs/demo
#   RUN=/path/to/run ROUNDS=3 bench/rl-vs-baseline.sh
# Needs `npm run build` first; builds BASE in a temporary git worktree.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/demo}
BASE=${BASE:-0598ea2}
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-3}
if [ ! -f "$RUN/config.json" ]; then
  echo "no run in $RUN: run \`npx metacot demo\` first (about 9 minutes), or set RUN=folder" >&2
  exit 3
fi
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add --detach "$tmp/base" "$BASE" >/dev/null 2>&1
ln -s "$PWD/node_modules" "$tmp/base/node_modules"
(cd "$tmp/base" && npx tsc -p tsconfig.build.json)
run=$(cd "$RUN" && pwd)
best() { node -e 'const xs = process.argv.slice(1).map((s) => JSON.parse(s)); xs.sort((a, b) => a.step_s - b.step_s); console.log(JSON.stringify(xs[0]))' "$@"; }
O=(); B=()
for r in $(seq "$ROUNDS"); do
  B+=("$(node "$tmp/base/dist/cli/main.js" bench rl --run "$run" --steps "$STEPS" --python none --json)")
  py=none
  [ "$r" = 1 ] && py=/usr/bin/python3
  O+=("$(node dist/cli/main.js bench rl --run "$run" --steps "$STEPS" --python "$py" --json)")
done
ours=$(best "${O[@]}")
base=$(best "${B[@]}")
torch=$(node -e 'for (const s of process.argv.slice(1)) { const j = JSON.parse(s); if (j.torch_step_s) { console.log(j.torch_step_s); process.exit(0); } } console.log("null")' "${O[@]}")
echo "this build: $ours"
echo "baseline ($BASE): $base"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
node -e '
  const [a, b, torch] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2]), JSON.parse(process.argv[3])];
  const row = (name, x, y) => `  ${name.padEnd(16)} ${x.toFixed(2).padStart(7)} s  ${y.toFixed(2).padStart(7)} s  x${(y / x).toFixed(2)}`;
  console.log("                      this    baseline   speed-up");
  console.log(row("RL step", a.step_s, b.step_s));
  console.log(row("first step", a.first_step_s, b.first_step_s));
  for (const k of ["sample", "score", "grad"]) console.log(row(`  ${k}`, a.phases[k].s, b.phases[k].s));
  for (const k of ["sample", "score", "grad"]) console.log(`  ${k} at ${(100 * a.phases[k].peak_fraction).toFixed(1)}% of the ${a.peak_gflops.toFixed(0)} GFLOP/s matmul peak`);
  if (torch) console.log(`PyTorch ${torch.toFixed(2)} s: ours / PyTorch = ${(a.step_s / torch).toFixed(3)}`);
' "$ours" "$base" "$torch"

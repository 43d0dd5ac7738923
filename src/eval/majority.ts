/**
 * Majority voting over extracted answers (self-consistency, Wang et al. 2022). Answers are grouped into clusters
 * of equivalent answers; the largest cluster wins, ties going to the cluster seen first. Samples without an
 * answer (null) do not vote; if none has one, there is no majority answer (counted as wrong).
 */

export interface Voted {
  /** Cluster id of each sample (-1 for samples without an answer). */
  cluster: number[];
}

/** Index of the first sample of the winning cluster among `samples` (indices into `cluster`), or -1. */
export function majorityIndex(cluster: readonly number[], samples: readonly number[]): number {
  const counts = new Map<number, { count: number; first: number }>();
  for (const i of samples) {
    const c = cluster[i];
    if (c < 0) continue;
    const e = counts.get(c);
    if (e) e.count++;
    else counts.set(c, { count: 1, first: i });
  }
  let best = -1;
  let bestCount = 0;
  // Map keeps insertion order, so a strict > keeps the first-seen cluster on ties
  for (const { count, first } of counts.values())
    if (count > bestCount) {
      bestCount = count;
      best = first;
    }
  return best;
}

/**
 * Assigns cluster ids to answers. Identical strings share a cluster without asking; each new distinct answer is
 * compared with one representative per existing cluster through `equivalent` (the verifier), in order.
 */
export async function clusterAnswers(
  answers: ReadonlyArray<string | null>,
  equivalent: (a: string, b: string) => Promise<boolean>,
): Promise<number[]> {
  const reps: string[] = [];
  const byText = new Map<string, number>();
  const out: number[] = [];
  for (const a of answers) {
    if (a === null) {
      out.push(-1);
      continue;
    }
    let id = byText.get(a);
    if (id === undefined) {
      for (let r = 0; r < reps.length && id === undefined; r++) if (await equivalent(reps[r], a)) id = r;
      if (id === undefined) {
        id = reps.length;
        reps.push(a);
      }
      byText.set(a, id);
    }
    out.push(id);
  }
  return out;
}

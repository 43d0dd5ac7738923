/**
 * Cuts generated text before the earliest stop string. Backends that stop on strings themselves (our
 * Sampler, llama.cpp) keep the token that completed the match, so the text runs past the stop string.
 */
export function cutAtStop(
  text: string,
  stop: readonly string[] | undefined,
): { text: string; stopped: boolean } {
  let at = -1;
  for (const s of stop ?? []) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at < 0 ? { text, stopped: false } : { text: text.slice(0, at), stopped: true };
}

/** A seed for requests that give none: fresh per call, so unseeded sampling differs between calls. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

import { type CountdownStep, parseStep } from '../arithmetic.js';
import type { TraceFormat } from './format.js';

/** One line of a trace, read back into structure. Unreadable lines come back as `invalid`. */
export type TraceLine =
  | { kind: 'header'; target: number; nums: number[] }
  | { kind: 'try'; step: CountdownStep; nums: number[]; outcome: 'goal' | 'no' | null }
  | { kind: 'descend' | 'back'; path: CountdownStep[]; nums: number[] }
  | { kind: 'fail' }
  | { kind: 'invalid'; text: string };

const nums = (s: string) => (s.trim() === '' ? [] : s.trim().split(/[ ,]+/).map(Number));
const steps = (s: string): CountdownStep[] | null => {
  if (s.trim() === '') return [];
  const out = s.split(',').map((x) => parseStep(x.replace(/'/g, '')));
  return out.every((x) => x !== null) ? (out as CountdownStep[]) : null;
};

const COMPACT = {
  header: /^target (\d+) \[([\d ]*)\]$/,
  // `vs T` in the compact format, `vs 1:1 6:4` in the digitwise one, nothing in the terse one.
  try: /^try (\S+) \[([\d ]*)\](?: (?:vs (?:\d+|\d:\d(?: \d:\d)*) )?(goal|no))?$/,
  back: /^back (?:(\S+) )?\[([\d ]*)\]$/,
};

/** Parses a compact-, terse- or digitwise-format trace line by line. */
export function parseCompactTrace(text: string): TraceLine[] {
  const out: TraceLine[] = [];
  let path: CountdownStep[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = COMPACT.try.exec(line);
    if (m) {
      const step = parseStep(m[1]);
      out.push(
        step
          ? { kind: 'try', step, nums: nums(m[2]), outcome: (m[3] as 'goal' | 'no' | undefined) ?? null }
          : { kind: 'invalid', text: line },
      );
      continue;
    }
    if (line === 'go') {
      // Descends into the node of the last `try`: its path is the current one plus that step.
      const last = out.findLast((l) => l.kind === 'try');
      out.push(
        last?.kind === 'try'
          ? { kind: 'descend', path: [...path, last.step], nums: last.nums }
          : { kind: 'invalid', text: line },
      );
      if (last?.kind === 'try') path = [...path, last.step];
      continue;
    }
    m = COMPACT.back.exec(line);
    if (m) {
      const p = steps(m[1] ?? '');
      out.push(p ? { kind: 'back', path: p, nums: nums(m[2]) } : { kind: 'invalid', text: line });
      if (p) path = p;
      continue;
    }
    m = COMPACT.header.exec(line);
    if (m) {
      out.push({ kind: 'header', target: Number(m[1]), nums: nums(m[2]) });
      continue;
    }
    out.push(line === 'fail' ? { kind: 'fail' } : { kind: 'invalid', text: line });
  }
  return out;
}

const SOS = {
  state: /^Current State: (\d+):\[([\d, ]*)\], Operations: \[(.*)\]$/,
  explore: /^Exploring Operation: (\S+), Resulting Numbers: \[([\d, ]*)\]$/,
  check: /^(\d+),(\d+) (equal: Goal Reached|unequal: No Solution)$/,
  moving: /^Moving to Node #[\d,]+$/,
  generated: /^Generated Node #[\d,]+: \d+:\[[\d, ]*\] Operation: \S+$/,
};

/** Parses a Stream-of-Search-format trace into the same lines as the compact format. */
export function parseSosTrace(text: string): TraceLine[] {
  const out: TraceLine[] = [];
  let sawHeader = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = SOS.state.exec(line);
    if (m) {
      const path = steps(m[3]);
      if (!path) out.push({ kind: 'invalid', text: line });
      else if (!sawHeader) out.push({ kind: 'header', target: Number(m[1]), nums: nums(m[2]) });
      else out.push({ kind: 'back', path, nums: nums(m[2]) });
      sawHeader = true;
      continue;
    }
    m = SOS.explore.exec(line);
    if (m) {
      const step = parseStep(m[1]);
      out.push(
        step ? { kind: 'try', step, nums: nums(m[2]), outcome: null } : { kind: 'invalid', text: line },
      );
      continue;
    }
    m = SOS.check.exec(line);
    if (m) {
      const last = out[out.length - 1];
      if (last?.kind === 'try') last.outcome = m[3].startsWith('equal') ? 'goal' : 'no';
      else out.push({ kind: 'invalid', text: line });
      continue;
    }
    // "Moving to Node" and "Generated Node" lines repeat what the neighbouring lines say.
    if (SOS.moving.test(line) || SOS.generated.test(line)) continue;
    out.push(line === 'No solution found.' ? { kind: 'fail' } : { kind: 'invalid', text: line });
  }
  // SoS text does not say whether a move descends or jumps back: descending extends the current path by one step.
  let current: CountdownStep[] = [];
  for (const l of out) {
    if (l.kind === 'back' || l.kind === 'descend') {
      const extends1 =
        l.path.length === current.length + 1 && current.every((s, i) => fmt(s) === fmt(l.path[i]));
      l.kind = extends1 ? 'descend' : 'back';
      current = l.path;
    }
  }
  return out;
}

export function parseTrace(text: string, format: TraceFormat): TraceLine[] {
  return format === 'sos' ? parseSosTrace(text) : parseCompactTrace(text);
}

/**
 * The solution a trace claims: the path of the node the search was at when it first reported the
 * goal, plus the goal step. Null when the trace never reaches the goal. The steps are only what the
 * text says; `verifyCountdown` decides whether they are right.
 */
export function extractSolution(text: string, format: TraceFormat): string[] | null {
  let path: CountdownStep[] = [];
  for (const l of parseTrace(text, format)) {
    if (l.kind === 'descend' || l.kind === 'back') path = l.path;
    else if (l.kind === 'try' && l.outcome === 'goal') return [...path, l.step].map(fmt);
  }
  return null;
}

const fmt = (s: CountdownStep) => `${s.a}${s.op}${s.b}=${s.result}`;

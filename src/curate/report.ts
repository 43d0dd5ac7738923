/**
 * The build report: per-source × per-filter counts, examples of each removal, malformed lines, the
 * difficulty distribution and timings. Collected while rows stream past; examples are capped, so
 * memory does not grow with the data.
 */
import type { Decontaminator } from './decontaminate.js';
import { RULE_FILTERS } from './filters/index.js';
import { DEFAULT_LSH } from './lsh.js';
import { SIGNALS, type SignalName, type Signals } from './types.js';

/** A kept row whose difficulty was not measured: the backend refused its request (e.g. too long a prompt). */
export interface SkippedRow {
  id: string;
  file: string;
  line: number;
  message: string;
}

export interface SourceStats {
  source: string;
  files: string[];
  rows: number;
  malformed: number;
  kept: number;
  removed: number;
  /** rows on which each signal fired (signals overlap: one row can count under several) */
  signals: Partial<Record<SignalName, number>>;
}

export interface RemovalExample {
  source: string;
  file: string;
  line: number;
  problem: string;
  answer: string | null;
  reason: string;
}

export interface BuildReport {
  format: 'metacot.curate.report';
  version: 1;
  created: string;
  inputs: string[];
  outputs: string[];
  filters: { name: SignalName; description: string; removes: boolean }[];
  totals: { rows: number; malformed: number; kept: number; removed: number };
  sources: SourceStats[];
  malformed: { file: string; line: number; message: string }[];
  examples: Partial<Record<SignalName, RemovalExample[]>>;
  decontamination: { testSets: { name: string; problems: number }[]; n: number; minOverlap: number } | null;
  nearDuplicates: { numPerm: number; bands: number; rows: number; threshold: number; shingle: number } | null;
  difficulty: {
    backend: string;
    rollouts: number;
    measured: number;
    quintiles: { quintile: number; range: string; count: number; share: number }[];
    unsolved: number;
    /** rows left unmeasured because the backend refused them (kept, with solve_rate null) */
    skipped: number;
    /** the first of them, with where they came from and the backend's message */
    skipped_rows: SkippedRow[];
  } | null;
  timing: { seconds: number; rowsPerSecond: number; maxRssMB: number };
}

/** Every filter with what it looks for and whether it removes rows. */
export function filterList(
  removing: ReadonlySet<SignalName>,
  near: { threshold: number; shingle: number } | null,
  decon: Decontaminator | null,
): BuildReport['filters'] {
  return [
    ...RULE_FILTERS.map((f) => ({ name: f.name, description: f.description, removes: removing.has(f.name) })),
    {
      name: 'exact_duplicate',
      description:
        'same problem after normalization (case, spacing, quotes, \\dfrac, \\left/\\right) as an earlier kept row',
      removes: removing.has('exact_duplicate'),
    },
    {
      name: 'near_duplicate',
      description: `MinHash LSH over word ${near?.shingle ?? 3}-grams: estimated Jaccard ≥ ${near?.threshold ?? DEFAULT_LSH.threshold} with an earlier kept row whose answer is the same`,
      removes: near !== null && removing.has('near_duplicate'),
    },
    {
      name: 'contaminated',
      description: decon
        ? `≥ ${Math.round(decon.options.minOverlap * 100)}% of its word ${decon.options.n}-grams occur in a test set (${decon.testSets.map((t) => t.name).join(', ')})`
        : 'n-gram overlap with test sets (none given)',
      removes: removing.has('contaminated'),
    },
  ];
}

export class ReportCollector {
  readonly sources = new Map<string, SourceStats>();
  readonly malformed: { file: string; line: number; message: string }[] = [];
  readonly examples: Partial<Record<SignalName, RemovalExample[]>> = {};
  malformedCount = 0;

  constructor(
    private readonly maxExamples = 5,
    private readonly maxMalformed = 100,
  ) {}

  private stats(source: string, file: string): SourceStats {
    let s = this.sources.get(source);
    if (!s) {
      s = { source, files: [], rows: 0, malformed: 0, kept: 0, removed: 0, signals: {} };
      this.sources.set(source, s);
    }
    if (!s.files.includes(file)) s.files.push(file);
    return s;
  }

  addMalformed(source: string, file: string, line: number, message: string): void {
    this.stats(source, file).malformed++;
    this.malformedCount++;
    if (this.malformed.length < this.maxMalformed) this.malformed.push({ file, line, message });
  }

  addRow(
    row: { source: string; file: string; line: number; problem: string; answer: string | null },
    signals: Signals,
    removedBy: SignalName[],
  ): void {
    const s = this.stats(row.source, row.file);
    s.rows++;
    for (const name of Object.keys(signals) as SignalName[]) s.signals[name] = (s.signals[name] ?? 0) + 1;
    if (removedBy.length === 0) {
      s.kept++;
      return;
    }
    s.removed++;
    for (const name of removedBy) {
      const list = this.examples[name] ?? [];
      this.examples[name] = list;
      if (list.length < this.maxExamples) {
        list.push({
          source: row.source,
          file: row.file,
          line: row.line,
          problem: row.problem.length > 400 ? `${row.problem.slice(0, 400)}…` : row.problem,
          answer: row.answer,
          reason: signals[name]!,
        });
      }
    }
  }

  totals(): BuildReport['totals'] {
    const t = { rows: 0, malformed: 0, kept: 0, removed: 0 };
    for (const s of this.sources.values()) {
      t.rows += s.rows;
      t.malformed += s.malformed;
      t.kept += s.kept;
      t.removed += s.removed;
    }
    return t;
  }

  sortedSources(): SourceStats[] {
    return [...this.sources.values()].sort((a, b) => a.source.localeCompare(b.source));
  }
}

export { SIGNALS };

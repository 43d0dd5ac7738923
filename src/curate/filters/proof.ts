/**
 * Proofs: an instruction to prove, show, demonstrate or verify ("Prove that", "... and show that",
 * "Verify that"), or to give a proof. Narrative uses do not count: "results show that", "needs to
 * show that", "It can be shown that" (AIME's phrasing before a numeric question), "improve".
 */
import type { ProblemRecord, RuleFilter } from '../types.js';

/** where an instruction can start: text start, after a sentence or clause mark, a part label, or and/or/then */
const AT = String.raw`(?:^|[.!?:;)]\s*|\n\s*|\b(?:and|or|then|also|please)\s+)`;
const PROOF = new RegExp(
  `${AT}(?:show|demonstrate)\\s+that\\b|${AT}prove\\b|(?:^|[.!?]\\s+|\\n\\s*)(?:verify|justify)\\s+that\\b|` +
    String.raw`\b(?:give|write|provide|complete|construct)\s+(?:a|an|the)\s+(?:\w+\s+)?proof\b`,
  'i',
);

export const proofFilter: RuleFilter = {
  name: 'proof',
  description: '"prove", "show that", "demonstrate that", "give a proof", sentence-initial "verify that"',
  check(r: ProblemRecord) {
    const m = PROOF.exec(r.problem);
    return m ? `asks for a proof: '${m[0].trim()}'` : null;
  },
};

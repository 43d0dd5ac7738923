/**
 * Every rule filter on real rows of ../shared/data/math (file:line noted), positive and negative,
 * plus a few written cases where the shared data has no example (marked "written").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, record, sharedRecord } from '../../../test/curate/shared-rows.js';
import { loadSymbolicEngine } from '../../verify/symbolic.js';
import type { ProblemRecord, RuleFilter } from '../types.js';
import { missingAnswerFilter, unparsableAnswerFilter } from './answer.js';
import { figureFilter } from './figure.js';
import { hyperlinkFilter } from './hyperlink.js';
import { languageFilter } from './language.js';
import { multiPartFilter } from './multi-part.js';
import { multipleChoiceFilter, optionMarkers } from './multiple-choice.js';
import { proofFilter } from './proof.js';
import { trueFalseFilter } from './true-false.js';
import { yesNoFilter } from './yes-no.js';

const fires = (f: RuleFilter, r: ProblemRecord) => f.check(r);
const shared = describe.skipIf(!HAVE_SHARED);

beforeAll(async () => {
  await loadSymbolicEngine();
});

shared('non_english (shared data)', () => {
  it('flags Chinese problems, with or without formulas', () => {
    expect(fires(languageFilter, sharedRecord('cmath.test.jsonl', 1))).toMatch(/Han script/);
    expect(fires(languageFilter, sharedRecord('cn_middle_school.test.jsonl', 1))).toMatch(/Han script/);
    // "已知 $a \in R$, 函数 ... 则 $a=(\quad)$": mostly LaTeX, a few Chinese words
    expect(fires(languageFilter, sharedRecord('gaokao_math_cloze.test.jsonl', 1))).toMatch(/Han script/);
  });
  it('keeps English problems, formula-heavy ones included', () => {
    for (const [file, line] of [
      ['gsm8k.test.jsonl', 1],
      ['math500.test.jsonl', 2],
      ['olympiadbench.test.jsonl', 1],
      ['college_math.test.jsonl', 1],
      ['carp_en.test.jsonl', 1],
      ['gaokao2023en.test.jsonl', 1],
    ] as const) {
      expect(fires(languageFilter, sharedRecord(file, line)), `${file}:${line}`).toBeNull();
    }
  });
});

describe('non_english (written)', () => {
  it('flags Latin-script languages by the detector and other scripts by share', () => {
    expect(fires(languageFilter, record('Berechnen Sie den Wert von x, wenn 2x + 3 = 7 ist.'))).toMatch(
      /'de'/,
    );
    expect(
      fires(languageFilter, record('Jean a 5 pommes et il en mange 2. Combien de pommes lui reste-t-il ?')),
    ).toMatch(/'fr'/);
    expect(fires(languageFilter, record('Найдите значение x, если 2x+3=7.'))).toMatch(/Cyrillic/);
  });
  it('does not judge two words, and ignores a lone foreign character in English prose', () => {
    expect(fires(languageFilter, record('Find quotient: $\\frac{x^2-1}{x-1}$'))).toBeNull();
    expect(
      fires(
        languageFilter,
        record('The Chinese character 田 is drawn with five strokes. How many strokes are in two of them?'),
      ),
    ).toBeNull();
  });
});

describe('hyperlink (written: the shared problems have none)', () => {
  it('flags URLs, www hosts and \\url/\\href', () => {
    expect(
      fires(hyperlinkFilter, record('See https://artofproblemsolving.com/wiki for the rules. Find $x$.')),
    ).toMatch(/link/);
    expect(fires(hyperlinkFilter, record('From www.example.org: how many primes are below 20?'))).toMatch(
      /link/,
    );
    expect(fires(hyperlinkFilter, record('As in \\href{http://a.b}{this} problem, find $n$.'))).toMatch(
      /link/,
    );
  });
  it('does not flag decimals, file-like names or ellipses', () => {
    expect(
      fires(
        hyperlinkFilter,
        record('A price of $3.50 rises by 10%. What is the new price? (See www-notes.)'),
      ),
    ).toBeNull();
    expect(fires(hyperlinkFilter, record('Compute 1.5 + 2.25 + ... + 10.5.'))).toBeNull();
  });
});

shared('multiple_choice', () => {
  it('flags option fields, option letters and listed options', () => {
    expect(fires(multipleChoiceFilter, sharedRecord('aqua.test.jsonl', 1))).toMatch(/option field 'options'/);
    expect(fires(multipleChoiceFilter, sharedRecord('mmlu_stem.test.jsonl', 1))).toMatch(
      /option field 'choices'/,
    );
    expect(fires(multipleChoiceFilter, sharedRecord('sat_math.test.jsonl', 1))).toMatch(/option field/);
    expect(fires(multipleChoiceFilter, sharedRecord('gaokao_math_qa.test.jsonl', 1))).toMatch(/option field/);
    // "下列四个数中，最小的数是()\nA.-2  B.0  C. 3  D.  -1/2" with answer -2: options only in the text
    expect(optionMarkers(sharedRecord('cn_middle_school.test.jsonl', 1).problem)).toBe('A. … B. … C. … D.');
    // MATH-500: "(A) Line (B) Circle ..." with answer \text{(E)}
    expect(fires(multipleChoiceFilter, sharedRecord('math500.test.jsonl', 256))).toMatch(/option letter/);
    expect(fires(multipleChoiceFilter, sharedRecord('gaokao2023en.test.jsonl', 170))).toMatch(
      /option letter/,
    );
  });
  it('does not flag point names and "(A)" labels in open problems', () => {
    // "angle BAD and angle CDA are trisected", "points A, B, C, D and O", tangents meeting at four points: answers 80, 160, 15
    for (const line of [95, 190, 446]) {
      expect(
        fires(multipleChoiceFilter, sharedRecord('math500.test.jsonl', line)),
        `math500:${line}`,
      ).toBeNull();
    }
    expect(fires(multipleChoiceFilter, sharedRecord('aime24.test.jsonl', 1))).toBeNull();
    expect(fires(multipleChoiceFilter, sharedRecord('amc23.test.jsonl', 1))).toBeNull();
  });
});

describe('multiple_choice (written)', () => {
  it('needs all of A-D: a lone "A)" inside mathematics is not an option list', () => {
    expect(
      fires(
        multipleChoiceFilter,
        record('If $P(A) = 0.3$ and $P(B)=0.5$ for independent events, find $P(A \\cap B)$.', '0.15'),
      ),
    ).toBeNull();
    expect(
      fires(
        multipleChoiceFilter,
        record('Let $f(x) = (x + A) (x + B)$ with A) a constant. Find $f(0)$ when $A=B=2$.', '4'),
      ),
    ).toBeNull();
    expect(fires(multipleChoiceFilter, record('What is 2+2?\n(A) 3 (B) 4 (C) 5 (D) 6', '4'))).toMatch(
      /options in the text/,
    );
  });
});

shared('yes_no', () => {
  it('flags yes/no answers', () => {
    expect(fires(yesNoFilter, sharedRecord('asdiv.test.jsonl', 76))).toMatch(/answer is 'Yes'/);
    expect(fires(yesNoFilter, sharedRecord('college_math.test.jsonl', 43))).toMatch(/answer is 'Yes'/);
    // "Is $\mathbf{v} \perp \mathbf{w}$ ? Justify your answer." answered "Yes, since ..."
    expect(fires(yesNoFilter, sharedRecord('college_math.test.jsonl', 2038))).toMatch(
      /answer is 'Yes, since/,
    );
  });
  it('keeps numeric questions', () => {
    expect(fires(yesNoFilter, sharedRecord('gsm8k.test.jsonl', 1))).toBeNull();
    expect(fires(yesNoFilter, sharedRecord('math500.test.jsonl', 1))).toBeNull();
  });
});

describe('yes_no (written)', () => {
  it('reads an auxiliary-verb question as yes/no only when the answer does not settle it', () => {
    expect(fires(yesNoFilter, record('Is 91 a prime number?', null))).toMatch(/final question/);
    expect(fires(yesNoFilter, record('Can you find the value of $x$ if $2x=6$?', '3'))).toBeNull();
    expect(fires(yesNoFilter, record('Answer yes or no: is 7 odd?', null))).toMatch(/yes or no/);
    expect(fires(yesNoFilter, record('How many solutions are there?', 'No solution'))).toBeNull();
    // mmlu_stem.test.jsonl:2951 (its answer is an option index, so written here without options)
    expect(
      fires(
        yesNoFilter,
        record('Mary must identify the number by asking "yes/no" questions of Bob. How many?', '10'),
      ),
    ).toBeNull();
  });
});

describe('true_false', () => {
  it('flags true/false answers and questions (written)', () => {
    expect(fires(trueFalseFilter, record('Every prime greater than 2 is odd.', 'True'))).toMatch(
      /answer is 'True'/,
    );
    expect(fires(trueFalseFilter, record('True or false: $\\sqrt{2}$ is rational.', null))).toMatch(
      /true or false/i,
    );
    expect(
      fires(trueFalseFilter, record('Determine whether the statement is true: $0.\\overline{9} = 1$.', null)),
    ).toMatch(/whether the statement is true/);
  });
  it.skipIf(!HAVE_SHARED)('keeps stories that mention true/false questions (gsm8k.test:877)', () => {
    expect(fires(trueFalseFilter, sharedRecord('gsm8k.test.jsonl', 877))).toBeNull();
    expect(fires(trueFalseFilter, sharedRecord('gsm8k_openai.train.jsonl', 1311))).toBeNull();
  });
});

shared('multi_part', () => {
  it('flags several sub-questions and several blanks', () => {
    // "Determine which equations are exact and solve them:\n1. ... 2. ..."
    expect(fires(multiPartFilter, sharedRecord('college_math.test.jsonl', 2753))).toMatch(/1\. … 2\./);
    // "$a_{1}=(\quad)$, $a_{2}+a_{3}+a_{4}=(\quad)$"
    expect(fires(multiPartFilter, sharedRecord('gaokao_math_cloze.test.jsonl', 2))).toMatch(
      /2 answer blanks/,
    );
  });
  it('does not flag enumerated conditions or references to parts', () => {
    // "the game terminates as soon as ... one of the following holds: (1) ... (2) ..."
    expect(fires(multiPartFilter, sharedRecord('olympiadbench.test.jsonl', 60))).toBeNull();
    // "This rule should satisfy the following conditions: 1. ... 2. ... 3. ... How many ways ...?"
    expect(fires(multiPartFilter, sharedRecord('olympiadbench.test.jsonl', 79))).toBeNull();
    // "placed ... so that: (i) ... (ii) ..."
    expect(fires(multiPartFilter, sharedRecord('olympiadbench.test.jsonl', 10))).toBeNull();
    // "satisfactory if either (a) ... or (b) ..."
    expect(fires(multiPartFilter, sharedRecord('olympiadbench.test.jsonl', 554))).toBeNull();
  });
});

describe('multi_part (written)', () => {
  it('flags (a)/(b) questions and "Part 1 … Part 2", not f(a) or equation references', () => {
    expect(
      fires(
        multiPartFilter,
        record('A box holds 5 balls. (a) How many ways to pick 2? (b) How many to pick 3?'),
      ),
    ).toMatch(/\(a\) … \(b\)/);
    expect(
      fires(multiPartFilter, record('Part 1: find the mean of 2, 4. Part 2: what is the median?')),
    ).toMatch(/Part/);
    expect(fires(multiPartFilter, record('Let $f(a) = a^2$ and $f(b) = 4$. Find $b > 0$.', '2'))).toBeNull();
    expect(
      fires(multiPartFilter, record('Substituting (1) into (2) gives $x = 3$. Find $y$ if $y = 2x$.', '6')),
    ).toBeNull();
  });
});

shared('proof', () => {
  it('flags requests for proofs', () => {
    expect(fires(proofFilter, sharedRecord('olympiadbench.test.jsonl', 61))).toMatch(/Show that/);
    expect(fires(proofFilter, sharedRecord('college_math.test.jsonl', 2212))).toMatch(/Verify that/);
    expect(fires(proofFilter, sharedRecord('olympiadbench.test.jsonl', 46))).toMatch(/show that/);
  });
  it('keeps narrative uses of "show that"', () => {
    // "Wilson's report card needs to show that he received 80 or higher"
    expect(fires(proofFilter, sharedRecord('gsm8k.test.jsonl', 387))).toBeNull();
    // "Their results show that the size doubled"
    expect(fires(proofFilter, sharedRecord('gsm8k_openai.train.jsonl', 3756))).toBeNull();
    // "Evaluate the three integrals ... and verify that A=B+C": a computation
    expect(fires(proofFilter, sharedRecord('college_math.test.jsonl', 1698))).toBeNull();
  });
  it('written: "Prove that" flags, "It can be shown that" and "improve" do not', () => {
    expect(fires(proofFilter, record('Prove that there are infinitely many primes.', null))).toMatch(/Prove/);
    expect(
      fires(proofFilter, record('It can be shown that $S$ is an integer. Find $S \\bmod 7$.', '3')),
    ).toBeNull();
    expect(
      fires(proofFilter, record('To improve, Ann runs 2 km more each day. How far on day 5?', '10')),
    ).toBeNull();
  });
});

shared('figure', () => {
  it('flags Asymptote figures and references to a diagram', () => {
    expect(fires(figureFilter, sharedRecord('aime24.test.jsonl', 22))).toMatch(/\[asy\]/);
    expect(fires(figureFilter, sharedRecord('college_math.test.jsonl', 2449))).toMatch(/following picture/);
    expect(fires(figureFilter, sharedRecord('minerva_math.test.jsonl', 199))).toMatch(/includegraphics/);
  });
  it('keeps problems whose "shown below" content is in the text', () => {
    // "Rows 1, 2, 3, 4, and 5 of a triangular array of integers are shown below. 1 / 1 1 / ..."
    expect(fires(figureFilter, sharedRecord('amc23.test.jsonl', 11))).toBeNull();
    // "Alexander draws 9 pictures for an exhibition"
    expect(fires(figureFilter, sharedRecord('gsm8k_openai.train.jsonl', 6756))).toBeNull();
    // written: a text-only copy of a MATH problem whose graph was dropped
    expect(
      fires(figureFilter, record('The graph of $y = ax^2 + bx + c$ is shown below. Find $a + b + c$.')),
    ).toMatch(/refers to a figure/);
    expect(
      fires(figureFilter, record('Sketch the graph of $y = x^2$ and find its vertex.', '(0,0)')),
    ).toBeNull();
    // the solution has an [asy] block, the problem does not
    expect(fires(figureFilter, sharedRecord('math500.test.jsonl', 1))).toBeNull();
  });
});

shared('missing_answer / unparsable_answer', () => {
  it('flags a missing gold and a gold the verifier reads as text', () => {
    expect(fires(missingAnswerFilter, sharedRecord('gaokao2023en.test.jsonl', 168))).not.toBeNull();
    expect(fires(unparsableAnswerFilter, sharedRecord('math500.test.jsonl', 5))).toMatch(/Evelyn/);
    expect(fires(unparsableAnswerFilter, sharedRecord('asdiv.test.jsonl', 76))).toMatch(/as text/);
  });
  it('extracts golds from solutions (GSM8K ####, Minerva \\boxed) and parses them', () => {
    const gsm = sharedRecord('gsm8k.test.jsonl', 1);
    expect(gsm.answer).toBe('18');
    expect(gsm.answerFrom).toBe('field');
    const minerva = sharedRecord('minerva_math.test.jsonl', 1);
    expect(minerva.answer).toBe('1.6');
    expect(minerva.answerFrom).toBe('solution');
    expect(fires(missingAnswerFilter, minerva)).toBeNull();
    expect(fires(unparsableAnswerFilter, sharedRecord('math500.test.jsonl', 1))).toBeNull();
    expect(sharedRecord('mawps.test.jsonl', 1).answer).toBe('43');
  });
});

/**
 * A small recursive-descent parser for the LaTeX subset that final answers use. It never evaluates anything,
 * bounds its own recursion depth, and throws ParseError (caught by the verifier) on anything it does not know.
 */
import { type Expr, type RelOp, resolveDegrees } from './ast.js';
import {
  FUNCS,
  GREEK,
  MATRIX_ENVS,
  MAX_DEPTH,
  mixedNumber,
  mul,
  num,
  ParseError,
  REL,
  type Tok,
  tokenize,
} from './lex.js';
import { reduceMatrices } from './matrix.js';
import { CASES_ENVS, readCases } from './piecewise.js';
import { readSetBuilder } from './setbuilder.js';

export { FUNCTION_NAMES, ParseError, tokenize } from './lex.js';

class Parser {
  private p = 0;
  constructor(
    private readonly toks: Tok[],
    private depth = 0,
  ) {}

  private peek(o = 0): Tok | undefined {
    return this.toks[this.p + o];
  }
  private isOp(s: string, o = 0): boolean {
    const t = this.toks[this.p + o];
    return t !== undefined && t.k === 'op' && t.s === s;
  }
  private isCmd(s: string, o = 0): boolean {
    const t = this.toks[this.p + o];
    return t !== undefined && t.k === 'cmd' && t.s === s;
  }
  private expectOp(s: string): void {
    if (!this.isOp(s)) throw new ParseError(`expected '${s}'`);
    this.p++;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ParseError('nesting too deep');
  }

  parseTop(): Expr {
    const e = this.parseList();
    if (this.p < this.toks.length) throw new ParseError(`unexpected '${this.peek()!.s}'`);
    return e;
  }

  private parseList(): Expr {
    const items = [this.parseRel()];
    while (this.isOp(',') || this.isOp(';')) {
      this.p++;
      if (this.p >= this.toks.length) break;
      items.push(this.parseRel());
    }
    return items.length === 1 ? items[0]! : { t: 'list', items };
  }

  private relOp(): RelOp | 'in' | undefined {
    const t = this.peek();
    if (!t) return undefined;
    if (t.k === 'op' && REL[t.s]) return REL[t.s];
    if (t.k === 'cmd' && t.s === 'in') return 'in';
    if (t.k === 'cmd' && REL[t.s]) return REL[t.s];
    return undefined;
  }

  private parseRel(): Expr {
    const first = this.parseRatio();
    const items = [first];
    const ops: RelOp[] = [];
    for (let op = this.relOp(); op; op = this.relOp()) {
      this.p++;
      const rhs = this.parseRatio();
      // `x \in [1,2)` states the answer set itself
      if (op === 'in') {
        if (ops.length > 0) throw new ParseError('\\in inside a chain');
        items[0] = rhs;
        continue;
      }
      ops.push(op);
      items.push(rhs);
    }
    return ops.length === 0 ? items[0]! : { t: 'rel', ops, items };
  }

  /** `5:6` (ratios, and clock times in word problems) compares component by component */
  private parseRatio(): Expr {
    const items = [this.parseUnion()];
    while (this.isOp(':')) {
      this.p++;
      items.push(this.parseUnion());
    }
    return items.length === 1 ? items[0]! : { t: 'tuple', items };
  }

  private parseUnion(): Expr {
    const items = [this.parseAdd()];
    while (this.isCmd('cup')) {
      this.p++;
      items.push(this.parseAdd());
    }
    return items.length === 1 ? items[0]! : { t: 'union', items };
  }

  private parseAdd(): Expr {
    this.enter();
    let terms: Expr[] = [];
    if (this.isCmd('pm') || this.isCmd('mp')) {
      this.p++;
      terms = [{ t: 'pm', a: null, b: this.parseMul() }];
    } else terms.push(this.parseUnary());
    for (;;) {
      if (this.isOp('+')) {
        this.p++;
        terms.push(this.parseUnary());
      } else if (this.isOp('-')) {
        this.p++;
        terms.push({ t: 'neg', a: this.parseUnary() });
      } else if (this.isCmd('pm') || this.isCmd('mp')) {
        this.p++;
        const b = this.parseMul();
        const a: Expr = terms.length === 1 ? terms[0]! : { t: 'add', a: terms };
        terms = [{ t: 'pm', a, b }];
      } else break;
    }
    this.depth--;
    return terms.length === 1 ? terms[0]! : { t: 'add', a: terms };
  }

  private parseUnary(): Expr {
    if (this.isOp('-')) {
      this.p++;
      this.enter();
      const a = this.parseUnary();
      this.depth--;
      return { t: 'neg', a };
    }
    if (this.isOp('+')) {
      this.p++;
      return this.parseUnary();
    }
    return this.parseMul();
  }

  private parseMul(): Expr {
    this.enter();
    let acc: Expr = this.parsePow();
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (
        (t.k === 'op' && t.s === '*') ||
        (t.k === 'cmd' && (t.s === 'cdot' || t.s === 'times' || t.s === 'ast'))
      ) {
        this.p++;
        acc = mul(acc, this.parsePowSigned());
      } else if ((t.k === 'op' && t.s === '/') || (t.k === 'cmd' && t.s === 'div')) {
        this.p++;
        acc = { t: 'div', a: acc, b: this.parsePowSigned() };
      } else if (this.startsAtom()) {
        const next = this.parsePow();
        acc = mixedNumber(acc, next) ?? mul(acc, next);
      } else break;
    }
    this.depth--;
    return acc;
  }

  private parsePowSigned(): Expr {
    if (this.isOp('-')) {
      this.p++;
      return { t: 'neg', a: this.parsePowSigned() };
    }
    return this.parsePow();
  }

  private startsAtom(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.k === 'num' || t.k === 'id') return true;
    if (t.k === 'op') return t.s === '(' || t.s === '{' || t.s === '[';
    return (
      t.s === 'frac' ||
      t.s === 'sqrt' ||
      t.s === 'pi' ||
      t.s === 'infty' ||
      t.s === 'binom' ||
      t.s === 'lfloor' ||
      t.s === 'lceil' ||
      t.s === 'begin' ||
      t.s === 'langle' ||
      FUNCS.has(t.s) ||
      GREEK.has(t.s) ||
      t.s === 'mathbb'
    );
  }

  private parsePow(): Expr {
    this.enter();
    let base = this.parsePostfix(this.parseAtom());
    if (this.isOp('^')) {
      this.p++;
      const exp = this.parseExponent();
      base = this.parsePostfix({ t: 'pow', a: base, b: exp });
    }
    this.depth--;
    return base;
  }

  private parseExponent(): Expr {
    if (this.isOp('-')) {
      this.p++;
      return { t: 'neg', a: this.parseExponent() };
    }
    if (this.isOp('{')) return this.parseAtom();
    const t = this.peek();
    if (t?.k === 'num') {
      this.p++;
      const base = num(t.s);
      // 9^9^9 is a tower: right-associative
      if (this.isOp('^')) {
        this.p++;
        this.enter();
        const e: Expr = { t: 'pow', a: base, b: this.parseExponent() };
        this.depth--;
        return e;
      }
      return base;
    }
    return this.parsePow();
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      if (this.isOp('!')) {
        this.p++;
        e = { t: 'fn', name: 'fact', args: [e] };
      } else if (this.isCmd('degreemark')) {
        this.p++;
        e = { t: 'fn', name: 'deg', args: [e] };
      } else if (this.isOp('_')) {
        this.p++;
        const sub = this.rawGroupText();
        if (e.t === 'num' && e.sig === undefined && /^\d+$/.test(sub)) {
          const base = Number(sub);
          const digits = e.v.n.toString();
          if (base < 2 || base > 36) throw new ParseError('bad base');
          e = { t: 'base', digits, base };
        } else if (e.t === 'var') e = { t: 'var', name: `${e.name}_${sub}` };
        else throw new ParseError('unexpected subscript');
      } else if (this.isOp("'")) {
        throw new ParseError('prime');
      } else return e;
    }
  }

  /** The text of the next token or `{...}` group, for subscripts. */
  private rawGroupText(): string {
    const t = this.peek();
    if (!t) throw new ParseError('missing subscript');
    if (t.k === 'op' && t.s === '{') {
      let depth = 0;
      let s = '';
      for (;;) {
        const u = this.toks[this.p++];
        if (!u) throw new ParseError('unclosed subscript');
        if (u.k === 'op' && u.s === '{') depth++;
        else if (u.k === 'op' && u.s === '}') depth--;
        if (depth === 0) return s.trim();
        if (!(u.k === 'op' && u.s === '{' && depth === 1)) s += u.k === 'cmd' ? `\\${u.s}` : u.s;
      }
    }
    this.p++;
    if (t.k === 'num') {
      // `a_12` in LaTeX subscripts only the first digit; answers mean the whole number
      return t.s;
    }
    return t.k === 'cmd' ? `\\${t.s}` : t.s;
  }

  /** A LaTeX macro argument: `{...}` or a single token (`\frac12`, `\sqrt2`). */
  private parseArg(): Expr {
    const t = this.peek();
    if (!t) throw new ParseError('missing argument');
    if (t.k === 'op' && t.s === '{') return this.parseAtom();
    if (t.k === 'num') {
      this.p++;
      if (t.s.length > 1 && !t.s.includes('.')) {
        this.toks.splice(this.p, 0, { k: 'num', s: t.s.slice(1) });
        return num(t.s[0]!);
      }
      return num(t.s);
    }
    return this.parseAtom();
  }

  private parseAtom(): Expr {
    const t = this.peek();
    if (!t) throw new ParseError('unexpected end');
    this.enter();
    this.p++;
    let out: Expr;
    if (t.k === 'num') out = num(t.s);
    else if (t.k === 'id') {
      out =
        t.s === 'e'
          ? { t: 'const', name: 'e' }
          : t.s === 'i'
            ? { t: 'const', name: 'i' }
            : { t: 'var', name: t.s };
    } else if (t.k === 'op') out = this.parseBracket(t.s);
    else out = this.parseCommand(t.s);
    this.depth--;
    return out;
  }

  private parseBracket(open: string): Expr {
    if (open === '{') {
      if (this.isOp('}')) {
        this.p++;
        throw new ParseError('empty group');
      }
      const e = this.parseList();
      this.expectOp('}');
      return e;
    }
    if (open === '|') {
      const e = this.parseAdd();
      this.expectOp('|');
      return { t: 'fn', name: 'abs', args: [e] };
    }
    if (open !== '(' && open !== '[') throw new ParseError(`unexpected '${open}'`);
    const items = [this.parseRel()];
    while (this.isOp(',')) {
      this.p++;
      items.push(this.parseRel());
    }
    const close = this.peek();
    if (close?.k !== 'op' || (close.s !== ')' && close.s !== ']')) throw new ParseError('unclosed bracket');
    this.p++;
    const infinite = (e: Expr): boolean =>
      (e.t === 'const' && e.name === 'inf') || (e.t === 'neg' && infinite(e.a));
    if (
      items.length === 2 &&
      (open !== '(' || close.s !== ')' || infinite(items[0]!) || infinite(items[1]!))
    ) {
      return { t: 'interval', lo: items[0]!, hi: items[1]!, loOpen: open === '(', hiOpen: close.s === ')' };
    }
    if (items.length === 1) {
      if (open !== '(' && close.s === ')') throw new ParseError('mismatched brackets');
      return items[0]!;
    }
    return { t: 'tuple', items };
  }

  private parseCommand(c: string): Expr {
    if (c === 'frac') {
      const a = this.parseArg();
      const b = this.parseArg();
      return { t: 'div', a, b };
    }
    if (c === 'binom') {
      const a = this.parseArg();
      const b = this.parseArg();
      return { t: 'fn', name: 'binom', args: [a, b] };
    }
    if (c === 'sqrt') {
      if (this.isOp('[')) {
        this.p++;
        const n = this.parseAdd();
        this.expectOp(']');
        return { t: 'fn', name: 'root', args: [this.parseArg(), n] };
      }
      return { t: 'fn', name: 'sqrt', args: [this.parseArg()] };
    }
    if (c === 'pi') return { t: 'const', name: 'pi' };
    // an ellipsis is an opaque term: `1, 2, \ldots` is not the list 1, 2, and a chain through `\cdots` still ends
    if (c === 'ldots') return { t: 'var', name: '…' };
    if (c === 'infty' || c === 'infin') return { t: 'const', name: 'inf' };
    if (c === 'emptyset' || c === 'varnothing') return { t: 'set', items: [] };
    if (c === 'mathbb') {
      const name = this.rawGroupText();
      if (name === 'R') {
        const inf: Expr = { t: 'const', name: 'inf' };
        return { t: 'interval', lo: { t: 'neg', a: inf }, hi: inf, loOpen: true, hiOpen: true };
      }
      throw new ParseError(`\\mathbb{${name}}`);
    }
    if (GREEK.has(c)) return { t: 'var', name: c };
    if (c === '{') {
      const built = readSetBuilder(this.toks, this.p, this.depth);
      if (built) {
        this.p = built.end;
        return built.expr;
      }
      if (this.isCmd('}')) {
        this.p++;
        return { t: 'set', items: [] };
      }
      const e = this.parseList();
      if (!this.isCmd('}')) throw new ParseError('unclosed set');
      this.p++;
      return { t: 'set', items: e.t === 'list' ? e.items : [e] };
    }
    if (c === 'langle') {
      const items = [this.parseAdd()];
      while (this.isOp(',')) {
        this.p++;
        items.push(this.parseAdd());
      }
      if (!this.isCmd('rangle')) throw new ParseError('unclosed langle');
      this.p++;
      return { t: 'tuple', items };
    }
    if (c === 'lfloor' || c === 'lceil') {
      const e = this.parseAdd();
      if (!this.isCmd(c === 'lfloor' ? 'rfloor' : 'rceil')) throw new ParseError(`unclosed ${c}`);
      this.p++;
      return { t: 'fn', name: c === 'lfloor' ? 'floor' : 'ceil', args: [e] };
    }
    if (c === '|' || c === 'vert' || c === 'lvert') {
      const e = this.parseAdd();
      if (!(this.isCmd('|') || this.isCmd('vert') || this.isCmd('rvert')))
        throw new ParseError('unclosed norm');
      this.p++;
      return { t: 'fn', name: 'abs', args: [e] };
    }
    if (c === 'begin') return this.parseEnv();
    if (FUNCS.has(c)) return this.parseFunction(c);
    throw new ParseError(`unsupported \\${c}`);
  }

  private parseFunction(name: string): Expr {
    let power: Expr | undefined;
    let base: Expr | undefined;
    for (;;) {
      if (this.isOp('^') && !power) {
        this.p++;
        power = this.parseExponent();
      } else if (this.isOp('_') && !base) {
        this.p++;
        base = this.parseArg();
      } else break;
    }
    let args: Expr[];
    if (this.isOp('(')) {
      this.p++;
      args = [this.parseAdd()];
      while (this.isOp(',')) {
        this.p++;
        args.push(this.parseAdd());
      }
      this.expectOp(')');
    } else {
      // `\sin 2x` is sin(2x): the argument runs over an operator-free product
      let arg = this.parsePow();
      while (this.startsAtom() && !FUNCS.has(this.peek()!.s)) arg = mul(arg, this.parsePow());
      args = [arg];
    }
    if (base) args.push(base);
    const f: Expr = { t: 'fn', name: name === 'lg' ? 'log10' : name, args };
    if (name === 'log' && !base) f.name = 'ln';
    return power ? { t: 'pow', a: f, b: power } : f;
  }

  private parseEnv(): Expr {
    const env = this.rawGroupText();
    if (CASES_ENVS.has(env)) {
      const cases = readCases(this.toks, this.p, this.depth);
      this.p = cases.end;
      return cases.expr;
    }
    if (!MATRIX_ENVS.has(env)) throw new ParseError(`unsupported environment ${env}`);
    if (env === 'array' && this.isOp('{')) this.rawGroupText();
    const rows: Expr[][] = [[]];
    for (;;) {
      if (this.isCmd('end')) {
        this.p++;
        this.rawGroupText();
        break;
      }
      if (this.isCmd('\\') || this.isCmd('cr')) {
        this.p++;
        if (!this.isCmd('end')) rows.push([]);
        continue;
      }
      if (this.isOp('&')) {
        this.p++;
        continue;
      }
      if (this.p >= this.toks.length) throw new ParseError('unclosed environment');
      rows[rows.length - 1]!.push(this.parseAdd());
    }
    const width = rows[0]!.length;
    if (width === 0 || rows.some((r) => r.length !== width)) throw new ParseError('ragged matrix');
    const m: Expr = { t: 'matrix', rows };
    return env === 'vmatrix' ? { t: 'fn', name: 'det', args: [m] } : m;
  }
}

export function parseLatex(src: string): Expr {
  const e = resolveDegrees(new Parser(tokenize(src)).parseTop(), false);
  return /matrix|array/.test(src) ? reduceMatrices(e) : e;
}

/** Parses a slice of tokens (set-builder and cases bodies), continuing the caller's nesting depth. */
export function parseTokens(toks: Tok[], depth: number): Expr {
  return new Parser(toks, depth).parseTop();
}

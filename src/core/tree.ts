/**
 * The one search tree every algorithm builds, symbolic or LLM-driven.
 *
 * A tree is its nodes plus the visit log: the order in which the search generated and visited
 * nodes. Tree + log is enough to rebuild any linearization (stream of search, optimal path,
 * A* create/close events), so the JSON form stores both losslessly.
 */

/** What a search did, in order. `generate`: a node was created (evaluated, checked if terminal).
 * `visit`: the search moved to a node to expand it (SoS "Moving to Node", A* "close").
 * `backup`: a value was propagated through a node (MCTS). */
export type SearchEventKind = 'generate' | 'visit' | 'backup';

export interface SearchEvent {
  kind: SearchEventKind;
  node: number;
  /** The value carried by the event, where the algorithm has one (MCTS backups). */
  value?: number;
}

export interface SearchNode<S, A> {
  id: number;
  parent: number | null;
  /** The step that led from the parent here; null at the root. */
  step: A | null;
  depth: number;
  state: S;
  /** Heuristic cost of the state (lower is closer to the goal), when the search computed one. */
  h: number | null;
  /** Value estimate in [0, 1] (higher is better): MC rollouts, a PRM, a verifier. */
  value: number | null;
  /** Times the search moved to this node (visit events). */
  visits: number;
  /** Sum and count of values backed up through this node (MCTS); the mean is its Q. */
  valueSum: number;
  backups: number;
  terminal: boolean;
  /** For terminal nodes: whether the solution verified. null: not checked. */
  verified: boolean | null;
  children: number[];
}

export interface TreeJSON<S, A, P = unknown> {
  format: 'metacot.tree';
  version: 1;
  domain: string;
  problem: P;
  nodes: Array<Omit<SearchNode<S, A>, 'children'>>;
  /** Compact event log: [kind, node] or [kind, node, value]. */
  events: Array<[SearchEventKind, number] | [SearchEventKind, number, number]>;
}

export class SearchTree<S, A, P = unknown> {
  readonly nodes: SearchNode<S, A>[] = [];
  readonly events: SearchEvent[] = [];

  constructor(
    readonly domain: string,
    readonly problem: P,
    rootState: S,
  ) {
    this.nodes.push(makeNode<S, A>(0, null, null, 0, rootState));
  }

  get root(): SearchNode<S, A> {
    return this.nodes[0];
  }

  get size(): number {
    return this.nodes.length;
  }

  node(id: number): SearchNode<S, A> {
    const n = this.nodes[id];
    if (n === undefined) throw new Error(`no node ${id} in tree`);
    return n;
  }

  /** Adds a child and logs its generation. */
  addChild(parent: number, step: A, state: S, fields: Partial<Pick<SearchNode<S, A>, 'h' | 'value'>> = {}) {
    const p = this.node(parent);
    const child = makeNode(this.nodes.length, parent, step, p.depth + 1, state);
    if (fields.h !== undefined) child.h = fields.h;
    if (fields.value !== undefined) child.value = fields.value;
    this.nodes.push(child);
    p.children.push(child.id);
    this.events.push({ kind: 'generate', node: child.id });
    return child;
  }

  visit(id: number): void {
    this.node(id).visits++;
    this.events.push({ kind: 'visit', node: id });
  }

  backup(id: number, value: number): void {
    const n = this.node(id);
    n.backups++;
    n.valueSum += value;
    this.events.push({ kind: 'backup', node: id, value });
  }

  /** Node ids from the root to `id`, inclusive. */
  pathTo(id: number): number[] {
    const path: number[] = [];
    for (let cur: number | null = id; cur !== null; cur = this.node(cur).parent) path.push(cur);
    return path.reverse();
  }

  /** The steps from the root to `id`. */
  stepsTo(id: number): A[] {
    return this.pathTo(id)
      .slice(1)
      .map((n) => this.node(n).step as A);
  }

  toJSON(): TreeJSON<S, A, P> {
    return {
      format: 'metacot.tree',
      version: 1,
      domain: this.domain,
      problem: this.problem,
      nodes: this.nodes.map((n) => ({
        id: n.id,
        parent: n.parent,
        step: n.step,
        depth: n.depth,
        state: n.state,
        h: n.h,
        value: n.value,
        visits: n.visits,
        valueSum: n.valueSum,
        backups: n.backups,
        terminal: n.terminal,
        verified: n.verified,
      })),
      events: this.events.map((e) =>
        e.value === undefined ? ([e.kind, e.node] as [SearchEventKind, number]) : [e.kind, e.node, e.value],
      ),
    };
  }

  static fromJSON<S, A, P>(json: TreeJSON<S, A, P>): SearchTree<S, A, P> {
    if (json?.format !== 'metacot.tree' || json.version !== 1) {
      throw new Error('not a metacot.tree v1 document');
    }
    if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw new Error('tree has no nodes');
    const tree = new SearchTree<S, A, P>(json.domain, json.problem, json.nodes[0].state);
    tree.nodes.length = 0;
    for (const [i, n] of json.nodes.entries()) {
      if (n.id !== i) throw new Error(`node ${i} has id ${n.id}; ids must be consecutive`);
      if (n.parent !== null && !(n.parent >= 0 && n.parent < i)) {
        throw new Error(`node ${i} has parent ${n.parent}, which does not precede it`);
      }
      tree.nodes.push({ ...n, children: [] });
      if (n.parent !== null) tree.nodes[n.parent].children.push(i);
    }
    for (const e of json.events) {
      const [kind, node, value] = e;
      if (!(node >= 0 && node < tree.nodes.length)) throw new Error(`event refers to missing node ${node}`);
      tree.events.push(value === undefined ? { kind, node } : { kind, node, value });
    }
    return tree;
  }
}

function makeNode<S, A>(
  id: number,
  parent: number | null,
  step: A | null,
  depth: number,
  state: S,
): SearchNode<S, A> {
  return {
    id,
    parent,
    step,
    depth,
    state,
    h: null,
    value: null,
    visits: 0,
    valueSum: 0,
    backups: 0,
    terminal: false,
    verified: null,
    children: [],
  };
}

/**
 * Structural invariants every algorithm's tree must keep; returns the violations (empty when sound).
 * Used by the conformance suite and when loading trees from disk.
 */
export function checkTreeInvariants<S, A>(tree: SearchTree<S, A, unknown>): string[] {
  const problems: string[] = [];
  const generatedAt = new Map<number, number>([[0, -1]]);
  tree.nodes.forEach((n, i) => {
    if (n.id !== i) problems.push(`node ${i}: id ${n.id}`);
    if (i === 0) {
      if (n.parent !== null || n.depth !== 0 || n.step !== null)
        problems.push('root must have no parent/step, depth 0');
      return;
    }
    if (n.parent === null || n.parent >= i) {
      problems.push(`node ${i}: parent ${n.parent} must precede it`);
      return;
    }
    const p = tree.nodes[n.parent];
    if (n.depth !== p.depth + 1) problems.push(`node ${i}: depth ${n.depth} != parent depth + 1`);
    if (!p.children.includes(i)) problems.push(`node ${i}: missing from parent's children`);
    if (n.verified !== null && !n.terminal) problems.push(`node ${i}: verified flag on a non-terminal node`);
  });
  tree.events.forEach((e, k) => {
    if (!(e.node >= 0 && e.node < tree.nodes.length)) {
      problems.push(`event ${k}: missing node ${e.node}`);
      return;
    }
    if (e.kind === 'generate') {
      if (generatedAt.has(e.node)) problems.push(`event ${k}: node ${e.node} generated twice`);
      generatedAt.set(e.node, k);
    } else if (!generatedAt.has(e.node)) {
      problems.push(`event ${k}: ${e.kind} of node ${e.node} before it was generated`);
    }
  });
  for (let i = 1; i < tree.nodes.length; i++) {
    if (!generatedAt.has(i)) problems.push(`node ${i}: never logged as generated`);
  }
  return problems;
}

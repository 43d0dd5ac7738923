/**
 * The verifier pool's line of waiting checks, fair between callers: each `verifyBatch` call (or lone `verify`) is
 * a flow, and flows take turns one check at a time. A 20,000-item request then delays a one-item request that
 * arrives behind it by one check per flow ahead of it, not by 20,000 checks.
 */
interface Flow<T> {
  items: T[];
  next: number;
}

export class FairQueue<T> {
  /** flows with checks left, in turn order from `head` (a deque: taken from the front, put back at the end) */
  private flows: Flow<T>[] = [];
  private head = 0;
  /** checks put back after their worker was replaced: they go before any flow's next turn */
  private retries: T[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds one caller's checks as a new flow. */
  add(items: T[]): void {
    if (items.length === 0) return;
    this.flows.push({ items, next: 0 });
    this.count += items.length;
  }

  /** Puts checks back at the very front (their worker was replaced while they waited on it). */
  putBack(items: T[]): void {
    this.retries.unshift(...items);
    this.count += items.length;
  }

  /** The next check: a put-back one, else one from the flow whose turn it is. */
  take(): T | undefined {
    if (this.count === 0) return undefined;
    this.count--;
    if (this.retries.length > 0) return this.retries.shift();
    const flow = this.flows[this.head++]!;
    const item = flow.items[flow.next++]!;
    if (flow.next < flow.items.length) this.flows.push(flow);
    else flow.items = []; // let a finished flow's inputs be collected while the deque still holds it
    // drop the consumed front now and then, so the deque stays as long as the flows still waiting
    if (this.head > 1024 && this.head * 2 > this.flows.length) {
      this.flows = this.flows.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue, returning every waiting check. */
  drain(): T[] {
    const all = [...this.retries];
    for (let k = this.head; k < this.flows.length; k++) {
      const f = this.flows[k]!;
      // a flow appears once in the deque at a time, so each waiting check is returned once
      all.push(...f.items.slice(f.next));
    }
    this.retries = [];
    this.flows = [];
    this.head = 0;
    this.count = 0;
    return all;
  }
}

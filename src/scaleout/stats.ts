/**
 * Running totals of a rollout server, from its events, for the periodic status line of `metacot serve-rollouts`:
 * what a person watching a long run (often under nohup, stderr to a file) needs to see that it is moving.
 */
import type { NeoxServerEvent } from './neox-server.js';
import type { Split } from './producer.js';

export class RolloutStats {
  private readonly started = Date.now();
  private groups = 0;
  private samples = 0;
  private rewardSum = 0;
  private batches = 0;
  private readonly served: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  private hungUp = 0;
  private retries = 0;
  private skipped = 0;
  /** the totals the last line reported, so an idle server does not repeat itself */
  private lastShown = '';

  add(e: NeoxServerEvent): void {
    switch (e.type) {
      case 'group':
        this.groups++;
        this.samples += e.samples;
        this.rewardSum += e.rewardSum;
        break;
      case 'batch':
        this.batches++;
        break;
      case 'served':
        this.served[e.split]++;
        break;
      case 'hung_up':
        this.hungUp++;
        break;
      case 'retry':
        this.retries++;
        break;
      case 'skipped':
        this.skipped++;
        break;
    }
  }

  /** One line of totals and rates, or null when nothing changed since the last one. */
  line(ready: number): string | null {
    const totals = [this.groups, this.batches, ready, ...Object.values(this.served), this.hungUp].join(',');
    if (totals === this.lastShown) return null;
    this.lastShown = totals;
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? this.samples / secs : 0;
    const served = (Object.keys(this.served) as Split[])
      .filter((s) => s === 'train' || this.served[s] > 0)
      .map((s) => `${s} ${this.served[s]}`)
      .join(', ');
    const extras = [
      this.hungUp > 0 ? `${this.hungUp} hung up` : '',
      this.retries > 0 ? `${this.retries} retries` : '',
      this.skipped > 0 ? `${this.skipped} skipped` : '',
    ].filter((x) => x !== '');
    return (
      `rollouts after ${Math.round(secs)} s: ${this.groups} groups (${this.samples} samples, ${rate.toFixed(1)}/s, ` +
      `mean reward ${this.samples > 0 ? (this.rewardSum / this.samples).toFixed(3) : '-'}), ` +
      `${this.batches} batches built, ${ready} ready; served ${served}` +
      (extras.length > 0 ? `; ${extras.join(', ')}` : '')
    );
  }
}

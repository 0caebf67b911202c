import type { Clock } from '../../src/handlers/clock';

/**
 * Simulated time: `sleep` returns at once in wall time, and `run` advances the clock from timer to
 * timer whenever all work is waiting. Thousands of throttled calls take milliseconds to test, and
 * the clock then reads how long they would have taken.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];

  public now(): number {
    return this.time;
  }

  public sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Runs `work` to completion, advancing simulated time while it waits on timers. */
  public async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(() => { settled = true; }, () => { settled = true; });
    let idleTurns = 0;
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) {
        break;
      }
      if (this.timers.length === 0) {
        if (++idleTurns > 10_000) {
          throw new Error('VirtualClock: the work is waiting on something other than the clock');
        }
        continue;
      }
      idleTurns = 0;
      let next = 0;
      for (let i = 1; i < this.timers.length; i++) {
        const t = this.timers[i];
        const best = this.timers[next];
        if (t.at < best.at || (t.at === best.at && t.seq < best.seq)) {
          next = i;
        }
      }
      const [timer] = this.timers.splice(next, 1);
      this.time = Math.max(this.time, timer.at);
      timer.resolve();
    }
    return work;
  }
}

import { abortError } from '../core/index.js';

/**
 * A bounded FIFO between two stages: `push` waits while the queue is full (backpressure), `take` waits
 * for items and returns up to `max` of them, or [] once the queue is closed and drained.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  /** The most items ever held at once (telemetry, and tests of backpressure). */
  peak = 0;

  constructor(
    readonly capacity: number,
    private readonly signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', () => this.wake(), { once: true });
  }

  get depth(): number {
    return this.items.length;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity) {
      if (this.signal?.aborted) throw abortError(this.signal.reason);
      await this.wait();
    }
    if (this.closed) throw new Error('push after close');
    this.items.push(item);
    this.peak = Math.max(this.peak, this.items.length);
    this.wake();
  }

  async take(max: number): Promise<T[]> {
    for (;;) {
      if (this.signal?.aborted) throw abortError(this.signal.reason);
      if (this.items.length > 0) {
        const batch = this.items.splice(0, max);
        this.wake();
        return batch;
      }
      if (this.closed) return [];
      await this.wait();
    }
  }

  close(): void {
    this.closed = true;
    this.wake();
  }
}

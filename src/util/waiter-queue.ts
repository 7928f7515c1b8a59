/**
 * The queue of waiters behind a budget (util/token-bucket, chat/shared-edit-budget), and of the
 * units util/turn-queue and chat/ack-first have yet to start.
 *
 * FIFO with O(1) push/shift; aborted entries are skipped lazily so leaving the queue is O(1) too.
 * A slot is cleared as the head passes it, so a waiter served or gone is not kept by the array
 * (the edit bucket's spare takers are a standing queue of up to one per live message).
 */
export class WaiterQueue<W extends { live: boolean }> {
  private items: (W | undefined)[] = [];
  private head = 0;
  /** Entries still waiting (aborted ones excluded). */
  size = 0;

  push(w: W): void {
    this.items.push(w);
    this.size++;
  }

  /** The oldest live waiter, left in place. */
  peek(): W | undefined {
    while (this.head < this.items.length) {
      const w = this.items[this.head];
      if (w?.live) return w;
      this.items[this.head++] = undefined;
    }
    this.compact();
    return undefined;
  }

  /** Removes and returns the oldest live waiter. */
  shift(): W | undefined {
    const w = this.peek();
    if (!w) return undefined;
    this.items[this.head++] = undefined;
    this.size--;
    this.compact();
    return w;
  }

  /** Called when a queued waiter aborts: it stays in the array but no longer counts. */
  forget(): void {
    this.size--;
    if (this.size === 0) {
      this.items = [];
      this.head = 0;
    }
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

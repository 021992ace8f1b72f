/** Fixed-size time series: the newest `capacity` items, oldest first. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.size === 0 ? undefined : this.items[(this.next - 1 + this.capacity) % this.capacity];
  }

  /** The newest `count` items (all by default), oldest first. */
  toArray(count = this.size): T[] {
    const n = Math.max(0, Math.min(count, this.size));
    const out: T[] = [];
    for (let i = n; i >= 1; i--) out.push(this.items[(this.next - i + this.capacity) % this.capacity] as T);
    return out;
  }
}

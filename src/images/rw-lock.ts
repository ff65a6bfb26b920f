/**
 * A reader/writer lock: image operations that write blobs or snapshots hold it shared; gc() holds it
 * exclusive, so it never sees a blob that is committed but not yet recorded in a lease or an image.
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: { exclusive: boolean; wake: () => void }[] = [];

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    if (this.writer || this.waiting.some((w) => w.exclusive)) await new Promise<void>((wake) => this.waiting.push({ exclusive: false, wake }));
    else this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      this.next();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.writer || this.readers > 0) await new Promise<void>((wake) => this.waiting.push({ exclusive: true, wake }));
    else this.writer = true;
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.next();
    }
  }

  private next(): void {
    if (this.writer || this.readers > 0) return;
    const first = this.waiting[0];
    if (!first) return;
    if (first.exclusive) {
      this.waiting.shift();
      this.writer = true;
      first.wake();
      return;
    }
    while (this.waiting[0] && !this.waiting[0].exclusive) {
      const w = this.waiting.shift();
      this.readers++;
      w?.wake();
    }
  }
}

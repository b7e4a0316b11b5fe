// Collects what an emulated machine prints on its serial console.

/** Accumulates console text and where and when watched strings first appeared. */
export class SerialCapture {
  private collected = '';
  private carriedReturn = false;
  private readonly seen = new Map<string, { index: number; ms: number }>();
  private readonly started = performance.now();

  constructor(private readonly watch: readonly string[]) {}

  /** Adds a decoded chunk. The guest's tty turns each "\n" into "\r\n"; this undoes exactly that, even across chunks. */
  add(chunk: string): void {
    let text = this.carriedReturn ? `\r${chunk}` : chunk;
    this.carriedReturn = text.endsWith('\r');
    if (this.carriedReturn) text = text.slice(0, -1);
    const searchFrom = this.collected.length;
    this.collected += text.replace(/\r\n/g, '\n');
    for (const watched of this.watch) {
      if (this.seen.has(watched)) continue;
      // Only the new text and the watched string's length before it can hold a new match.
      const index = this.collected.indexOf(watched, Math.max(0, searchFrom - watched.length));
      if (index >= 0) this.seen.set(watched, { index, ms: performance.now() - this.started });
    }
  }

  /** Everything collected so far. */
  get text(): string {
    return this.carriedReturn ? `${this.collected}\r` : this.collected;
  }

  /** Milliseconds from construction until `watched` first appeared, if it has. */
  seenAt(watched: string): number | undefined {
    return this.seen.get(watched)?.ms;
  }

  /** Where in `text` the first `watched` starts, if it has appeared. */
  foundAt(watched: string): number | undefined {
    return this.seen.get(watched)?.index;
  }
}

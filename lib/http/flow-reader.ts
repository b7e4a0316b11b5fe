/**
 * Buffered reading from a Flow for a line-oriented protocol: whole heads,
 * single lines and body bytes, each bounded, so a peer can never make the
 * reader hold more than the caller's limit.
 */
import type { Clock, Timer } from '../devices/clock.ts';
import type { Flow } from '../devices/flow.ts';
import type { MemoryBudget } from '../devices/memory-budget.ts';
import { HttpError } from './errors.ts';
import { RequestLinePrefix } from './request-line-prefix.ts';
import { decodeLatin1 } from '../text/latin1.ts';

const CR = 0x0d;
const LF = 0x0a;

const EMPTY = new Uint8Array(0);

const nothing = (): void => undefined;

/** Empty lines tolerated before a request line (RFC 9112 section 2.2). */
const MAX_LEADING_EMPTY_LINES = 4;

/** Where `byte` first occurs in `buf` from `from` on, or `end` when not before it. */
function firstIndexOf(buf: Uint8Array, byte: number, from: number, end: number): number {
  const at = buf.indexOf(byte, from);
  return at < 0 || at > end ? end : at;
}

export class FlowReader {
  private buf: Uint8Array = EMPTY;
  private start = 0;
  /** buf.length, kept as a plain number: a typed array's length is a getter call in QuickJS. */
  private end = 0;
  private eof = false;
  private deadlineMs: number | null = null;
  private gapMs: number | null = null;
  /** Set once a wait timed out: the flow still has a read outstanding, so it cannot be read again. */
  private timedOut: HttpError | null = null;
  /** The timer bounding reads, and when it fires; kept from one read to the next in `lingeringTimer` mode. */
  private timer: Timer | null = null;
  private timerAtMs = Infinity;
  /** The fill waiting now (how to settle it) and the time it must end by. */
  private filled: ((more: boolean) => void) | null = null;
  private waiting: ((err: unknown) => void) | null = null;
  private waitLimitMs = Infinity;

  /** Bytes of `buf` counted in the budget. */
  private held = 0;

  /**
   * @param clock needed only for timeouts (`setTimeouts`)
   * @param lingeringTimer keep the timer armed between reads (one per reader, not one per read) until `release()`: for a server's long-lived connections
   * @param budget where the bytes held between reads are counted (a server's heads waiting for their end)
   */
  constructor(
    private readonly flow: Flow,
    private readonly clock: Clock | null = null,
    private readonly lingeringTimer = false,
    private readonly budget: MemoryBudget | null = null,
  ) {}

  /** Holds `buf` from now, counting it in the budget instead of what was held before. */
  private hold(buf: Uint8Array): void {
    this.buf = buf;
    if (this.budget === null) return;
    this.budget.give(this.held);
    this.held = buf.length;
    this.budget.take(this.held);
  }

  /**
   * Bounds the waiting for the peer: an absolute deadline (the whole head
   * must arrive by then) and a gap (each read must complete within it). A
   * wait past either fails with `HttpError('timed-out')`, after which the
   * reader is unusable. Null removes a bound.
   */
  setTimeouts(deadlineMs: number | null, gapMs: number | null): void {
    if ((deadlineMs !== null || gapMs !== null) && this.clock === null) throw new Error('FlowReader timeouts need a clock');
    this.deadlineMs = deadlineMs;
    this.gapMs = gapMs;
    if (deadlineMs === null && gapMs === null && !this.lingeringTimer) this.release();
  }

  /** Cancels the timer (a reader in `lingeringTimer` mode calls this once it is done with). */
  release(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAtMs = Infinity;
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** True once the peer ended its stream and everything buffered was consumed. */
  get ended(): boolean {
    return this.eof && this.end === this.start;
  }

  /** Reads once more from the flow; false at end of stream. */
  private fill(): Promise<boolean> {
    return new Promise<boolean>(this.startFill);
  }

  private readonly startFill = (resolve: (more: boolean) => void, reject: (err: unknown) => void): void => this.fillThen(resolve, reject);

  /**
   * Reads once more from the flow, then calls `done` (false at end of
   * stream) or `failed`, bounded by the timeouts. The read's outcome calls
   * back directly (handlers made once per reader): no promise or closures
   * in between.
   */
  private fillThen(done: (more: boolean) => void, failed: (err: unknown) => void): void {
    if (this.timedOut) return failed(this.timedOut);
    if (this.eof) return done(false);
    const gapDeadline = this.gapMs === null ? null : this.clock!.nowMs() + this.gapMs;
    const limit =
      this.deadlineMs === null ? gapDeadline : gapDeadline === null ? this.deadlineMs : Math.min(gapDeadline, this.deadlineMs);
    this.filled = done;
    this.waiting = failed;
    this.waitLimitMs = limit ?? Infinity;
    if (limit !== null && (this.timer === null || this.timerAtMs > limit)) this.arm(limit);
    try {
      this.flow.read().then(this.readArrived, this.readFailed);
    } catch (err) {
      this.readFailed(err); // a flow that throws instead of rejecting
    }
  }

  /** The read's chunk; dropped when the timer failed the wait first (the reader is unusable then). */
  private readonly readArrived = (chunk: Uint8Array | null): void => {
    const done = this.filled;
    const failed = this.waiting;
    this.endWaiting();
    if (done === null || failed === null) return;
    let more: boolean;
    try {
      more = this.absorb(chunk);
    } catch (err) {
      return failed(err);
    }
    done(more);
  };

  private readonly readFailed = (err: unknown): void => {
    const failed = this.waiting;
    this.endWaiting();
    failed?.(err);
  };

  private endWaiting(): void {
    this.filled = null;
    this.waiting = null;
    if (!this.lingeringTimer) this.release();
  }

  /** Takes a chunk the flow gave into the buffer; false at end of stream. */
  private absorb(chunk: Uint8Array | null): boolean {
    if (chunk === null || chunk.length === 0) {
      if (chunk === null) this.eof = true;
      return chunk !== null;
    }
    const buffered = this.end - this.start;
    if (buffered === 0) {
      this.hold(chunk);
    } else {
      const merged = new Uint8Array(buffered + chunk.length);
      merged.set(this.buf.subarray(this.start, this.end));
      merged.set(chunk, buffered);
      this.hold(merged);
    }
    this.start = 0;
    this.end = this.buf.length;
    return true;
  }

  private arm(atMs: number): void {
    this.timer?.cancel();
    this.timerAtMs = atMs;
    this.timer = this.clock!.at(atMs, this.onTimer);
  }

  /** The timer fired: fails the waiting read if its bound has passed, else waits until it does. */
  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerAtMs = Infinity;
    const reject = this.waiting;
    if (reject === null || this.waitLimitMs === Infinity) return; // no wait, or an unbounded one
    if (this.clock!.nowMs() < this.waitLimitMs) {
      this.arm(this.waitLimitMs);
      return;
    }
    this.waiting = null;
    this.filled = null;
    this.timedOut = new HttpError('timed-out', 'the peer sent nothing in time');
    reject(this.timedOut);
  };

  /**
   * Reads a message head up to and including its empty line, as Latin-1
   * text. Returns null
   * when the stream ends cleanly before any byte of a head. Lines must end in
   * CRLF: a bare CR or LF is rejected at once rather than waited on.
   *
   * @param limit most bytes the head may take
   * @param onFirstByte called once when the first byte of the head is here
   * @param requestLine the head is a request's: while it is incomplete, its
   *   first bytes are checked to be able to start a request line, so that
   *   anything else is refused at once rather than waited on
   */
  readHead(limit: number, onFirstByte?: () => void, requestLine = false): Promise<string | null> {
    return new Promise((resolve, reject) =>
      this.whenHeadReady(limit, onFirstByte, requestLine, () => {
        try {
          resolve(this.takeHead(limit, onFirstByte, requestLine));
        } catch (err) {
          reject(err);
        }
      }),
    );
  }

  /**
   * Calls `ready` once `takeHead` with the same arguments can answer: a
   * whole head is buffered, or the bytes cannot make one, or the stream
   * ended, failed or timed out (at once when that is so already). It waits
   * with no async frame, promise chain or closure of its own, so a peer
   * that never completes a head (a slow attack) holds little more than its
   * buffered bytes, and a server pays nothing per request for the waiting.
   */
  whenHeadReady(limit: number, onFirstByte: (() => void) | undefined, requestLine: boolean, ready: () => void): void {
    this.headLimit = limit;
    this.headFirstByte = onFirstByte;
    this.headIsRequest = requestLine;
    this.headReady = ready;
    this.stepHead();
  }

  /** What the head being waited for was asked with (see whenHeadReady). */
  private headLimit = 0;
  private headFirstByte: (() => void) | undefined = undefined;
  private headIsRequest = false;
  private headReady: () => void = nothing;
  /** Why the read waiting for a head failed, for takeHead to throw. */
  private headFailure: unknown = null;

  private readonly stepHead = (): void => {
    try {
      if (this.scanHead(this.headLimit, this.headFirstByte, this.headIsRequest) >= 0) return this.headReady();
    } catch {
      this.forgetScan(); // takeHead scans again from the start and throws the same error
      return this.headReady();
    }
    this.fillThen(this.headFilled, this.headFailed);
  };

  private readonly headFilled = (more: boolean): void => (more ? this.stepHead() : this.headReady());

  private readonly headFailed = (err: unknown): void => {
    this.headFailure = err;
    this.headReady();
  };

  /**
   * The head `whenHeadReady` waited for, as Latin-1 text (line ends
   * checked), or null when the stream
   * ended cleanly before any byte of it; throws what made it unreadable
   * (malformed or too large, the stream ending inside it, a timeout, the
   * flow failing).
   */
  takeHead(limit: number, onFirstByte: (() => void) | undefined, requestLine: boolean): string | null {
    try {
      const end = this.scanHead(limit, onFirstByte, requestLine);
      if (end >= 0) {
        const head = decodeLatin1(this.buf, this.start, end);
        this.start = end;
        this.releaseIfEmpty();
        return head;
      }
      const failure = this.timedOut ?? this.headFailure;
      if (failure !== null) throw failure;
      if (!this.eof) throw new Error('FlowReader.takeHead: no head is ready yet (wait with whenHeadReady)');
      if (this.end === this.start) return null;
      throw new HttpError('incomplete', 'the connection ended inside a message head');
    } finally {
      this.forgetScan();
    }
  }

  /** Where the scan of the head in progress stands, so each byte is looked at once however the head arrives. */
  private scanPrefix: RequestLinePrefix | null = null; // made only when a head arrives in pieces
  private scanSkipped = 0;
  private scanOffset = 0; // offset from `start` up to which lines were checked
  private scanFirstLineEnd = -1; // offset from `start` of the first line's CR
  private scanAnnounced = false;

  private forgetScan(): void {
    this.scanPrefix = null;
    this.scanSkipped = 0;
    this.scanOffset = 0;
    this.scanFirstLineEnd = -1;
    this.scanAnnounced = false;
  }

  /**
   * Goes on scanning the buffered bytes for a whole head (see `readHead`):
   * its end offset in `buf` once complete, else -1. Empty lines before it
   * are consumed; nothing else is.
   */
  private scanHead(limit: number, onFirstByte: (() => void) | undefined, requestLine: boolean): number {
    // Empty lines before the head (a client's stray CRLF after a body).
    while (this.scanOffset === 0 && (this.end - this.start) >= 2 && this.buf[this.start] === CR && this.buf[this.start + 1] === LF) {
      if (++this.scanSkipped > MAX_LEADING_EMPTY_LINES) throw new HttpError('bad-request', 'too many empty lines before the request');
      this.start += 2;
    }
    if (!this.scanAnnounced && (this.end - this.start) > 0) {
      this.scanAnnounced = true;
      onFirstByte?.();
    }
    // Locals for the loop: each field or typed array length read is a property lookup in QuickJS.
    const buf = this.buf;
    const from = this.start;
    const have = this.end;
    const end = from + Math.min(have - from, limit);
    let scan = this.scanOffset;
    let firstLineEnd = this.scanFirstLineEnd < 0 ? -1 : from + this.scanFirstLineEnd;
    // Line by line with the engine's byte search (memchr in QuickJS), not a
    // loop per byte: the first CR and the first LF of what is left decide.
    for (let i = from + scan; i < end; ) {
      const cr = firstIndexOf(buf, CR, i, end);
      const lf = firstIndexOf(buf, LF, i, end);
      if (lf < cr) throw new HttpError('bad-request', 'bare LF in message head');
      if (cr === end || cr + 1 >= have) break; // no line end yet, or need the byte after the CR
      if (buf[cr + 1] !== LF) throw new HttpError('bad-request', 'bare CR in message head');
      if (firstLineEnd < 0) firstLineEnd = cr;
      if (cr === i && cr > from) return cr + 2; // empty line: the head is complete
      i = cr + 2;
      scan = i - from;
    }
    this.scanOffset = scan;
    this.scanFirstLineEnd = firstLineEnd < 0 ? -1 : firstLineEnd - from; // from `start`: a merge moves the bytes
    if (requestLine && have > from) {
      const prefix = (this.scanPrefix ??= new RequestLinePrefix());
      prefix.feed(buf, from, firstLineEnd < 0 ? end : firstLineEnd);
      if (firstLineEnd >= 0) prefix.finish();
    }
    if (have - from >= limit) {
      throw firstLineEnd < 0
        ? new HttpError('uri-too-long', `the first line is longer than ${limit} bytes`)
        : new HttpError('header-too-large', `the head is larger than ${limit} bytes`);
    }
    return -1;
  }

  /** Reads one CRLF-terminated line of at most `limit` bytes, without the CRLF, as Latin-1 text. */
  async readLine(limit: number): Promise<string> {
    let scan = 0;
    for (;;) {
      const end = this.start + Math.min((this.end - this.start), limit + 2);
      for (let i = this.start + scan; i < end; i++) {
        const c = this.buf[i];
        if (c === LF) throw new HttpError('bad-request', 'bare LF in a line');
        if (c !== CR) continue;
        if (i + 1 >= this.end) break;
        if (this.buf[i + 1] !== LF) throw new HttpError('bad-request', 'bare CR in a line');
        const line = decodeLatin1(this.buf, this.start, i);
        this.start = i + 2;
        this.releaseIfEmpty();
        return line;
      }
      scan = Math.max(0, end - this.start - 1);
      if ((this.end - this.start) > limit + 1) throw new HttpError('bad-request', `a line is longer than ${limit} bytes`);
      if (!(await this.fill())) throw new HttpError('incomplete', 'the connection ended inside a line');
    }
  }

  /** Consumes exactly CRLF. */
  async expectCrlf(): Promise<void> {
    while ((this.end - this.start) < 2) {
      if (!(await this.fill())) throw new HttpError('incomplete', 'the connection ended before CRLF');
    }
    if (this.buf[this.start] !== CR || this.buf[this.start + 1] !== LF) {
      throw new HttpError('bad-request', 'chunk data not followed by CRLF');
    }
    this.start += 2;
    this.releaseIfEmpty();
  }

  /**
   * Reads and drops input until the peer ends its stream, `maxBytes` went by
   * or the deadline passed; never throws. Closing a socket with unread input
   * makes the kernel send a reset, which can destroy the answer just sent
   * before the peer reads it; draining first lets the answer arrive.
   */
  async discardRest(maxBytes: number, deadlineMs: number): Promise<void> {
    if (this.timedOut) return; // a read is still outstanding: nothing more can be read
    this.setTimeouts(deadlineMs, null);
    let dropped = 0;
    try {
      while (dropped < maxBytes) {
        const piece = await this.readUpTo(maxBytes - dropped);
        if (piece === null) return;
        dropped += piece.length;
      }
    } catch {
      // A timeout or a failed flow ends the draining; either way the flow gets closed next.
    }
  }

  /** Up to `max` bytes: what is buffered, else the next read. Null at end of stream. */
  async readUpTo(max: number): Promise<Uint8Array | null> {
    if ((this.end - this.start) === 0 && !(await this.fill())) return null;
    const n = Math.min(max, (this.end - this.start));
    const out = this.buf.subarray(this.start, this.start + n);
    this.start += n;
    this.releaseIfEmpty();
    return out;
  }

  /** Drops whatever is buffered and its count in the budget: the connection is done with. */
  forget(): void {
    this.hold(EMPTY);
    this.start = 0;
    this.end = 0;
  }

  /** Drops the reference to a fully read chunk, so an idle connection holds no receive buffer. */
  private releaseIfEmpty(): void {
    if (this.start === this.end) {
      this.hold(EMPTY);
      this.start = 0;
      this.end = 0;
    }
  }
}

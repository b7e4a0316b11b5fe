/**
 * A request body as the server hands it to a handler: reads from the wire
 * only when the handler asks, sends `100 Continue` first when the client
 * waits for it (RFC 9110 section 10.1.1), bounds each wait, and remembers how
 * far it got so the server knows whether the connection can carry another
 * request.
 */
import type { Flow } from '../devices/flow.ts';
import { readBody, type BodyLimits } from './body-reader.ts';
import type { FlowReader } from './flow-reader.ts';
import type { BodyFraming } from './framing.ts';
import { encodeLatin1 } from '../text/latin1.ts';

const CONTINUE = encodeLatin1('HTTP/1.1 100 Continue\r\n\r\n')!;

export class IncomingBody implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  /** The handler (or the server draining) started reading. */
  started = false;
  /** Every byte of the body was read. */
  done = false;
  /** Why reading failed; the connection's framing is lost. */
  failure: unknown = null;
  /** The final response's head is on its way: too late for 100 Continue. */
  responseStarted = false;
  private readonly source: AsyncGenerator<Uint8Array>;

  constructor(
    private readonly flow: Flow,
    private readonly reader: FlowReader,
    framing: BodyFraming,
    limits: BodyLimits,
    private readonly gapMs: number,
    private readonly expectsContinue: boolean,
  ) {
    this.source = readBody(reader, framing, limits);
  }

  /**
   * The request's body source: itself. It has no `return`, so a handler that
   * stops reading early leaves the rest for `drain()`.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.failure !== null) throw this.failure;
    if (this.done) return { done: true, value: undefined };
    if (!this.started) {
      this.started = true;
      if (this.expectsContinue && !this.responseStarted) await this.flow.write(CONTINUE);
    }
    this.reader.setTimeouts(null, this.gapMs);
    try {
      const step = await this.source.next();
      if (step.done) this.done = true;
      return step;
    } catch (err) {
      this.failure = err;
      throw err;
    } finally {
      this.reader.setTimeouts(null, null);
    }
  }

  /**
   * Reads and drops what the handler left, so the next request's head is
   * next on the wire. False when that is not possible: reading failed, or
   * the client waits for 100 Continue that never came (it may or may not
   * send the body now, so the connection cannot be reused).
   */
  async drain(): Promise<boolean> {
    if (this.expectsContinue && !this.started) return false;
    try {
      while (!(await this.next()).done) {
        // dropping the bytes
      }
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * One HTTP/1.1 connection on the server side: reads requests one after
 * another (pipelined requests wait in the reader's buffer, so answers go out
 * in order), calls the handler, writes responses, and decides after each
 * whether the connection may carry another request.
 */
import type { Clock, Timer } from '../devices/clock.ts';
import type { MemoryBudget } from '../devices/memory-budget.ts';
import { FlowError, type Flow } from '../devices/flow.ts';
import type { DateHeader } from './date.ts';
import { HttpError, STATUS_FOR_ERROR } from './errors.ts';
import { FlowReader } from './flow-reader.ts';
import { NO_BODY, requestFraming } from './framing.ts';
import { parseRequestHead, type RequestHead } from './head-parser.ts';
import { KilnHeaders } from './headers.ts';
import { Body } from '../web/body.ts';
import { IncomingBody } from './incoming-body.ts';
import { assembleHead, chooseFraming, COALESCE_LIMIT, fieldLine, singleWrite, writeMessage, type MessageSink, type OutgoingFraming } from './message-writer.ts';
import { KilnRequest } from './request.ts';
import { KilnResponse } from './response.ts';
import { reasonPhrase } from './status.ts';
import { hasToken } from './syntax.ts';

/**
 * Answers one request. The response returned belongs to the server from then
 * on: it adds the framing, Connection and Date fields to its head (and to its
 * headers, if its Headers object was made).
 */
export type Handler = (request: KilnRequest) => KilnResponse | Promise<KilnResponse>;

/** Limits and timeouts of a server, all set (defaults filled in by `serveHttp`). */
export interface ServerSettings {
  clock: Clock;
  maxHeaderBytes: number;
  maxHeaderCount: number;
  maxBodyBytes: number;
  /** From the first byte of a head (or from the connection's start) until the head is complete. */
  headerTimeoutMs: number;
  /** Between two requests on a kept-alive connection. */
  idleTimeoutMs: number;
  /** Longest wait for any next piece of a request body. */
  bodyTimeoutMs: number;
  /** Longest wait for one write of a response to be accepted (a client that stops reading). */
  sendTimeoutMs: number;
  /** Called with errors thrown by the handler (answered 500). */
  onError: (err: unknown, request: KilnRequest) => void;
  /** True while resources are short: responses then close their connection. */
  overloaded: () => boolean;
  /** Where heads waiting for their end are counted (null: nowhere). */
  memory: MemoryBudget | null;
  /** The Date field's value, shared by the server's connections. */
  date: DateHeader;
}

/** Longest chunk-size or trailer line. */
const MAX_LINE_BYTES = 4096;

/** Before closing, unread input is drained for at most this long and this much (a "lingering close"). */
const LINGER_MS = 2000;
const LINGER_BYTES = 256 * 1024;

export class ServerConnection {
  private readonly reader: FlowReader;
  /** Between requests with no byte of the next head yet: safe to close at once. */
  private idle = true;
  /** Waiting for a request head (none of it yet, or part): no request is in progress, so evicting loses no work. */
  waitingForHead = true;
  /** Since when it has been waiting for its current head, for eviction oldest-first. */
  waitingSinceMs: number;
  /** Requests answered on this connection so far. */
  get served(): number {
    return this.servedCount;
  }
  private stopping = false;
  private servedCount = 0;
  /** Set once close() has closed the flow: no timer of this connection may outlive it. */
  private finished = false;

  /** Where responses go: the flow, with a deadline on every write; made with the first response (an attacker's connection never gets one). */
  private sink: MessageSink | null = null;

  constructor(
    private readonly flow: Flow,
    private readonly handler: Handler,
    private readonly settings: ServerSettings,
    private readonly onRequest: () => void,
  ) {
    // One read timer for the connection's life (released in run()), not one per read.
    this.reader = new FlowReader(flow, settings.clock, true, settings.memory);
    this.waitingSinceMs = settings.clock.nowMs();
  }

  private get output(): MessageSink {
    return (this.sink ??= { write: (data) => this.writeWithin(data), abort: () => this.flow.abort() });
  }

  /**
   * A client that stops reading would hold a write (and this connection)
   * forever: a write not accepted within the send timeout resets it. One
   * timer per connection, armed while writes go on, rather than a timer and
   * an async frame per write.
   */
  private writeWithin(data: Uint8Array): Promise<void> {
    const accepted = this.startWrite(data, this.settings.clock.nowMs());
    const writeAccepted = (this.writeAccepted ??= () => void (this.writeSinceMs = null));
    accepted.then(writeAccepted, writeAccepted);
    return accepted;
  }

  /** A write under the send deadline; whoever waits for it clears `writeSinceMs` once it is accepted. */
  private startWrite(data: Uint8Array, nowMs: number): Promise<void> {
    const accepted = this.flow.write(data);
    this.writeSinceMs = nowMs;
    this.sendTimer ??= this.settings.clock.at(this.writeSinceMs + this.settings.sendTimeoutMs, (this.checkSend ??= () => this.checkSendDue()));
    return accepted;
  }

  /** When the write waiting now was made; null while none waits. */
  private writeSinceMs: number | null = null;
  private sendTimer: Timer | null = null;
  /** Callbacks bound once, with the first write. */
  private writeAccepted: (() => void) | null = null;
  private checkSend: (() => void) | null = null;

  /** The send timer's check: resets the flow when the waiting write is overdue, else waits until it would be. */
  private checkSendDue(): void {
    this.sendTimer = null;
    if (this.writeSinceMs === null || this.finished) return;
    const dueMs = this.writeSinceMs + this.settings.sendTimeoutMs;
    if (this.settings.clock.nowMs() >= dueMs) this.flow.abort();
    else this.sendTimer = this.settings.clock.at(dueMs, this.checkSend!);
  }

  /** Ends the connection after the response in progress; at once when it is idle. */
  stop(): void {
    this.stopping = true;
    if (this.idle) void this.flow.close().catch(() => undefined);
  }

  /**
   * Gives the connection up to free its memory while it waits for a head:
   * reset at once (an answer would need buffers of its own). Only for
   * `waitingForHead` connections; nothing in progress is lost.
   */
  evict(): void {
    this.flow.abort();
  }

  /** Resets the connection and stops waiting for its handler, which may never return. */
  abort(): void {
    this.flow.abort();
    this.finish(true);
  }

  /**
   * Serves the connection until it ends, then calls `ended` (always later,
   * never during this call). Requests go through callbacks, not async
   * frames: a head waits with nothing but a pending read (a connection that
   * never completes one, as under a slow attack, costs little), and a
   * handler that answers at once with a one-write response costs the
   * server no promise beyond the read and the write. A failure that escapes
   * the exchange (out of memory) resets only this connection.
   */
  serve(ended: () => void): void {
    this.ended = ended;
    this.nextHead();
  }

  /** Called once the connection is closed (set by serve). */
  private ended: () => void = nothing;
  /** Set once the connection stopped serving and is being closed. */
  private finishing = false;

  /** Waits for the next head, then serves it. */
  private nextHead(): void {
    this.expectHead();
    this.reader.whenHeadReady(this.settings.maxHeaderBytes, this.headStarted, true, this.headReady);
  }

  private readonly headReady = (): void => {
    if (this.finishing) return;
    try {
      this.exchange();
    } catch {
      this.finish(false); // out of memory, or the flow failed under us: nothing left to answer
    }
  };

  /** An exchange ended: serves the next request, or ends the connection. */
  private readonly exchanged = (keepAlive: boolean): void => {
    this.head = null;
    this.request = null;
    this.body = null;
    if (this.finishing) return;
    if (keepAlive) this.servedCount++;
    if (!keepAlive || this.stopping) return this.finish(false);
    try {
      this.nextHead();
    } catch {
      this.finish(false);
    }
  };

  /** The exchange cannot go on (refused, failed, or its handler or body failed): the connection ends. */
  private readonly failed = (): void => {
    this.head = null;
    this.request = null;
    this.body = null;
    this.finish(false);
  };

  /**
   * Closes the connection: first, unless it was abandoned (aborted), ends
   * its sending side and drains what the client still sends, so that the
   * last answer is not lost to a reset. Then calls `ended`.
   */
  private finish(abandoned: boolean): void {
    if (this.finishing) return;
    this.finishing = true;
    this.close(abandoned).then(this.ended, () => {
      this.flow.abort();
      this.ended();
    });
  }

  private async close(abandoned: boolean): Promise<void> {
    if (!abandoned) {
      await this.flow.shutdown().catch(() => undefined);
      await this.reader.discardRest(LINGER_BYTES, this.settings.clock.nowMs() + LINGER_MS);
    }
    await this.flow.close().catch(() => undefined);
    this.reader.forget();
    this.finished = true;
    this.sendTimer?.cancel();
    this.reader.release();
  }

  /** Waits for the next head from now: the header timeout for the first, the idle timeout between requests. */
  private expectHead(): void {
    const s = this.settings;
    this.idle = true;
    this.waitingForHead = true;
    this.waitingSinceMs = s.clock.nowMs();
    this.reader.setTimeouts(this.waitingSinceMs + (this.servedCount === 0 ? s.headerTimeoutMs : s.idleTimeoutMs), null);
  }

  /** The first byte of a head arrived: a request is coming, which must arrive whole within the header timeout. */
  private readonly headStarted = (): void => {
    this.idle = false;
    this.reader.setTimeouts(this.settings.clock.nowMs() + this.settings.headerTimeoutMs, null);
  };

  // The exchange in progress, for the callbacks that follow its steps (fields, not an object or closures a request).
  private head: RequestHead | null = null;
  private request: KilnRequest | null = null;
  private body: IncomingBody | null = null;
  private keepAlive = false;

  /** Serves the request whose head is ready (see `nextHead`); ends by calling `exchanged` or `finish`. */
  private exchange(): void {
    const s = this.settings;
    let head: RequestHead;
    let body: IncomingBody | null = null;
    try {
      const text = this.reader.takeHead(s.maxHeaderBytes, this.headStarted, true);
      if (text === null) return this.finish(false);
      this.idle = false;
      this.waitingForHead = false;
      this.reader.setTimeouts(null, null);
      head = parseRequestHead(text, s.maxHeaderCount);
      const framing = requestFraming(head, s.maxBodyBytes);
      if (framing.kind !== 'none') {
        const limits = { maxBodyBytes: s.maxBodyBytes, maxLineBytes: MAX_LINE_BYTES, maxTrailerCount: s.maxHeaderCount, fault: 'bad-request' as const };
        body = new IncomingBody(this.flow, this.reader, framing, limits, s.bodyTimeoutMs, expectsContinue(head));
      }
    } catch (err) {
      // Silence from a client that never started a request is not worth an answer.
      if (this.idle) return this.finish(false);
      void this.refuse(err).then(this.failed, this.failed);
      return;
    }
    this.onRequest();

    const expect = KilnHeaders.getKnown(head.headers, 'expect');
    if (expect !== null && expect.toLowerCase() !== '100-continue') {
      void this.refuse(new HttpError('bad-request', `unsupported expectation '${expect}'`), 417).then(this.failed, this.failed);
      return;
    }
    const connection = KilnHeaders.getKnown(head.headers, 'connection');
    const keepAlive = head.version === '1.1' ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');

    const request = new KilnRequest(head, body, this.flow.remote, this.flow.local);
    this.head = head;
    this.request = request;
    this.body = body;
    this.keepAlive = keepAlive;
    const response = this.callHandler(request, body, head.method !== 'HEAD');
    if (response !== null) this.respond(response);
  }

  /** Writes the handler's response; then `exchanged` says whether the connection carries another request. */
  private readonly respond = (response: KilnResponse): void => {
    if (this.finishing) return; // aborted while the handler was busy
    const s = this.settings;
    const head = this.head!;
    const body = this.body;
    let keepAlive = this.keepAlive;
    if (body?.failure) keepAlive = false; // where this body ends is unknown now

    const status = response.status;
    const impliedType = KilnResponse.impliedContentType(response);
    const length = Body.knownLength(response);
    // A response never given a Headers object whose bytes go with the head: its fields are written straight into it.
    const direct = impliedType !== undefined && length !== null && length <= COALESCE_LIMIT && head.method !== 'HEAD' && status !== 204 && status !== 304;
    let headers: KilnHeaders | null = null;
    let framing: OutgoingFraming = NO_BODY; // the direct path needs none
    if (!direct) {
      // The response is the server's now: its fields get the framing, Connection and Date.
      headers = response.headers;
      const connection = KilnHeaders.getKnown(headers, 'connection');
      if (connection !== null) {
        if (hasToken(connection, 'close')) keepAlive = false;
        KilnHeaders.deleteKnown(headers, 'connection');
      }
      framing = this.responseFraming(head, response, headers);
      if (framing.kind === 'until-close') keepAlive = false;
    }
    // A client waiting for 100 Continue that never came may or may not send its body now.
    if (body && !body.started && expectsContinue(head)) keepAlive = false;
    // Stopping, or short of memory: this connection's buffers are better freed than kept for a next request.
    if (this.stopping || s.overloaded()) keepAlive = false;
    const connection = !keepAlive ? 'close' : head.version === '1.0' ? 'keep-alive' : null;
    // One clock reading for the Date field and the send deadline.
    const nowMs = s.clock.nowMs();

    if (body) body.responseStarted = true;
    const statusLine = `HTTP/1.1 ${status} ${response.statusText || reasonPhrase(status)}`;
    this.keepAlive = keepAlive;
    let whole: Uint8Array | null;
    if (headers === null) whole = directHead(statusLine, impliedType!, length!, connection, s.date.now(nowMs), response);
    else {
      // Neither field is in the list now (Connection was taken out above): appended, not set.
      if (connection !== null) KilnHeaders.appendParsed(headers, 'connection', connection);
      if (!KilnHeaders.hasKnown(headers, 'date')) KilnHeaders.appendParsed(headers, 'date', s.date.now(nowMs));
      whole = singleWrite(statusLine, headers, response, framing);
    }
    // Most responses are one write: its acceptance is the one callback (it also ends the send deadline's wait).
    const written = whole !== null ? this.startWrite(whole, nowMs) : writeMessage(this.output, statusLine, headers!, response, framing);
    written.then(this.written, this.writeFailed);
  };

  private readonly written = (): void => {
    this.writeSinceMs = null;
    if (this.request === null || this.finishing) return;
    const body = this.body;
    if (this.keepAlive && body && !body.done) body.drain().then(this.exchanged, this.failed);
    else this.exchanged(this.keepAlive);
  };

  private readonly writeFailed = (err: unknown): void => {
    this.writeSinceMs = null;
    const request = this.request;
    if (request !== null && !(err instanceof FlowError)) {
      // The handler's body stream failed part way: the response cannot be completed.
      this.settings.onError(err, request);
      this.flow.abort();
    }
    this.failed();
  };

  /**
   * The handler's response, with the first chunk of a stream body already
   * pulled (see `prefetchFirstChunk`). Errors become 500, or the 4xx of a
   * request body that failed to arrive. A handler that answers at once is
   * answered at once, no promise in between; else null, and `respond` is
   * called once the response is there.
   */
  private callHandler(request: KilnRequest, body: IncomingBody | null, sendsBody: boolean): KilnResponse | null {
    let answer: KilnResponse | Promise<KilnResponse>;
    try {
      answer = this.handler(request);
      if (answer instanceof KilnResponse && !needsPrefetch(checkStatus(answer), sendsBody)) return answer;
    } catch (err) {
      return this.handlerFailed(err, request, body);
    }
    this.finishHandler(answer, request, body, sendsBody).then(this.respond, this.failed);
    return null;
  }

  private async finishHandler(
    answer: KilnResponse | Promise<KilnResponse>,
    request: KilnRequest,
    body: IncomingBody | null,
    sendsBody: boolean,
  ): Promise<KilnResponse> {
    try {
      const response = checkResponse(await answer);
      if (needsPrefetch(response, sendsBody)) await Body.prefetchFirstChunk(response);
      return response;
    } catch (err) {
      return this.handlerFailed(err, request, body);
    }
  }

  private handlerFailed(err: unknown, request: KilnRequest, body: IncomingBody | null): KilnResponse {
    // A body that failed to arrive (too large, malformed, too slow) is the client's fault, not the handler's.
    if (body?.failure instanceof HttpError) return errorResponse(body.failure);
    this.settings.onError(err, request);
    return new KilnResponse('internal server error\n', { status: 500 });
  }

  /** Sets the length headers of a response (RFC 9112 section 6.3) and says how its body goes out. */
  private responseFraming(head: RequestHead, response: KilnResponse, headers: KilnHeaders): OutgoingFraming {
    const s = response.status;
    if (s === 204 || s === 304) {
      headers.delete('transfer-encoding');
      if (s === 204) headers.delete('content-length');
      void Body.discard(response);
      return NO_BODY;
    }
    const framing = chooseFraming(headers, response, head.version === '1.1', true);
    if (head.method !== 'HEAD') return framing;
    // HEAD: the same fields as GET would have, no body (RFC 9110 section 9.3.2).
    if (framing.kind === 'until-close') headers.delete('content-length');
    return NO_BODY;
  }

  /** Answers a request that cannot be served, and gives up the connection. */
  private async refuse(err: unknown, status?: number): Promise<void> {
    if (!(err instanceof HttpError)) return; // the flow failed: no one to answer
    const code = status ?? STATUS_FOR_ERROR[err.code];
    if (code === undefined) return; // the client went away mid-request
    const response = errorResponse(err, code);
    const headers = response.headers;
    const framing = chooseFraming(headers, response, false, true);
    headers.set('connection', 'close');
    headers.set('date', this.settings.date.now());
    try {
      await writeMessage(this.output, `HTTP/1.1 ${code} ${reasonPhrase(code)}`, headers, response, framing);
    } catch {
      // The client is gone.
    }
  }
}

const nothing = (): void => undefined;

/** What a handler returned, checked to be a final response. */
function checkResponse(response: unknown): KilnResponse {
  if (!(response instanceof KilnResponse)) throw new TypeError('the handler did not return a Response (lib/web\'s; serveFetch takes others)');
  return checkStatus(response);
}

function checkStatus(response: KilnResponse): KilnResponse {
  if (response.status < 200) throw new RangeError(`the handler returned interim status ${response.status}`);
  return response;
}

/** A stream body's first chunk is pulled before the head goes out (see prefetchFirstChunk). */
function needsPrefetch(response: KilnResponse, sendsBody: boolean): boolean {
  return Body.knownLength(response) === null && sendsBody && response.status !== 204 && response.status !== 304;
}

function expectsContinue(head: RequestHead): boolean {
  return head.version === '1.1' && (head.headers.get('expect') ?? '').toLowerCase() === '100-continue';
}

/** The encoded field lines of a direct head, an array kept from one head to the next. */
const directLines: Uint8Array[] = [];

/**
 * The head and body of a response with no Headers object and at most
 * COALESCE_LIMIT bytes of body: the lines a Headers object would have held
 * by then (Content-Type, Content-Length, Connection, Date, in that order),
 * without building one.
 */
function directHead(statusLine: string, contentType: string | null, length: number, connection: string | null, date: string, response: KilnResponse): Uint8Array {
  const lines = directLines;
  let count = 0;
  const contentLength = String(length);
  if (contentType !== null) lines[count++] = fieldLine('content-type', contentType);
  lines[count++] = fieldLine('content-length', contentLength);
  if (connection !== null) lines[count++] = fieldLine('connection', connection);
  lines[count++] = fieldLine('date', date);
  // The response's headers, if ever read, hold what was written (as when the server sets them on a Headers object).
  KilnResponse.fieldsWritten(
    response,
    connection === null ? ['content-length', contentLength, 'date', date] : ['content-length', contentLength, 'connection', connection, 'date', date],
  );
  return assembleHead(statusLine, lines, count, length > 0 ? Body.takeBytes(response)! : undefined);
}

/** A short plain-text answer naming what was wrong. */
function errorResponse(err: HttpError, status = STATUS_FOR_ERROR[err.code] ?? 400): KilnResponse {
  return new KilnResponse(`${err.message}\n`, { status });
}

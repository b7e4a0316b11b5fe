/**
 * One request and its response over an open flow (the client side of HTTP/1.1).
 * The request body is sent while the response is read, so a server that
 * answers early (413, 401) is heard even if it stops reading.
 */
import type { Clock } from '../devices/clock.ts';
import { FlowError, type Flow } from '../devices/flow.ts';
import { Body } from '../web/body.ts';
import { readBody } from './body-reader.ts';
import { HttpError } from './errors.ts';
import { FlowReader } from './flow-reader.ts';
import { responseFraming } from './framing.ts';
import { parseResponseHead, type ResponseHead } from './head-parser.ts';
import type { KilnHeaders } from './headers.ts';
import { chooseFraming, writeMessage } from './message-writer.ts';
import { KilnResponse } from './response.ts';
import { hasToken } from './syntax.ts';
import type { HttpUrl } from './url.ts';

export interface ExchangeLimits {
  /** Needed for the timeouts. */
  clock: Clock | null;
  /** Time from sending the request to the whole response head, and longest silence in the response body (default: none). */
  timeoutMs: number | null;
  maxHeaderBytes: number;
  maxHeaderCount: number;
  maxBodyBytes: number;
}

export interface OutgoingRequest {
  method: string;
  url: HttpUrl;
  headers: KilnHeaders;
  body: Body | null;
}

export interface Exchange {
  response: KilnResponse;
  /**
   * Resolves once the response body was read to its end: true when the flow
   * may carry another request, false when it must be closed.
   */
  finished: Promise<boolean>;
}

const MAX_LINE_BYTES = 4096;
/** Interim (1xx) responses skipped before the final one, at most. */
const MAX_INTERIM = 8;

/** Methods whose requests carry a `Content-Length: 0` when they have no body, as browsers do. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Sends `request` on `flow` and resolves with the response once its head arrived. */
export async function exchange(flow: Flow, request: OutgoingRequest, limits: ExchangeLimits): Promise<Exchange> {
  const headers = request.headers;
  if (!headers.has('host')) headers.set('host', request.url.host);
  const framing = chooseFraming(headers, request.body, true, BODY_METHODS.has(request.method));
  const requestLine = `${request.method} ${request.url.pathname}${request.url.search} HTTP/1.1`;
  const reader = new FlowReader(flow, limits.clock);

  let sendFailure: unknown = null;
  const sending = writeMessage(flow, requestLine, headers, request.body, framing).catch((err: unknown) => {
    sendFailure = err;
  });

  if (limits.timeoutMs !== null) reader.setTimeouts(limits.clock!.nowMs() + limits.timeoutMs, null);
  let response: ResponseHead;
  try {
    response = await readFinalHead(reader, limits);
  } catch (err) {
    // A server that closed on us often says why in a send error; report the first cause.
    await sending;
    if (sendFailure !== null && !(sendFailure instanceof FlowError)) throw sendFailure;
    throw err;
  }
  reader.setTimeouts(null, limits.timeoutMs);

  const bodyFraming = responseFraming(response, request.method);
  const bodyLimits = { maxBodyBytes: limits.maxBodyBytes, maxLineBytes: MAX_LINE_BYTES, maxTrailerCount: limits.maxHeaderCount, fault: 'bad-response' as const };
  const connection = response.headers.get('connection');
  const persistent =
    bodyFraming.kind !== 'until-close' &&
    (response.version === '1.1' ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive'));

  let settle!: (reusable: boolean) => void;
  const finished = new Promise<boolean>((resolve) => (settle = resolve));
  const reusable = async (): Promise<boolean> => {
    await sending;
    return persistent && sendFailure === null && !hasToken(headers.get('connection'), 'close');
  };

  let body: AsyncIterable<Uint8Array> | null = null;
  if (bodyFraming.kind === 'none') {
    void reusable().then(settle);
  } else {
    const source = readBody(reader, bodyFraming, bodyLimits);
    let done = false;
    const iterator: AsyncIterator<Uint8Array> = {
      next: async () => {
        try {
          const step = await source.next();
          if (step.done && !done) {
            done = true;
            void reusable().then(settle);
          }
          return step;
        } catch (err) {
          done = true;
          settle(false);
          throw err;
        }
      },
      // Stopping early: the rest of the body is still on the wire, so the flow is spent.
      return: async () => {
        if (!done) {
          done = true;
          settle(false);
        }
        return { done: true, value: undefined };
      },
    };
    body = { [Symbol.asyncIterator]: () => iterator };
  }
  return {
    response: KilnResponse.fromWire(response.status, response.reason, response.headers, body),
    finished,
  };
}

/** Reads heads until a final (non-1xx) one; 101 is final here since nothing follows it in HTTP/1.1. */
async function readFinalHead(reader: FlowReader, limits: ExchangeLimits): Promise<ResponseHead> {
  for (let i = 0; i <= MAX_INTERIM; i++) {
    let text: string | null;
    try {
      text = await reader.readHead(limits.maxHeaderBytes);
    } catch (err) {
      if (err instanceof HttpError && (err.code === 'bad-request' || err.code === 'uri-too-long')) {
        throw new HttpError('bad-response', err.message);
      }
      throw err;
    }
    if (text === null) throw new HttpError('incomplete', 'the server closed the connection without a response');
    const head = parseResponseHead(text, limits.maxHeaderCount);
    if (head.status >= 200 || head.status === 101) return head;
  }
  throw new HttpError('bad-response', `more than ${MAX_INTERIM} interim responses`);
}

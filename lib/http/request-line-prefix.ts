/**
 * Early rejection of bytes that cannot begin an HTTP/1.x request line
 * (RFC 9112 section 3: method SP request-target SP HTTP-version). A TLS
 * ClientHello, an HTTP/0.9 `GET /` or binary noise is refused as soon as the
 * first bytes prove it, instead of holding a connection (and its buffer)
 * until the header timeout.
 *
 * Only the shape is checked, byte by byte as the line arrives (each byte
 * once, however slowly it trickles in); the full parse of the whole head
 * (target form, version number) still follows.
 */
import { HttpError } from './errors.ts';

const SP = 0x20;
const CR = 0x0d;

/** tchar (RFC 9110 section 5.6.2), indexed by byte. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** "HTTP/" DIGIT "." DIGIT; 0 stands for "a digit". */
const VERSION = [0x48, 0x54, 0x54, 0x50, 0x2f, 0, 0x2e, 0];

const enum Part {
  Method,
  Target,
  Version,
}

export class RequestLinePrefix {
  private part = Part.Method;
  /** Bytes of the current part seen so far. */
  private length = 0;
  /** Bytes of the line checked so far. */
  private checked = 0;

  /**
   * Checks the bytes of the line from `lineStart + checked` up to `end` or
   * the line's CR, whichever comes first; throws `HttpError('bad-request')`
   * as soon as they cannot be a request line's beginning.
   */
  feed(buf: Uint8Array, lineStart: number, end: number): void {
    for (let i = lineStart + this.checked; i < end; i++) {
      const c = buf[i]!;
      if (c === CR) return;
      this.checked++;
      this.step(c);
    }
  }

  /** The line ended (its CRLF arrived): throws unless it had all three parts. */
  finish(): void {
    if (this.part !== Part.Version || this.length !== VERSION.length) {
      throw new HttpError('bad-request', 'the request line is not "method SP target SP HTTP/x.y" (HTTP/0.9 is not served)');
    }
  }

  private step(c: number): void {
    if (c === SP && this.part !== Part.Version) {
      if (this.length === 0) throw new HttpError('bad-request', 'an empty part in the request line');
      this.part = this.part === Part.Method ? Part.Target : Part.Version;
      this.length = 0;
      return;
    }
    const ok =
      this.part === Part.Method
        ? TCHAR[c] === 1
        : this.part === Part.Target
          ? c >= 0x21 && c <= 0x7e
          : this.length < VERSION.length && (VERSION[this.length] === 0 ? c >= 0x30 && c <= 0x39 : c === VERSION[this.length]);
    if (!ok) throw new HttpError('bad-request', 'the first bytes cannot start an HTTP/1.x request line');
    this.length++;
  }
}

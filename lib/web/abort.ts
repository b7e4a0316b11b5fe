/** AbortController and AbortSignal (DOM Standard section 3.1-3.2), with AbortSignal.timeout and AbortSignal.any. */
import { DOMException } from './dom-exception.ts';
import { Event, EventTarget } from './event-target.ts';

const SIGNAL_KEY = Symbol('AbortSignal');

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason: unknown = undefined;
  onabort: ((event: Event) => void) | null = null;

  /** Made by AbortController and the static methods only. */
  constructor(key?: symbol) {
    if (key !== SIGNAL_KEY) throw new TypeError('Illegal constructor');
    super();
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  static create(): AbortSignal {
    return new AbortSignal(SIGNAL_KEY);
  }

  static signalAbort(signal: AbortSignal, reason: unknown): void {
    if (signal.#aborted) return;
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const event = new Event('abort');
    signal.onabort?.call(signal, event);
    signal.dispatchEvent(event);
  }

  static abort(reason?: unknown): AbortSignal {
    const signal = new AbortSignal(SIGNAL_KEY);
    AbortSignal.signalAbort(signal, reason);
    return signal;
  }

  /** Aborts with a TimeoutError after `ms` milliseconds. */
  static timeout(ms: number): AbortSignal {
    const signal = new AbortSignal(SIGNAL_KEY);
    setTimeout(() => AbortSignal.signalAbort(signal, new DOMException('The operation timed out', 'TimeoutError')), ms);
    return signal;
  }

  /** Aborts when the first of `signals` does, with its reason. */
  static any(signals: Iterable<AbortSignal>): AbortSignal {
    const result = new AbortSignal(SIGNAL_KEY);
    const list = [...signals];
    const already = list.find((s) => s.aborted);
    if (already) {
      AbortSignal.signalAbort(result, already.reason);
      return result;
    }
    for (const s of list) s.addEventListener('abort', () => AbortSignal.signalAbort(result, s.reason), { once: true });
    return result;
  }
}

export class AbortController {
  readonly signal = AbortSignal.create();

  abort(reason?: unknown): void {
    AbortSignal.signalAbort(this.signal, reason);
  }
}

/** Event, CustomEvent and EventTarget (DOM Standard sections 2.2-2.7), without the tree: targets have no parents. */
import { DOMException } from './dom-exception.ts';

export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export class Event {
  static readonly NONE = 0;
  static readonly CAPTURING_PHASE = 1;
  static readonly AT_TARGET = 2;
  static readonly BUBBLING_PHASE = 3;

  readonly type: string;
  readonly bubbles: boolean;
  readonly cancelable: boolean;
  readonly composed: boolean;
  readonly timeStamp = performance.now();
  readonly isTrusted = false;
  #canceled = false;
  #stopImmediate = false;
  #dispatching = false;
  #target: EventTarget | null = null;
  #currentTarget: EventTarget | null = null;

  constructor(type: string, init: EventInit = {}) {
    if (arguments.length === 0) throw new TypeError("Event: the 'type' argument is required");
    this.type = String(type);
    this.bubbles = !!init.bubbles;
    this.cancelable = !!init.cancelable;
    this.composed = !!init.composed;
  }

  get target(): EventTarget | null {
    return this.#target;
  }
  get srcElement(): EventTarget | null {
    return this.#target;
  }
  get currentTarget(): EventTarget | null {
    return this.#currentTarget;
  }
  get eventPhase(): number {
    return this.#dispatching ? Event.AT_TARGET : Event.NONE;
  }
  get defaultPrevented(): boolean {
    return this.#canceled;
  }
  get returnValue(): boolean {
    return !this.#canceled;
  }

  preventDefault(): void {
    if (this.cancelable) this.#canceled = true;
  }
  stopPropagation(): void {}
  stopImmediatePropagation(): void {
    this.#stopImmediate = true;
  }
  composedPath(): EventTarget[] {
    return this.#dispatching && this.#currentTarget ? [this.#currentTarget] : [];
  }

  /** EventTarget's side of dispatch: the flags the listeners' loop reads and sets. */
  static begin(event: Event, target: EventTarget): void {
    if (event.#dispatching) throw new DOMException('The event is already being dispatched', 'InvalidStateError');
    event.#dispatching = true;
    event.#target = target;
    event.#currentTarget = target;
    event.#stopImmediate = false;
  }
  static stoppedImmediately(event: Event): boolean {
    return event.#stopImmediate;
  }
  static end(event: Event): void {
    event.#dispatching = false;
    event.#currentTarget = null;
  }
}

export class CustomEvent<T = unknown> extends Event {
  readonly detail: T | null;
  constructor(type: string, init: EventInit & { detail?: T } = {}) {
    super(type, init);
    this.detail = init.detail ?? null;
  }
}

type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };
interface Registration {
  callback: Listener;
  capture: boolean;
  once: boolean;
  removed: boolean;
}
export interface AddEventListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: { aborted: boolean; addEventListener(type: 'abort', listener: () => void): void };
}

export class EventTarget {
  #listeners = new Map<string, Registration[]>();

  addEventListener(type: string, callback: Listener | null, options: boolean | AddEventListenerOptions = {}): void {
    if (callback === null) return;
    const opts = typeof options === 'boolean' ? { capture: options } : options;
    if (opts.signal?.aborted) return;
    const list = this.#listeners.get(type) ?? [];
    const capture = !!opts.capture;
    if (list.some((r) => r.callback === callback && r.capture === capture)) return;
    const registration: Registration = { callback, capture, once: !!opts.once, removed: false };
    list.push(registration);
    this.#listeners.set(type, list);
    opts.signal?.addEventListener('abort', () => this.removeEventListener(type, callback, { capture }));
  }

  removeEventListener(type: string, callback: Listener | null, options: boolean | { capture?: boolean } = {}): void {
    const capture = typeof options === 'boolean' ? options : !!options.capture;
    const list = this.#listeners.get(type);
    if (!list) return;
    const at = list.findIndex((r) => r.callback === callback && r.capture === capture);
    if (at < 0) return;
    list[at]!.removed = true;
    list.splice(at, 1);
  }

  /** Calls the listeners in the order added; a listener that throws is reported and the rest still run. */
  dispatchEvent(event: Event): boolean {
    if (!(event instanceof Event)) throw new TypeError('dispatchEvent: the argument is not an Event');
    Event.begin(event, this);
    try {
      for (const registration of [...(this.#listeners.get(event.type) ?? [])]) {
        if (registration.removed) continue;
        if (registration.once) this.removeEventListener(event.type, registration.callback, { capture: registration.capture });
        try {
          const cb = registration.callback;
          if (typeof cb === 'function') cb.call(this, event);
          else cb.handleEvent(event);
        } catch (err) {
          reportError(err);
        }
        if (Event.stoppedImmediately(event)) break;
      }
    } finally {
      Event.end(event);
    }
    return !event.defaultPrevented;
  }
}

/** An exception from a listener does not stop the dispatch (DOM section 2.9, "report the exception"). */
function reportError(err: unknown): void {
  console.error('Uncaught exception in event listener:', err);
}

/** A promise with its settle functions and whether it has settled, as the Streams Standard's algorithms keep them. */
export class Deferred<T = void> {
  readonly promise: Promise<T>;
  settled = false;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;

  /** `handled`: a rejection nobody waits for is not reported (the spec's "set [[PromiseIsHandled]]"). */
  constructor(handled = false) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (handled) this.promise.catch(() => {});
  }

  static resolved<T = void>(value: T): Deferred<T> {
    const deferred = new Deferred<T>();
    deferred.resolve(value);
    return deferred;
  }

  static rejected<T = void>(reason: unknown): Deferred<T> {
    const deferred = new Deferred<T>(true);
    deferred.reject(reason);
    return deferred;
  }

  resolve(value: T): void {
    this.settled = true;
    this.#resolve(value);
  }

  reject(reason: unknown): void {
    this.settled = true;
    this.#reject(reason);
  }
}

/** Calls `step`, its throw made a rejection (the Streams spec's "promise-calling"; WebCrypto reports errors so too). */
export function promiseCall<T = void>(step: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (err) {
    return Promise.reject(err);
  }
}

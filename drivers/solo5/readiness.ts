/**
 * Waiting for a Kiln device's readiness bit (fork or pipe): the tender
 * reports one bit per device, so every waiter wakes and retries its own
 * call. The device is watched only while someone waits, so an idle device
 * never keeps the unikernel running.
 */
export class Readiness {
  private waiters: (() => void)[] = [];

  constructor(private readonly watch: (callback: (() => void) | null) => void) {}

  /** Resolves at the device's next readiness report (or `wakeAll`). */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.waiters.length === 0) this.watch(() => this.wakeAll());
      this.waiters.push(resolve);
    });
  }

  /** Wakes every waiter now (they retry, and wait again if still blocked). */
  wakeAll(): void {
    const woken = this.waiters;
    this.waiters = [];
    this.watch(null);
    for (const resolve of woken) resolve();
  }
}

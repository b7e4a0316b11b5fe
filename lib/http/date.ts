/** The Date header's IMF-fixdate (RFC 9110 section 5.6.7), computed at most once a second. */
import type { Clock } from '../devices/clock.ts';

const DAYS = ['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed']; // 1970-01-01 was a Thursday
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * The Date value for now. The wall clock (a BigInt read) is consulted only
 * when the monotonic clock says a new second began, so a busy server pays
 * for it once a second, not once a request.
 */
export class DateHeader {
  private validUntilMs = -Infinity;
  private text = '';

  constructor(private readonly clock: Clock) {}

  /** @param monotonic the monotonic clock's reading now, when the caller has one (a native call saved) */
  now(monotonic = this.clock.nowMs()): string {
    if (monotonic < this.validUntilMs) return this.text;
    const wallMs = Number(this.clock.wallNs() / 1_000_000n);
    this.text = formatImfFixdate(Math.floor(wallMs / 1000));
    this.validUntilMs = monotonic + (1000 - (wallMs % 1000));
    return this.text;
  }
}

/** `Sun, 06 Nov 1994 08:49:37 GMT` for whole seconds since the epoch. */
export function formatImfFixdate(epochSecond: number): string {
  const days = Math.floor(epochSecond / 86400);
  const secs = epochSecond - days * 86400;
  // Civil date from a day count (the proleptic Gregorian algorithm, era of 400 years).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const weekday = DAYS[((days % 7) + 7) % 7]!;
  const time = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor((secs % 3600) / 60))}:${pad2(secs % 60)}`;
  return `${weekday}, ${pad2(day)} ${MONTHS[month - 1]!} ${year} ${time} GMT`;
}

/**
 * What the peer has reported holding above SND.UNA (RFC 2018 SACK blocks),
 * for loss recovery that retransmits only the holes (RFC 6675). Ranges are
 * kept sorted and disjoint as absolute sequence numbers.
 */
import { seqGt, seqLe, seqLt, seqMax, seqMin } from './seq.ts';

const MAX_RANGES = 16;
/** Most connections never see a SACK block: their ranges are allocated with the first. */
const NO_RANGES = new Uint32Array(0);

export class SackScoreboard {
  private count = 0;
  private lefts = NO_RANGES;
  private rights = NO_RANGES;
  /** Bytes covered by the ranges. */
  sackedBytes = 0;
  /** Right edge of the highest range (meaningful when `sackedBytes > 0`). */
  highest = 0;
  /** Start and end of the hole found by `nextHole`. */
  holeStart = 0;
  holeEnd = 0;

  get isEmpty(): boolean {
    return this.count === 0;
  }

  clear(): void {
    this.count = 0;
    this.sackedBytes = 0;
  }

  /**
   * Records one block; blocks that do not lie within (una, sndMax] (stale or
   * D-SACK, RFC 2883, or bogus) are ignored. Returns true when it covered
   * bytes not SACKed before.
   */
  add(left: number, right: number, una: number, sndMax: number): boolean {
    if (!seqLt(left, right) || seqLe(left, una) || seqGt(right, sndMax)) return false;
    let i = 0;
    while (i < this.count && seqLt(this.rights[i]!, left)) i++;
    let j = i;
    let l = left;
    let r = right;
    let covered = 0;
    while (j < this.count && seqLe(this.lefts[j]!, right)) {
      l = seqMin(l, this.lefts[j]!);
      r = seqMax(r, this.rights[j]!);
      covered += (this.rights[j]! - this.lefts[j]!) >>> 0;
      j++;
    }
    const grew = ((r - l) >>> 0) > covered;
    if (j > i) {
      this.lefts[i] = l;
      this.rights[i] = r;
      this.remove(i + 1, j - i - 1);
    } else {
      if (this.count === MAX_RANGES) return false;
      if (this.lefts === NO_RANGES) {
        this.lefts = new Uint32Array(MAX_RANGES);
        this.rights = new Uint32Array(MAX_RANGES);
      }
      this.lefts.copyWithin(i + 1, i, this.count);
      this.rights.copyWithin(i + 1, i, this.count);
      this.lefts[i] = l;
      this.rights[i] = r;
      this.count++;
    }
    this.recount();
    return grew;
  }

  /** SND.UNA advanced to `una`: forget what lies below it. */
  advance(una: number): void {
    let drop = 0;
    while (drop < this.count && seqLe(this.rights[drop]!, una)) drop++;
    this.remove(0, drop);
    if (this.count > 0 && seqLt(this.lefts[0]!, una)) this.lefts[0] = una;
    this.recount();
  }

  /** Bytes SACKed below `seq`. */
  sackedBelow(seq: number): number {
    let n = 0;
    for (let i = 0; i < this.count && seqLt(this.lefts[i]!, seq); i++) {
      n += (seqMin(this.rights[i]!, seq) - this.lefts[i]!) >>> 0;
    }
    return n;
  }

  /** Finds the first un-SACKed hole at or after `from` and below the highest SACKed byte; false if none. */
  nextHole(from: number): boolean {
    let start = from;
    for (let i = 0; i < this.count; i++) {
      if (seqLe(this.rights[i]!, start)) continue;
      if (seqGt(this.lefts[i]!, start)) {
        this.holeStart = start;
        this.holeEnd = this.lefts[i]!;
        return true;
      }
      start = this.rights[i]!;
    }
    return false;
  }

  private remove(at: number, n: number): void {
    if (n <= 0) return;
    this.lefts.copyWithin(at, at + n, this.count);
    this.rights.copyWithin(at, at + n, this.count);
    this.count -= n;
  }

  private recount(): void {
    let n = 0;
    for (let i = 0; i < this.count; i++) n += (this.rights[i]! - this.lefts[i]!) >>> 0;
    this.sackedBytes = n;
    if (this.count > 0) this.highest = this.rights[this.count - 1]!;
  }
}

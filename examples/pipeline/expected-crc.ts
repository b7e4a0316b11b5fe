/**
 * For the tests: the CRC-32 of the stream examples/pipeline sends, computed
 * on Node with zlib, so a test checks the child's result against a CRC that
 * owes nothing to lib/crc32 or to the runtime's C routine.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32Hex } from '../../lib/crc32.ts';
import { DEFAULT_CHUNK, pattern, patternLength, stream } from './app.ts';

export function expectedCrc(bytes: number, chunk = DEFAULT_CHUNK): string {
  let crc = 0;
  for (const piece of stream(pattern(patternLength(chunk)), bytes, chunk)) crc = zlibCrc32(piece, crc);
  return crc32Hex(crc);
}

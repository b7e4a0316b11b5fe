/**
 * The range and default of kiln-hvt's --mem, read from the tender's own
 * header, so that `kiln run` and the tender cannot disagree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

export const MEM_LIMITS_HEADER = join(repoRoot, 'platform-solo5', 'tender', 'mem_limits.h');

export interface MemLimits {
  minMb: number;
  defaultMb: number;
  maxMb: number;
}

export function memLimits(header = MEM_LIMITS_HEADER): MemLimits {
  const defines = new Map<string, number>();
  for (const match of readFileSync(header, 'utf8').matchAll(/^#define\s+(\w+)\s+(\d+)\b/gm)) defines.set(match[1]!, Number(match[2]));
  const get = (name: string): number => {
    const value = defines.get(name);
    if (value === undefined) throw new Error(`${header}: no '#define ${name} <number>' line`);
    return value;
  };
  return { minMb: get('KILN_MIN_MEM_MB'), defaultMb: get('KILN_DEFAULT_MEM_MB'), maxMb: get('KILN_MAX_MEM_MB') };
}

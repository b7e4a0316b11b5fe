/**
 * Upstream Solo5's hvt tender for the image suites' further comparison
 * (icmp, block, boot: the same C image under solo5-hvt). Never fetched or
 * built here: KILN_UPSTREAM_SOLO5 names a built Solo5 tree (`./configure.sh
 * && make` outside the repository; test/platform/compat.test.ts takes the
 * same variable). The tender goes into the machine with its libraries and
 * the host's loader (host-programs.ts), as node and wrk do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MissingSide, Side } from '../benchmark.ts';
import { hostProgramFiles, viaLoader } from './host-programs.ts';

export const UPSTREAM_NAME = 'solo5-hvt';

export type Upstream = { files: string[]; run: string } | { missing: string };

let found: Promise<Upstream> | undefined;

/** The tender's files and how a batch case starts it, or what is missing. */
export function upstreamHvt(): Promise<Upstream> {
  found ??= (async (): Promise<Upstream> => {
    const roots = (process.env.KILN_UPSTREAM_SOLO5 ?? '').split(':').filter((p) => p !== '');
    if (roots.length === 0) return { missing: 'needs KILN_UPSTREAM_SOLO5 (path to an upstream solo5-hvt build)' };
    // The compat tests take several trees; the benchmarks compare against the first.
    const tender = join(roots[0]!, 'tenders', 'hvt', 'solo5-hvt');
    if (!existsSync(tender)) return { missing: `needs ${tender} (KILN_UPSTREAM_SOLO5 names a Solo5 tree without a built solo5-hvt)` };
    return { files: await hostProgramFiles([tender]), run: viaLoader(tender) };
  })();
  return found;
}

/** The files a batch copies into the machine for the tender (none when it is missing). */
export const upstreamFiles = (upstream: Upstream): string[] => ('files' in upstream ? upstream.files : []);

/** A case's further side: made by `side` where the tender is here, else shown as missing under `name`. */
export const upstreamSide = (upstream: Upstream, name: string, side: () => Side): Side | MissingSide =>
  'missing' in upstream ? { name, missing: upstream.missing } : side();

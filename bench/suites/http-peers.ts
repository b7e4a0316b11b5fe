/**
 * What the http and memory benchmarks share: the two hello servers and the
 * place they run. Both sit in one namespace made for the run, inside the
 * same machine (this host with /dev/kvm, else the nested test VM), and wrk
 * drives both from that namespace:
 *  - Kiln: examples/http as an hvt image under kiln-hvt, on a tap;
 *  - Node: an `http` server answering `hello` on the namespace's own tap
 *    address (so its traffic takes the kernel's local path).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../../cli/image.ts';
import { repoRoot } from '../../cli/paths.ts';
import { hostProgramFiles, viaLoader } from './host-programs.ts';
import { TENDER } from './kvm-batch.ts';
import { inNs } from './netns.ts';
import { WRK } from './wrk.ts';

export const NS = 'kilnbhttp';
export const TAP = 'kilnbh0';
export const HOST_CIDR = '10.98.0.1/24';
const IMAGE_ADDRESS = '10.98.0.2';
const NODE_ADDRESS = '10.98.0.1';
const NODE_PORT = 8080;

export const IMAGE_URL = `http://${IMAGE_ADDRESS}/`;
export const NODE_URL = `http://${NODE_ADDRESS}:${NODE_PORT}/`;
export const IMAGE_NAME = 'http example image (kiln-hvt)';
export const NODE_NAME = 'Node.js http hello server';

const IMAGE = 'http.hvt';

/** The http example image under kiln-hvt with MIB (a number, or a shell expansion such as `$1`) MiB of guest memory. */
export const imageServer = (mib: string): string =>
  inNs(NS, `./kiln-hvt --mem=${mib} --net:service=${TAP} ${IMAGE} --ipv4=${IMAGE_ADDRESS}/24 --port=80`);

const NODE_HELLO = `require("http").createServer((req, res) => res.end("hello")).listen(${NODE_PORT}, "${NODE_ADDRESS}")`;
export const nodeServer: string = inNs(NS, `${viaLoader(process.execPath)} -e '${NODE_HELLO}'`);

/**
 * sh that waits (bounded: 60 tries a second apart) until URL answers, giving
 * up early when the server whose pid PID (a shell expression) names has
 * gone; its status says whether it answered.
 */
export const awaitAnswer = (url: string, pid: string): string =>
  `up=1; tries=0; until ${inNs(NS, `wget -q -O /dev/null -T 5 ${url}`)} 2>/dev/null; do ` +
  `if ! kill -0 ${pid} 2>/dev/null || [ $tries -ge 60 ]; then up=0; break; fi; tries=$((tries+1)); sleep 1; done; [ $up = 1 ]`;

/** Builds the image and returns every file the batch needs: tender, image, wrk and node with their libraries. */
export async function httpBatchFiles(): Promise<string[]> {
  const work = join(repoRoot, 'build', 'bench', 'http');
  mkdirSync(work, { recursive: true });
  const image = join(work, IMAGE);
  await buildImage(join(repoRoot, 'examples', 'http', 'app.ts'), 'x86_64', image);
  return [TENDER, image, ...(await hostProgramFiles([WRK, process.execPath]))];
}

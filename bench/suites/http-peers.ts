/**
 * What the http and memory benchmarks share: the two hello servers and the
 * place they run. Both sit in one namespace made for the run, inside the
 * same machine (this host with /dev/kvm, else the nested test VM), and wrk
 * drives both from that namespace:
 *  - Kiln: examples/http as an hvt image under kiln-hvt, on a tap;
 *  - Node: an `http` server answering `hello` on the namespace's own tap
 *    address (so its traffic takes the kernel's local path).
 */
import { join } from 'node:path';
import { repoRoot } from '../../cli/paths.ts';
import { buildPlatform } from '../../test/platform/build.ts';
import { benchImage } from './build.ts';
import { hostProgramFiles, viaLoader } from './host-programs.ts';
import { TENDER } from './kvm-batch.ts';
import { inNs } from './netns.ts';
import { WRK } from './wrk.ts';

export const NS = 'kilnbhttp';
export const TAP = 'kilnbh0';
export const HOST_CIDR = '10.98.0.1/24';
/** Where each server listens. Ports are numbers: the test machine has no /etc/services to name them. */
export interface Endpoint {
  address: string;
  port: number;
}
export const IMAGE_ENDPOINT: Endpoint = { address: '10.98.0.2', port: 80 };
export const NODE_ENDPOINT: Endpoint = { address: '10.98.0.1', port: 8080 };
export const urlOf = (e: Endpoint): string => `http://${e.address}:${e.port}/`;
/** wrk's connection count, for both servers and both benchmarks (as DESIGN's anchor figure, wrk -c10). */
export const CONNECTIONS = 10;
export const IMAGE_NAME = 'http example image (kiln-hvt)';
export const NODE_NAME = 'Node.js http hello server';

const IMAGE = 'http.hvt';

/** The http example image under kiln-hvt with MIB (a number, or a shell expansion such as `$1`) MiB of guest memory. */
export const imageServer = (mib: string): string =>
  inNs(NS, `./kiln-hvt --mem=${mib} --net:service=${TAP} ${IMAGE} --ipv4=${IMAGE_ENDPOINT.address}/24 --port=${IMAGE_ENDPOINT.port}`);

const NODE_HELLO = `require("http").createServer((req, res) => res.end("hello")).listen(${NODE_ENDPOINT.port}, "${NODE_ENDPOINT.address}")`;
export const nodeServer: string = inNs(NS, `${viaLoader(process.execPath)} -e '${NODE_HELLO}'`);

/**
 * sh that waits (bounded: 240 tries a quarter second apart) until the server at
 * ENDPOINT answers a GET with 200, giving up early when the server whose pid
 * PID (a shell expression) names has gone; its status says whether it
 * answered. Busybox's nc: the machine's static busybox wget crashes.
 */
export function awaitAnswer(e: Endpoint, pid: string): string {
  const probe = `printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' | ${inNs(NS, `nc -w 5 ${e.address} ${e.port}`)} 2>/dev/null | head -1 | grep -q ' 200 '`;
  return (
    `up=1; tries=0; until ${probe}; do ` +
    `if ! kill -0 ${pid} 2>/dev/null || [ $tries -ge 240 ]; then up=0; break; fi; tries=$((tries+1)); sleep 0.25; done; [ $up = 1 ]`
  );
}

/** Builds the image and returns every file the batch needs: tender, image, wrk and node with their libraries. */
export async function httpBatchFiles(): Promise<string[]> {
  const [image, programs] = await Promise.all([
    benchImage(join(repoRoot, 'examples', 'http', 'app.ts'), IMAGE),
    hostProgramFiles([WRK, process.execPath]),
    buildPlatform(),
  ]);
  return [TENDER, image, ...programs];
}

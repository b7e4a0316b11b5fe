/**
 * notes: an HTTP key-value service on the crash-safe store (lib/kv) on the
 * block device `storage`. The same disk image works on unix
 * (`KILN_BLOCK_STORAGE=disk.img` or `kiln run --block disk.img`) and in an
 * image (`kiln-hvt --block:storage=disk.img`), and `kiln kv` reads and
 * seeds it from the host.
 *
 *   PUT    /notes/KEY   stores the body (201 new, 204 replaced), answered once durable
 *   GET    /notes/KEY   the value (ETag, Last-Modified), or a dictionary's listing as JSON
 *   DELETE /notes/KEY   removes a value or a whole dictionary (204)
 *   GET    /notes/      the top-level listing
 *   GET    /stats       the store's figures
 *
 * Keys are paths (`a/b/c`), percent-decoded. A blank disk is formatted on
 * first start; a disk holding anything else is refused. On unix,
 * `KILN_BLOCK_STORAGE_FLUSH=thread-pool` keeps GETs answered while a PUT's
 * fdatasync runs (lib/kv/README.md has the figures).
 */
import { block, defineApp, KvError, parseArgs, stack, type Block, type Console, type Kv, type KvErrorCode } from '../../lib/index.ts';
import { formatLogStore, isBlank, LogStore } from '../../lib/kv/index.ts';
import { KilnResponse, serveHttp, type KilnRequest } from '../../lib/http/index.ts';
import { formatImfFixdate } from '../../lib/http/date.ts';

const ARGS = {
  port: { type: 'int', min: 0, max: 65535, default: 80, help: 'TCP port to serve on (0: any free port)' },
} as const;

const PREFIX = '/notes/';

/** HTTP status for each way the store refuses (RFC 9110 section 15; 507 is RFC 4918's Insufficient Storage). */
const STATUS: Record<KvErrorCode, number> = {
  'not-found': 404,
  'dictionary-expected': 409,
  'value-expected': 409,
  'already-present': 409,
  'invalid-argument': 400,
  'no-space': 507,
  'read-only': 503,
  closed: 503,
  io: 500,
  corrupt: 500,
  unsupported: 500,
};

async function openStore(disk: Block, console: Console): Promise<LogStore> {
  if (await isBlank(disk)) {
    await formatLogStore(disk);
    console.info(`notes: formatted a new store on the blank disk (${disk.info.capacity} bytes)`);
  }
  return LogStore.open(disk);
}

async function onKey(kv: Kv, request: KilnRequest, key: string): Promise<KilnResponse> {
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      if ((await kv.exists(key)) === 'dictionary') return KilnResponse.json({ entries: await kv.list(key) });
      const value = await kv.get(key);
      const etag = `"${await kv.digest(key)}"`;
      if (request.headers.get('if-none-match') === etag) return new KilnResponse(null, { status: 304, headers: { etag } });
      const lastModified = formatImfFixdate(Math.floor((await kv.lastModified(key)) / 1000));
      return new KilnResponse(value, { headers: { 'content-type': 'application/octet-stream', etag, 'last-modified': lastModified } });
    }
    case 'PUT': {
      const existed = (await kv.exists(key)) === 'value';
      await kv.set(key, await request.bytes());
      return new KilnResponse(null, { status: existed ? 204 : 201 });
    }
    case 'DELETE':
      await kv.remove(key);
      return new KilnResponse(null, { status: 204 });
    default:
      return new KilnResponse(`method ${request.method} not allowed here\n`, { status: 405, headers: { allow: 'GET, HEAD, PUT, DELETE' } });
  }
}

async function route(kv: LogStore, request: KilnRequest): Promise<KilnResponse> {
  const path = request.pathname;
  if (path === '/stats') return KilnResponse.json(kv.stats, { headers: { 'cache-control': 'no-store' } });
  if (path === '/') return new KilnResponse('notes: PUT, GET and DELETE /notes/KEY; GET /notes/ lists; GET /stats\n');
  if (!path.startsWith(PREFIX)) return new KilnResponse('not found\n', { status: 404 });
  let key: string;
  try {
    key = decodeURIComponent(path.slice(PREFIX.length));
  } catch {
    return new KilnResponse('bad percent-encoding in the key\n', { status: 400 });
  }
  try {
    return await onKey(kv, request, key);
  } catch (err) {
    if (!(err instanceof KvError)) throw err;
    return new KilnResponse(`${err.code}: ${err.message}\n`, { status: STATUS[err.code] });
  }
}

export default defineApp({
  name: 'notes',
  devices: { net: stack(), disk: block() },
  async start({ devices, args, clock, console }) {
    const { port } = parseArgs(args, ARGS);
    const kv = await openStore(devices.disk, console);
    console.info(`notes: ${kv.stats.keys} keys on the disk`);
    const listener = await devices.net.listenTcp(port);
    const server = serveHttp(listener, (request) => route(kv, request), {
      clock,
      onError: (err, request) => console.error(`notes: ${request.method} ${request.target}: ${err instanceof Error ? err.message : String(err)}`),
    });
    console.info(`notes: listening on ${listener.local.address}:${listener.local.port}`);
    await server.closed;
    await kv.close();
    console.info(`notes: stopped after ${server.requests} requests`);
  },
});

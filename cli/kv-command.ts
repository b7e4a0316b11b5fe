/**
 * kiln kv: a Kiln key-value store (lib/kv) in a disk image file, from the
 * host: create one, list, get, put and remove keys, and check it, so a user
 * can seed an image's data or look at what a service stored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { openFileBlock } from '../drivers/unix/block.ts';
import type { Block } from '../lib/devices/block.ts';
import { KvError, type Kv } from '../lib/devices/kv.ts';
import { KilnError } from '../lib/errors.ts';
import { findSectorSize, formatLogStore, isBlank, LogStore } from '../lib/kv/log-store.ts';
import { optionHelp, parseOptions, single, type OptionSpec } from './options.ts';
import { UsageError } from './usage-error.ts';

const SPEC: Record<string, OptionSpec> = {
  size: { value: 'SIZE', help: 'create: the image size (bytes, or with K, M, G; default 64M)' },
  'sector-size': { value: 'N', help: 'create: bytes per sector, 512 (default) or 4096...; others: read from the image' },
  force: { help: 'create: format an image that already holds data' },
  value: { value: 'TEXT', help: 'put: the value (instead of FILE or standard input)' },
  output: { short: 'o', value: 'FILE', help: 'get: write the value to FILE (default standard output)' },
  recursive: { short: 'r', help: 'list: everything below KEY' },
  help: { short: 'h', help: 'show this help' },
};

const USAGE = `kiln kv create IMAGE [--size SIZE] [--sector-size N] [--force]
kiln kv list IMAGE [KEY] [-r]
kiln kv get IMAGE KEY [-o FILE]
kiln kv put IMAGE KEY [FILE | --value TEXT]     (standard input without either)
kiln kv rm IMAGE KEY
kiln kv fsck IMAGE`;

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) throw new UsageError(`kiln kv: --size must be a number of bytes, optionally with K, M or G, got '${text}'`);
  const size = Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase());
  if (!Number.isSafeInteger(size) || size <= 0) throw new UsageError(`kiln kv: --size ${text} is out of range`);
  return size;
}

/** The image as a Block, with the sector size its store was made with. */
async function openImage(path: string, readOnly: boolean): Promise<Block> {
  const probe = await openFileBlock(path, { readOnly: true });
  const sectorSize = (await findSectorSize(probe)) ?? 512;
  await probe.close();
  return openFileBlock(path, { readOnly, sectorSize });
}

async function create(path: string, options: ReturnType<typeof parseOptions>): Promise<number> {
  const sectorSize = Number(single(options, 'sector-size', '512'));
  const exists = await stat(path).then(() => true, () => false);
  if (!exists || options.values.has('size')) {
    const size = parseSize(single(options, 'size', '64M')!);
    if (size % sectorSize !== 0) throw new UsageError(`kiln kv create: --size ${size} is not a whole number of ${sectorSize}-byte sectors`);
    const file = await open(path, exists ? 'r+' : 'w');
    await file.truncate(size);
    await file.close();
  }
  const block = await openFileBlock(path, { sectorSize });
  try {
    if (!options.flags.has('force') && !(await isBlank(block))) {
      console.error(`kiln kv create: ${path} already holds data (a store?); --force formats it anyway`);
      return 1;
    }
    await formatLogStore(block);
    const kv = await LogStore.open(block);
    const { freeBytes, maxValue } = kv.stats;
    await kv.close();
    console.log(`kiln kv: created a store in ${path} (${block.info.capacity} bytes, ${sectorSize}-byte sectors; about ${freeBytes} bytes for keys and values, values up to ${maxValue} bytes)`);
    return 0;
  } finally {
    await block.close();
  }
}

async function list(kv: Kv, key: string, recursive: boolean): Promise<void> {
  for (const e of await kv.list(key)) {
    if (e.kind === 'dictionary') {
      console.log(`${e.key}/`);
      if (recursive) await list(kv, e.key, true);
    } else console.log(`${e.key}\t${await kv.size(e.key)}`);
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function kvCommand(argv: string[]): Promise<number> {
  const options = parseOptions('kv', argv, SPEC);
  const [sub, image, ...args] = options.positional;
  if (options.flags.has('help') || sub === undefined) {
    console.log(`${USAGE}\n\n${optionHelp(SPEC)}`);
    return sub === undefined && !options.flags.has('help') ? 2 : 0;
  }
  const arity: Record<string, [number, number]> = { create: [0, 0], list: [0, 1], get: [1, 1], put: [1, 2], rm: [1, 1], fsck: [0, 0] };
  const range = arity[sub];
  if (!range) throw new UsageError(`kiln kv: unknown subcommand '${sub}' (expected one of: ${Object.keys(arity).join(', ')})`);
  if (image === undefined) throw new UsageError(`kiln kv ${sub}: missing IMAGE`);
  if (args.length < range[0] || args.length > range[1]) throw new UsageError(`kiln kv ${sub}: wrong arguments; usage:\n${USAGE}`);
  try {
    return sub === 'create' ? await create(image, options) : await onStore(sub, image, args, options);
  } catch (err) {
    if (!(err instanceof KilnError)) throw err;
    console.error(`kiln kv ${sub}: ${err.message} (${err.code})`);
    return 1;
  }
}

async function onStore(sub: string, image: string, args: string[], options: ReturnType<typeof parseOptions>): Promise<number> {
  const block = await openImage(image, sub === 'list' || sub === 'get' || sub === 'fsck');
  try {
    const kv = await LogStore.open(block);
    try {
      switch (sub) {
        case 'list':
          await list(kv, args[0] ?? '', options.flags.has('recursive'));
          return 0;
        case 'get': {
          const value = await kv.get(args[0]!);
          const output = single(options, 'output');
          if (output) writeFileSync(output, value);
          else process.stdout.write(value);
          return 0;
        }
        case 'put': {
          const text = single(options, 'value');
          const value = text !== undefined ? Buffer.from(text) : args[1] !== undefined ? readFileSync(args[1]) : await readStdin();
          await kv.set(args[0]!, new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
          return 0;
        }
        case 'rm':
          await kv.remove(args[0]!);
          return 0;
        default: {
          const r = await kv.check();
          console.log(`${image}: ${r.keys} keys, ${r.liveBytes} bytes live, log ${r.logBytes} bytes in ${r.batches} batches, about ${r.freeBytes} bytes free; superblocks: ${r.superblocks.join(', ')}`);
          for (const p of r.problems) console.log(`problem: ${p}`);
          console.log(r.ok ? 'clean' : 'NOT clean');
          return r.ok ? 0 : 1;
        }
      }
    } finally {
      await kv.close();
    }
  } catch (err) {
    if (err instanceof KvError) throw new KvError(err.code, `${image}: ${err.message}`);
    throw err;
  } finally {
    await block.close();
  }
}

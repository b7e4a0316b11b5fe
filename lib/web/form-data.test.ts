// Blob, File, FormData and multipart bodies of lib/web, checked against
// Node's own (undici's) implementations: what ours encodes Node parses, and
// what Node encodes ours parses, entry for entry.
import { describe, expect, it } from 'vitest';

import { Blob, File } from './blob.ts';
import { FormData } from './form-data.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { URLSearchParams } from './url-search-params.ts';

type AnyForm = Iterable<[string, string | { name: string; type: string; text(): Promise<string> }]>;

/** A form's entries as plain data: strings as they are, files as [name, type, text]. */
async function entriesOf(form: AnyForm): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, value] of form) out.push([name, typeof value === 'string' ? value : [value.name, value.type, await value.text()]]);
  return out;
}

describe('Blob and File', () => {
  it('concatenate parts, normalise the type, and slice as Node does', async () => {
    const parts = ['héllo ', new Uint8Array([0x77, 0x6f]), new Uint16Array([0x6c72]).buffer, 'd'];
    const ours = new Blob([new Blob(parts), '!'], { type: 'Text/Plain' });
    const node = new globalThis.Blob([new globalThis.Blob(parts), '!'], { type: 'Text/Plain' });
    expect([ours.size, ours.type, await ours.text()]).toEqual([node.size, node.type, await node.text()]);
    for (const [start, end, type] of [[1, 4, 'A/B'], [-3, undefined, undefined], [5, 2, ''], [undefined, -1, 'x\u0100']] as const) {
      const a = ours.slice(start, end, type);
      const b = node.slice(start, end, type);
      expect([a.size, a.type, [...(await a.bytes())]]).toEqual([b.size, b.type, [...new Uint8Array(await b.arrayBuffer())]]);
    }
    expect(new Blob([], { type: 'bad\u00e9' }).type).toBe('');
    expect(await new Blob(['a\r\nb\rc'], { endings: 'native' }).text()).toBe('a\nb\nc');
    const chunks: number[] = [];
    for await (const chunk of ours.stream()) chunks.push(...chunk);
    expect(chunks).toEqual([...new Uint8Array(await node.arrayBuffer())]);
  });

  it('File has a name and lastModified', () => {
    const file = new File(['x'], 'a.txt', { type: 'text/plain', lastModified: 42 });
    expect([file.name, file.lastModified, file.type, file.size, file instanceof Blob, Object.prototype.toString.call(file)]).toEqual([
      'a.txt',
      42,
      'text/plain',
      1,
      true,
      '[object File]',
    ]);
    expect(() => new (File as unknown as new (parts: string[]) => File)(['x'])).toThrow(TypeError);
  });
});

describe('FormData', () => {
  it('appends, sets, gets, deletes and iterates in order; a Blob becomes a File', async () => {
    const build = (F: typeof FormData, B: typeof Blob) => {
      const form = new F();
      form.append('a', '1');
      form.append('b', new B(['bee'], { type: 'text/x-b' }));
      form.append('a', '2');
      form.append('c', new B(['see']), 'c.bin');
      form.set('b', 'replaced');
      form.append('d', 'gone');
      form.delete('d');
      return form;
    };
    const ours = build(FormData, Blob);
    const node = build(globalThis.FormData as unknown as typeof FormData, globalThis.Blob as unknown as typeof Blob);
    expect(await entriesOf(ours)).toEqual(await entriesOf(node as unknown as AnyForm));
    expect([ours.get('a'), ours.getAll('a'), ours.has('b'), ours.has('d'), ours.get('nope')]).toEqual(['1', ['1', '2'], true, false, null]);
    expect([...ours.keys()]).toEqual(['a', 'b', 'a', 'c']);
    const file = ours.get('c') as File;
    expect([file instanceof File, file.name, file.type]).toEqual([true, 'c.bin', '']);
    const seen: string[] = [];
    ours.forEach((value, name) => seen.push(`${name}=${typeof value}`));
    expect(seen).toEqual(['a=string', 'b=string', 'a=string', 'c=object']);
  });
});

/** A form with what multipart must carry whole: line breaks, quotes, non-ASCII, binary. */
function richForm<F extends { append(n: string, v: unknown, f?: string): void }>(form: F, B: typeof Blob): F {
  form.append('plain', 'value');
  form.append('lines', 'one\ntwo\rthree\r\nfour');
  form.append('quo"te\nname', 'ünïcødé €');
  form.append('file', new B([new Uint8Array([0, 1, 2, 255, 13, 10, 45, 45])], { type: 'application/x-bin' }), 'da"ta.bin');
  form.append('text', new B(['hello']), 'hello.txt');
  return form;
}

describe('multipart/form-data bodies', () => {
  it("what ours encodes, Node's Response.formData() parses", async () => {
    const ours = new Response(richForm(new FormData(), Blob));
    const type = ours.headers.get('content-type')!;
    expect(type).toMatch(/^multipart\/form-data; boundary=-+KilnFormBoundary[0-9a-f]{24}$/);
    const bytes = await ours.arrayBuffer();
    const parsed = await new globalThis.Response(bytes, { headers: { 'content-type': type } }).formData();
    const expected = await new globalThis.Response(richForm(new globalThis.FormData(), globalThis.Blob as unknown as typeof Blob)).formData();
    expect(await entriesOf(parsed as unknown as AnyForm)).toEqual(await entriesOf(expected as unknown as AnyForm));
  });

  it("what Node encodes, ours parses (Request.formData), the same entries Node's parser gives", async () => {
    const node = new globalThis.Request('http://x/', { method: 'POST', body: richForm(new globalThis.FormData(), globalThis.Blob as unknown as typeof Blob) });
    const type = node.headers.get('content-type')!;
    const bytes = new Uint8Array(await node.clone().arrayBuffer());
    const ours = await new Request('http://x/', { method: 'POST', body: bytes, headers: { 'content-type': type } }).formData();
    const file = ours.get('file') as File;
    expect([file instanceof File, file.name, file.type, [...(await file.bytes())]]).toEqual([true, 'da"ta.bin', 'application/x-bin', [0, 1, 2, 255, 13, 10, 45, 45]]);
    expect(await entriesOf(ours)).toEqual(await entriesOf((await node.formData()) as unknown as AnyForm));
  });

  it('parses urlencoded bodies; refuses other types and malformed multipart with a TypeError', async () => {
    const form = await new Response(new URLSearchParams('a=1&b=x+y&a=%E2%82%AC')).formData();
    expect([...form]).toEqual([['a', '1'], ['b', 'x y'], ['a', '€']]);
    await expect(new Response('{}', { headers: { 'content-type': 'application/json' } }).formData()).rejects.toThrow(TypeError);
    const broken = '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end';
    await expect(new Response(broken, { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData()).rejects.toThrow(TypeError);
    const nameless = '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n';
    await expect(new Response(nameless, { headers: { 'content-type': 'multipart/form-data; boundary="b"' } }).formData()).rejects.toThrow(TypeError);
  });

  it('takes a Blob body with its type, and reads any body back as a Blob', async () => {
    const response = new Response(new Blob(['<p>'], { type: 'text/html' }));
    expect(response.headers.get('content-type')).toBe('text/html');
    const blob = await response.blob();
    expect([blob.type, await blob.text()]).toEqual(['text/html', '<p>']);
    expect(new Response(new Blob(['x'])).headers.get('content-type')).toBeNull();
  });
});

// Headers, Request, Response and ReadableStream from lib/web (not Node's).
import { describe, expect, it } from 'vitest';

import { Headers } from './headers.ts';
import { ReadableStream } from './readable-stream.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { URLSearchParams } from './url-search-params.ts';
import { AbortController } from './abort.ts';

const streamOf = (...chunks: string[]) => ReadableStream.from(chunks.map((c) => new TextEncoder().encode(c)));

describe('Headers', () => {
  it('lower-cases names, trims values, sorts and combines on iteration, keeps Set-Cookie apart', () => {
    const h = new Headers({ 'X-B': ' 2 ', 'x-a': '1' });
    h.append('X-B', '3');
    h.append('Set-Cookie', 'a=1');
    h.append('set-cookie', 'b=2');
    expect(h.get('x-b')).toBe('2, 3');
    expect([...h]).toEqual([['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-a', '1'], ['x-b', '2, 3']]);
    expect(h.getSetCookie()).toEqual(['a=1', 'b=2']);
    h.set('x-b', '4');
    expect(h.get('X-B')).toBe('4');
    h.delete('x-a');
    expect(h.has('x-a')).toBe(false);
  });

  it('refuses invalid names and values with TypeError', () => {
    expect(() => new Headers({ 'bad name': 'x' })).toThrow(TypeError);
    expect(() => new Headers([['x', 'a\r\nb']])).toThrow(TypeError);
    expect(() => new Headers([['x', 'a', 'b']])).toThrow(TypeError);
    expect(() => Headers.freeze(new Headers()).set('a', 'b')).toThrow(TypeError);
  });
});

describe('Response', () => {
  it('reads a body once as text, json, bytes or arrayBuffer', async () => {
    const r = new Response('héllo', { status: 201, statusText: 'Created', headers: { 'x-k': 'v' } });
    expect([r.status, r.ok, r.statusText, r.headers.get('content-type')]).toEqual([201, true, 'Created', 'text/plain;charset=UTF-8']);
    expect(r.bodyUsed).toBe(false);
    expect(await r.text()).toBe('héllo');
    expect(r.bodyUsed).toBe(true);
    await expect(r.text()).rejects.toThrow(TypeError);
    expect(await Response.json({ a: [1] }).json()).toEqual({ a: [1] });
    expect(Response.json(1).headers.get('content-type')).toBe('application/json');
    expect([...(await new Response(new Uint8Array([1, 2])).bytes())]).toEqual([1, 2]);
    expect((await new Response(new Uint8Array([3]).buffer).arrayBuffer()).byteLength).toBe(1);
    expect(new Response(new URLSearchParams('a=b')).headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('makes the headers of a response given no headers init when asked: its Content-Type, then one object kept', () => {
    const text = new Response('x', { status: 404 });
    const headers = text.headers;
    expect([...headers]).toEqual([['content-type', 'text/plain;charset=UTF-8']]);
    headers.set('x-k', 'v');
    expect(text.headers).toBe(headers);
    expect(text.headers.get('x-k')).toBe('v');
    expect([...new Response(new Uint8Array([1])).headers]).toEqual([]);
    expect([...new Response(null).headers]).toEqual([]);
    expect([...new Response('y').clone().headers]).toEqual([['content-type', 'text/plain;charset=UTF-8']]);
  });

  it('streams a body chunk by chunk and tees it for clone', async () => {
    const r = new Response(streamOf('ab', 'cd'));
    const copy = r.clone();
    const chunks: string[] = [];
    for await (const chunk of r.body!) chunks.push(new TextDecoder().decode(chunk));
    expect(chunks).toEqual(['ab', 'cd']);
    expect(r.bodyUsed).toBe(true);
    expect(await copy.text()).toBe('abcd');
  });

  it('checks status and null-body statuses; error and redirect', () => {
    expect(() => new Response(null, { status: 600 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 204 })).toThrow(TypeError);
    expect(new Response(null, { status: 204 }).body).toBeNull();
    const e = Response.error();
    expect([e.type, e.status]).toEqual(['error', 0]);
    const redirect = Response.redirect('http://example.com/a b', 301);
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, 'http://example.com/a%20b']);
    expect(() => Response.redirect('http://x/', 200)).toThrow(RangeError);
  });
});

describe('Request', () => {
  it('parses the URL, normalizes the method, refuses a GET body', async () => {
    const r = new Request('http://Example.com/a/../b?q#f', { method: 'post', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
    expect([r.url, r.method, r.headers.get('content-type')]).toEqual(['http://example.com/b?q#f', 'POST', 'application/json']);
    expect(await r.clone().json()).toEqual({ x: 1 });
    expect(await r.json()).toEqual({ x: 1 });
    expect(new Request('http://h/', { method: 'patch' }).method).toBe('patch');
    expect(() => new Request('/relative')).toThrow(TypeError);
    expect(() => new Request('http://h/', { body: 'x' })).toThrow(TypeError);
    expect(() => new Request('http://h/', { method: 'CONNECT' })).toThrow(TypeError);
  });

  it('takes the body of the Request it is made from, which becomes used', async () => {
    const first = new Request('http://h/', { method: 'PUT', body: streamOf('s') });
    const second = new Request(first, { headers: { a: 'b' } });
    expect(first.bodyUsed).toBe(true);
    expect([second.method, await second.text(), second.headers.get('a')]).toEqual(['PUT', 's', 'b']);
  });

  it('follows the signal it was given', () => {
    const controller = new AbortController();
    const r = new Request('http://h/', { signal: controller.signal });
    controller.abort('stop');
    expect([r.signal.aborted, r.signal.reason]).toEqual([true, 'stop']);
  });
});

describe('ReadableStream', () => {
  it('pulls up to the high-water mark only', async () => {
    let pulls = 0;
    const stream = new ReadableStream<number>({ pull: (c) => c.enqueue(++pulls) }, { highWaterMark: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(pulls).toBe(2);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await new Promise((r) => setTimeout(r, 0));
    expect(pulls).toBe(3);
  });

  it('cancels the source when an iteration stops early; errors reach readers', async () => {
    let reason: unknown;
    const stream = new ReadableStream<number>({ pull: (c) => c.enqueue(1), cancel: (r) => void (reason = r) });
    for await (const n of stream) if (n === 1) break;
    expect(reason).toBeUndefined();
    expect(ReadableStream.isDisturbed(stream)).toBe(true);
    const failing = new ReadableStream({ start: (c) => c.error(new Error('boom')) });
    await expect(failing.getReader().read()).rejects.toThrow('boom');
    expect(() => { const s = new ReadableStream(); s.getReader(); s.getReader(); }).toThrow(TypeError);
  });
});

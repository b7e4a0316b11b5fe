/**
 * The Web-standard APIs that Kiln images give app code as globals
 * (drivers/solo5/web-globals.ts), written in TypeScript on the runtime's
 * pieces. On the unix target Node.js has its own. See README.md.
 */
export { URL } from './url.ts';
export { URLSearchParams } from './url-search-params.ts';
export { Headers, type HeadersInit } from './headers.ts';
export { Request, type RequestInit } from './request.ts';
export { Response, type ResponseInit } from './response.ts';
export { type BodyInit } from './body.ts';
export { ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController } from './readable-stream.ts';
export { WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController } from './writable-stream.ts';
export { TransformStream, TransformStreamDefaultController } from './transform-stream.ts';
export { CountQueuingStrategy, ByteLengthQueuingStrategy } from './queue-with-sizes.ts';
export { TextEncoderStream, TextDecoderStream } from './text-streams.ts';
export { Blob, File, type BlobPart } from './blob.ts';
export { FormData, type FormDataEntryValue } from './form-data.ts';
export { AbortController, AbortSignal } from './abort.ts';
export { Event, EventTarget, CustomEvent } from './event-target.ts';
export { DOMException } from './dom-exception.ts';
export { atob, btoa } from './base64.ts';
export { structuredClone } from './structured-clone.ts';
export { randomUUID } from './random-uuid.ts';
export { subtle, SubtleCrypto, CryptoKey } from './subtle-crypto.ts';
export { navigator } from './navigator.ts';
export { createFetch, type Fetch } from './fetch.ts';

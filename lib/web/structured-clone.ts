/**
 * structuredClone (HTML section 2.7) for the serializable types an engine
 * without a DOM has: primitives, their wrapper objects, Date, RegExp,
 * ArrayBuffer and its views, Map, Set, Error, arrays and plain objects, with
 * shared references and cycles kept. Functions, symbols and other
 * non-serializable values are a DataCloneError. Transfer is not supported.
 */
import { DOMException } from './dom-exception.ts';

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

type TypedArrayConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

const uncloneable = (what: string) => new DOMException(`${what} could not be cloned`, 'DataCloneError');

export function structuredClone<T>(value: T, options?: { transfer?: unknown[] }): T {
  if (options?.transfer?.length) throw uncloneable('a transfer list');
  const memory = new Map<object, unknown>();

  function clone(v: unknown): unknown {
    if (typeof v === 'function') throw uncloneable(`function ${(v as { name: string }).name || '(anonymous)'}`);
    if (typeof v === 'symbol') throw uncloneable('a symbol');
    if (v === null || typeof v !== 'object') return v;
    const seen = memory.get(v);
    if (seen !== undefined) return seen;
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    let out: unknown;
    const remember = <U>(copy: U): U => {
      memory.set(v, copy);
      return copy;
    };
    switch (tag) {
      case 'Boolean':
        return remember(Object(Boolean.prototype.valueOf.call(v)));
      case 'Number':
        return remember(Object(Number.prototype.valueOf.call(v)));
      case 'String':
        return remember(Object(String.prototype.valueOf.call(v)));
      case 'BigInt':
        return remember(Object(BigInt.prototype.valueOf.call(v)));
      case 'Date':
        return remember(new Date((v as Date).getTime()));
      case 'RegExp':
        return remember(new RegExp((v as RegExp).source, (v as RegExp).flags));
      case 'ArrayBuffer':
        return remember((v as ArrayBuffer).slice(0));
      case 'DataView': {
        const view = v as DataView;
        return remember(new DataView(clone(view.buffer) as ArrayBuffer, view.byteOffset, view.byteLength));
      }
      case 'Map': {
        const map = remember(new Map());
        for (const [k, x] of v as Map<unknown, unknown>) map.set(clone(k), clone(x));
        return map;
      }
      case 'Set': {
        const set = remember(new Set());
        for (const x of v as Set<unknown>) set.add(clone(x));
        return set;
      }
      case 'Error': {
        const err = v as Error;
        const ctor = ERROR_TYPES[err.name] ?? Error;
        const copy = remember(new ctor(err.message));
        if (err.stack !== undefined) Object.defineProperty(copy, 'stack', { value: err.stack, writable: true, configurable: true });
        if ('cause' in err) Object.defineProperty(copy, 'cause', { value: clone(err.cause), writable: true, configurable: true });
        return copy;
      }
      case 'Array': {
        const array = remember(new Array((v as unknown[]).length));
        for (const key of Object.keys(v)) array[key as unknown as number] = clone((v as Record<string, unknown>)[key]);
        return array;
      }
      case 'Object': {
        out = remember({});
        for (const key of Object.keys(v)) (out as Record<string, unknown>)[key] = clone((v as Record<string, unknown>)[key]);
        return out;
      }
    }
    if (ArrayBuffer.isView(v)) {
      const view = v as unknown as { buffer: ArrayBuffer; byteOffset: number; length: number; constructor: TypedArrayConstructor };
      return remember(new view.constructor(clone(view.buffer) as ArrayBuffer, view.byteOffset, view.length));
    }
    throw uncloneable(`a ${tag} object`);
  }

  return clone(value) as T;
}

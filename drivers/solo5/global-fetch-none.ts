/**
 * The image's global `fetch` for an app without a stack device: present, so
 * feature detection finds it as on Node, and rejecting as fetch-global.ts
 * would, without bundling the HTTP client such an app cannot use.
 */
import { noStackForFetch } from './fetch-stack.ts';
import { setGlobal } from './set-global.ts';

setGlobal('fetch', (): Promise<never> => Promise.reject(noStackForFetch()));

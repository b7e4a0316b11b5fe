/** The image's global `fetch` for an app with a stack device (cli/bundle.ts imports this or global-fetch-none.ts). */
import { fetch } from './fetch-global.ts';
import { setGlobal } from './set-global.ts';

setGlobal('fetch', fetch);

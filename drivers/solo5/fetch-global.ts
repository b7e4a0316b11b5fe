/**
 * The image's global `fetch` (lib/web/fetch.ts) over an HttpClient on the
 * app's first stack device, with DNS from lib/dns (`--resolver=IP`, else the
 * DHCP lease's servers). `https://` needs trust anchors an image does not
 * carry: an app that fetches HTTPS makes its own with `createFetch` over an
 * HttpClient whose `secure` is lib/tls's `httpsConnector`.
 */
import { DnsResolver } from '../../lib/dns/resolver.ts';
import { HttpClient } from '../../lib/http/client.ts';
import { createFetch, type Fetch } from '../../lib/web/fetch.ts';
import { noStackForFetch, stackForFetch } from './fetch-stack.ts';

let made: Fetch | null = null;

export const fetch: Fetch = (input, init) => {
  if (!made) {
    const offered = stackForFetch();
    if (!offered) return Promise.reject(noStackForFetch());
    const { stack, args, clock, random } = offered;
    made = createFetch(new HttpClient(stack, { resolver: new DnsResolver(stack, { args, clock, random }), clock }));
  }
  return made(input, init);
};

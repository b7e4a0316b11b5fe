/**
 * lib/http's header fields are lib/web's `Headers`, the one header list
 * (`KilnHeaders` is kept as a name for it). Names are case-insensitive, a
 * name may repeat, `get` joins repeats with ", ", and every name and value
 * is checked when it is added, so nothing set here can split a message on
 * the wire.
 */
export { Headers as KilnHeaders, type HeadersInit } from '../web/headers.ts';

/**
 * lib/http's responses are lib/web's `Response` (`KilnResponse` is kept as
 * a name for it): handlers return one, and the client resolves with one.
 * An empty status text is sent as the standard reason phrase.
 */
export { Response as KilnResponse, type ResponseInit } from '../web/response.ts';

/**
 * Gives image code Node's `Buffer` (from the `buffer` package), injected by
 * the hvt bundle only where code uses it.
 */
export { Buffer } from 'buffer';

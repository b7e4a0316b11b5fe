/** The dynamic port range of RFC 6335 §6 (49152-65535), from which port 0 binds pick. */
export const EPHEMERAL_FIRST = 49152;
export const EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;

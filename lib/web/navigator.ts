/** navigator (WinterTC Minimum Common API): the runtime's name in `userAgent`, as Deno, Bun and Workers give theirs. */
export const navigator: { readonly userAgent: string } = Object.freeze({ userAgent: 'Kiln' });

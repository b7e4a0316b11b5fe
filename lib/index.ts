/** Kiln's public API for applications: signatures, the app model, boot arguments. */
export * from './errors.ts';
export * from './app.ts';
export * from './args.ts';
export * from './ipv4-text.ts';
export * from './devices/net.ts';
export * from './devices/flow.ts';
export * from './devices/stack.ts';
export * from './devices/memory-budget.ts';
export * from './devices/block.ts';
export * from './devices/kv.ts';
export * from './devices/clock.ts';
export * from './devices/random.ts';
export * from './devices/console.ts';
export * from './devices/pipe.ts';
export * from './devices/fork.ts';

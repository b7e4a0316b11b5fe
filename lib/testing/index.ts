/** Test devices for apps' unit tests: drive time, keep disks in memory. */
export * from './virtual-clock.ts';
export * from './memory-block.ts';

/**
 * Test devices for apps' unit tests: time the test drives, disks in memory
 * (and one that loses power on cue), a key-value store in memory,
 * an in-memory Ethernet switch (with faults and pcap capture) to join stacks,
 * the TypeScript stack to put on it, a scripted DHCP server, connected
 * in-memory flows, and a seeded (not cryptographic) Random. Nothing here
 * imports a test framework.
 */
export * from './virtual-clock.ts';
export * from './memory-block.ts';
export * from './memory-kv.ts';
export * from './crash-block.ts';
export * from './switch.ts';
export * from './drive.ts';
export * from './pcap.ts';
export * from './flow-pair.ts';
export * from './seeded-random.ts';
export * from './stack-fixtures.ts';
export * from './test-app.ts';
export { ScriptedDhcpServer, boundStack, dhcpStack, dnsOption, type ClientMessage } from './dhcp-server.ts';
export { createStack, type NetStack, type StackConfig } from '../net/stack.ts';
export { ImageGlobalError, IMAGE_GLOBALS } from './image-globals.ts';

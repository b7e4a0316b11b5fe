/** The interface's IPv4 address, netmask and default gateway, and the routing decision they give. */

export const NO_ROUTE = -1;
export const LIMITED_BROADCAST = 0xffffffff;

export function prefixToMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Prefix length of a contiguous netmask, or -1 when the mask has holes. */
export function maskToPrefix(mask: number): number {
  let prefix = 0;
  while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
  return prefixToMask(prefix) === mask >>> 0 ? prefix : -1;
}

/** Class D and E addresses (224.0.0.0 and above): never a unicast source or destination. */
export function isMulticastOrReserved(address: number): boolean {
  return address >>> 28 >= 0xe;
}

/** 127.0.0.0/8: this host, never on a wire (RFC 1122 §3.2.1.3). */
export function isLoopback(address: number): boolean {
  return address >>> 24 === 127;
}

export class Ipv4Routing {
  /** 0 while unconfigured (DHCP not bound yet). */
  address = 0;
  prefix = 0;
  mask = 0;
  /** 0 for none. */
  gateway = 0;
  /** Whether there is an address (plain fields, kept by `set`: read for every packet). */
  configured = false;
  /** Our subnet's directed broadcast, or LIMITED_BROADCAST when there is none (unconfigured, /31, /32: RFC 3021). */
  directedBroadcast = LIMITED_BROADCAST;

  set(address: number, prefix: number, gateway: number): void {
    this.address = address >>> 0;
    this.prefix = prefix;
    this.mask = prefixToMask(prefix);
    this.gateway = gateway >>> 0;
    this.configured = this.address !== 0;
    this.directedBroadcast = this.configured && prefix < 31 ? (this.address | ~this.mask) >>> 0 : LIMITED_BROADCAST;
  }

  clear(): void {
    this.set(0, 0, 0);
  }

  /** The limited broadcast, or the directed broadcast of our subnet (not for /31 and /32, RFC 3021). */
  isBroadcast(address: number): boolean {
    return address === LIMITED_BROADCAST || address === this.directedBroadcast;
  }

  /** This host: our address or 127.0.0.0/8; such packets loop back inside the stack. */
  isLocal(address: number): boolean {
    return isLoopback(address) || (this.configured && address === this.address);
  }

  isOnLink(address: number): boolean {
    return this.configured && ((address ^ this.address) & this.mask) === 0;
  }

  /** The neighbour to hand a packet for `dst` to: `dst` itself on the link, else the gateway; NO_ROUTE otherwise. */
  nextHop(dst: number): number {
    if (this.isBroadcast(dst) || this.isOnLink(dst)) return dst;
    if (this.gateway !== 0 && this.isOnLink(this.gateway)) return this.gateway;
    return NO_ROUTE;
  }
}

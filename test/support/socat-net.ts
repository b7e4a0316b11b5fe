/**
 * Net over a UDP socket on loopback, one Ethernet frame per datagram: the
 * other end is `socat` bridging a real tap device, e.g.
 *   socat TUN:10.0.0.1/24,tun-type=tap,tun-name=kiln0,iff-up,iff-no-pi \
 *         UDP:127.0.0.1:<localPort>,bind=127.0.0.1:<remotePort>
 * so the TypeScript stack on Node can talk to Linux's stack without a native
 * addon. Run socat and this process in the same network namespace.
 */
import { randomFillSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { NetError, type MacAddress } from '../../lib/devices/net.ts';
import { FrameDevice } from '../../lib/net/frame-device.ts';

export interface SocatNetOptions {
  /** The UDP port this process binds; 0 lets the host pick one (see `localPort` after opening). */
  localPort: number;
  /** The UDP port socat binds, where frames are sent. */
  remotePort: number;
  /** Loopback address both bind (default 127.0.0.1). */
  host?: string;
  /** Default: a random locally administered unicast MAC. */
  mac?: MacAddress;
  /** Default 1500, as the tap's. */
  mtu?: number;
  /** Frames handed to the socket and not yet sent, at most (default 4096); beyond, `write` fails. */
  maxInFlight?: number;
}

export class SocatNet extends FrameDevice {
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly host: string;

  private constructor(
    private readonly socket: Socket,
    private readonly remotePort: number,
    options: SocatNetOptions,
  ) {
    super(options.mac ? options.mac.slice(0, 6) : randomMac(), options.mtu ?? 1500);
    this.host = options.host ?? '127.0.0.1';
    this.maxInFlight = options.maxInFlight ?? 4096;
    socket.on('message', (msg) => this.deliver(new Uint8Array(msg.buffer, msg.byteOffset, msg.length)));
  }

  /** Binds the local port; rejects with NetError('io') when it cannot. */
  static open(options: SocatNetOptions): Promise<SocatNet> {
    for (const [name, port, min] of [['localPort', options.localPort, 0], ['remotePort', options.remotePort, 1]] as const) {
      if (!Number.isInteger(port) || port < min || port > 65535) {
        return Promise.reject(new NetError('unavailable', `${name} must be a port from ${min} to 65535, got ${port}`));
      }
    }
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => reject(new NetError('io', `cannot bind UDP ${options.host ?? '127.0.0.1'}:${options.localPort}: ${err.message}`)));
      socket.bind(options.localPort, options.host ?? '127.0.0.1', () => {
        socket.removeAllListeners('error');
        const net = new SocatNet(socket, options.remotePort, options);
        socket.on('error', () => net.stats.rxDropped++);
        resolve(net);
      });
    });
  }

  /**
   * Two SocatNets aimed at each other on loopback: a wire without socat,
   * root or a tap, speaking socat's framing. The first is bound before the
   * second's port is known, so it is opened again on the port it got.
   */
  static async loopbackPair(): Promise<[SocatNet, SocatNet]> {
    const first = await SocatNet.open({ localPort: 0, remotePort: 9 });
    const b = await SocatNet.open({ localPort: 0, remotePort: first.localPort });
    const port = first.localPort;
    first.close();
    const a = await SocatNet.open({ localPort: port, remotePort: b.localPort });
    return [a, b];
  }

  /** The UDP port bound here. */
  get localPort(): number {
    return this.socket.address().port;
  }

  protected transmit(frame: Uint8Array): void {
    if (this.inFlight >= this.maxInFlight) {
      this.stats.txDropped++;
      throw new NetError('io', `${this.inFlight} frames are waiting for the socket`);
    }
    // The socket sends later; the caller may reuse its buffer at once, so send a copy.
    const copy = Buffer.from(frame);
    this.inFlight++;
    this.socket.send(copy, this.remotePort, this.host, (err) => {
      this.inFlight--;
      if (err) this.stats.txDropped++;
    });
  }

  protected release(): void {
    this.socket.close();
  }
}

function randomMac(): MacAddress {
  const mac = new Uint8Array(6);
  randomFillSync(mac);
  // Locally administered, unicast.
  mac[0] = (mac[0]! & 0xfc) | 0x02;
  return mac;
}

// A TCP relay between a client and a real server, that can go silent (a network path that
// stops delivering without closing, which only a heartbeat watchdog can detect) or cut every
// connection (a network failure the server survives).
import net from 'node:net';

export interface Relay {
  port: number;
  /** Stops forwarding server → client on every open connection (new ones still flow). */
  freeze(): void;
  /** Resets every open connection (new ones still flow). */
  cut(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((down) => {
    const up = net.connect({ host: '127.0.0.1', port: targetPort });
    const pair: [net.Socket, net.Socket] = [down, up];
    pairs.add(pair);
    down.pipe(up);
    up.pipe(down);
    const end = () => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      for (const [down, up] of pairs) up.unpipe(down);
    },
    cut() {
      for (const [down, up] of pairs) {
        down.resetAndDestroy();
        up.destroy();
      }
    },
    close() {
      for (const [down, up] of pairs) {
        down.destroy();
        up.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

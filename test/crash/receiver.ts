// A webhook receiver in the test process (local dev allows http to 127.0.0.1): it records every
// delivery, and can hold the first one unanswered so the runtime is killed while it waits.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Resolves when the first delivery has arrived (and, when holding, is being held). */
  firstArrived: Promise<void>;
  /** Resolves once `count` deliveries have arrived. */
  arrivals(count: number): Promise<void>;
  /** Answers the held delivery (its connection may be dead by then). */
  release(): void;
  close(): Promise<void>;
}

const plainHeaders = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));

export async function startReceiver(options: { holdFirst: boolean }): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const waiters: { count: number; done: () => void }[] = [];
  let arrived: () => void = () => {};
  const firstArrived = new Promise<void>((done) => {
    arrived = done;
  });
  let release: () => void = () => {};
  const released = new Promise<void>((done) => {
    release = done;
  });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      deliveries.push({ headers: plainHeaders(request.headers), body: Buffer.concat(chunks).toString('utf8') });
      const first = deliveries.length === 1;
      for (const waiter of waiters.filter((w) => deliveries.length >= w.count)) waiter.done();
      arrived();
      if (first && options.holdFirst) await released;
      response.on('error', () => {});
      response.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    firstArrived,
    arrivals: (count) => (deliveries.length >= count ? Promise.resolve() : new Promise((done) => waiters.push({ count, done }))),
    release: () => release(),
    close: async () => {
      release();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

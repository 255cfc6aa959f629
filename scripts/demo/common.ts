// What the demo's steps share: the client, the town, printing, checks and a bounded wait.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRPCClientError } from '@trpc/client';
import { createTownClient } from '../../client/index.ts';

export const url = process.env.TOWN_URL ?? 'http://localhost:8787';
export const town = createTownClient({ url, token: process.env.TOWN_TOKEN ?? 'dev-token' });
export const townId = `demo-${Date.now().toString(36)}`;
export const POLL_TIMEOUT_MS = 20_000;

let problems = 0;
/** How many checks failed so far. */
export const problemCount = () => problems;
export const say = (line = '') => console.log(line);
export function check(ok: boolean, what: string) {
  say(`  ${ok ? '✓' : '✗'} ${what}`);
  if (!ok) problems += 1;
}
export const bar = (done: number, total: number, width = 24) => {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
};
export async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) {
      if (!ok(value)) check(false, `${what} (timed out)`);
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A local webhook endpoint, so the demo can show what the town posts to it. */
export async function startWebhookReceiver() {
  const received: { id: string; type: string; headers: Record<string, string>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string };
      received.push({
        id: String(req.headers['webhook-id']),
        type: event.type,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => server.close() };
}

/** The tRPC error code a call failed with, or `allowed` when it succeeded. */
export async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'allowed';
  } catch (error) {
    if (error instanceof TRPCClientError) return String((error.data as { code?: string } | undefined)?.code);
    throw error;
  }
}

import { createServer } from 'node:http';

// A real webhook endpoint for the tests (vitest globalSetup, runs in Node, so plain JS: the project's
// TypeScript is typed for workerd): the Worker's plain `fetch` posts to it over TCP. Each test uses
// its own path name, so tests never see each other's requests.
//   POST /hooks/<name>    records the request, answers as planned (default 200)
//   PUT  /control/<name>  sets the plan: { failures?: n, status?: 500|410|307, delayMs?: ms, location?: url,
//                         hold?: true } (`location` is sent as the Location header of the planned answers, for
//                         redirects; `hold` keeps each planned answer until a release, so a test decides when)
//   GET  /control/<name>  the recorded requests ({ headers, body, status }), oldest first
//   GET  /control/<name>/arrived   { arrived: n }: posts that reached the receiver, answered or still held
//   POST /control/<name>/release   answers the held posts

const DEFAULT_PLAN = { failures: 0, status: 500, delayMs: 0 };

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const received = new Map();
  const plans = new Map();
  const arrived = new Map();
  const held = new Map();
  const server = createServer(async (req, res) => {
    const [, kind, name = '', action] = (req.url ?? '').split('/');
    const body = await readBody(req);
    if (kind === 'control' && action === 'arrived') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ arrived: arrived.get(name) ?? 0 }));
    } else if (kind === 'control' && action === 'release' && req.method === 'POST') {
      for (const release of held.get(name) ?? []) release();
      held.delete(name);
      res.writeHead(204).end();
    } else if (kind === 'control' && req.method === 'PUT') {
      plans.set(name, { ...DEFAULT_PLAN, ...JSON.parse(body) });
      res.writeHead(204).end();
    } else if (kind === 'control' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received.get(name) ?? []));
    } else if (kind === 'hooks' && req.method === 'POST') {
      const plan = plans.get(name) ?? { ...DEFAULT_PLAN };
      arrived.set(name, (arrived.get(name) ?? 0) + 1);
      if (plan.hold && plan.failures > 0) await new Promise((resolve) => held.set(name, [...(held.get(name) ?? []), resolve]));
      if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
      const status = plan.failures > 0 ? plan.status : 200;
      if (plan.failures > 0) plan.failures -= 1;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.set(name, [...(received.get(name) ?? []), { headers, body, status }]);
      const redirect = status !== 200 && plan.location ? { location: plan.location } : {};
      if (!res.destroyed) res.writeHead(status, redirect).end(status === 200 ? 'ok' : 'no');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('webhookReceiverPort', server.address().port);
  return () =>
    new Promise((resolve) => {
      for (const releases of held.values()) for (const release of releases) release();
      server.close(() => resolve());
    });
}

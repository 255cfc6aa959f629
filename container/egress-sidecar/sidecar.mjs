// A local stand-in for the Containers egress sidecar (`cloudflare/proxy-everything`), for `wrangler dev`
// on a machine that cannot pull it (scripts/containers/setup.sh builds it; MINIFLARE_CONTAINER_EGRESS_IMAGE
// names it). workerd starts it next to each container, sharing the container's network, and talks to it on
// the ingress address. It honours the inbound half of the contract only:
// - `PUT /egress` `{ port, dns, internet }`: workerd tells it where its egress listener is; answered 204.
// - `GET /ca`: the PEM of the CA the app would trust for intercepted TLS; answered 200 (see ca.pem: we
//   intercept nothing, so no key exists for it).
// - `CONNECT host:port` (each request workerd sends to the app): 200 then bytes piped both ways, or 400
//   while nothing listens there yet, which workerd retries.
// Outbound interception (iptables, DNS, TLS) is what the real sidecar adds; the Town Container needs none.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';

export const DEFAULT_INGRESS_ADDRESS = '0.0.0.0:39001';
const CA_PEM_PATH = new URL('./ca.pem', import.meta.url);

/** `host:port` (or `[v6]:port`) → its parts; null when it is not one. */
export function parseAddress(address) {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(address ?? '');
  if (!match) return null;
  const port = Number(match[2]);
  return match[1] && port > 0 && port < 65536 ? { host: match[1], port } : null;
}

/** The flags workerd passes (see the contract above); unknown flags are kept but ignored. */
export function parseArgs(argv) {
  const options = { ingressAddress: DEFAULT_INGRESS_ADDRESS, egressPort: null, gatewayCidr: null, flags: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--http-ingress-address') options.ingressAddress = argv[++i];
    else if (arg === '--http-egress-port') options.egressPort = Number(argv[++i]);
    else if (arg === '--docker-gateway-cidr') options.gatewayCidr = argv[++i];
    else options.flags.push(arg);
  }
  return options;
}

function log(level, event, fields = {}) {
  console.log(JSON.stringify({ level, event, ...fields }));
}

/** Starts the ingress server; resolves once it listens. `egress` holds what the last `PUT /egress` said. */
export async function startSidecar({ ingressAddress = DEFAULT_INGRESS_ADDRESS, caPem = readFileSync(CA_PEM_PATH, 'utf8') } = {}) {
  const listenOn = parseAddress(ingressAddress);
  if (!listenOn) throw new Error(`--http-ingress-address must be host:port, got ${ingressAddress}`);
  const state = { egress: null };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://sidecar').pathname;
    if (req.method === 'PUT' && path === '/egress') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      try {
        state.egress = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('body must be JSON');
        return;
      }
      log('info', 'sidecar.egress_configured', { egress: state.egress });
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && path === '/ca') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(caPem);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });

  // Each request to the app: a tunnel to it, opened only once the app accepts the connection.
  server.on('connect', (req, client, head) => {
    const target = parseAddress(req.url);
    if (!target) {
      client.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(target.port, target.host);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    // Nothing listens yet (the app is starting): 400, and workerd tries again.
    upstream.once('error', (error) => {
      if (!connected && client.writable) {
        client.end(`HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nx-sidecar-error: ${error.code ?? 'error'}\r\n\r\n`);
      } else client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenOn.port, listenOn.host, resolve);
  });
  return { server, state };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const options = parseArgs(process.argv.slice(2));
  const { server } = await startSidecar({ ingressAddress: options.ingressAddress });
  log('info', 'sidecar.listening', { ingress: server.address(), egressPort: options.egressPort, ignoredFlags: options.flags });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

// Import rules of the server (checked by `npm run lint`). The house has floors and arrows run one way,
// downwards: the edge (server/*.ts: worker, router) → the TownDO facade (town/) → the concepts, each on
// the ones below it → the floor (core/) → schema/. Type-only imports count: a cycle of types is still a knot.

/** The folders of server/, lowest first. A folder may import the ones before it, never one after it. */
const FLOORS = ['core', 'auth', 'notify', 'rigs', 'events', 'escalations', 'convoys', 'retention', 'watchdog', 'mayor', 'town'];

const folder = (name) => `^server/${name}/`;
const EDGE = '^server/[^/]+\\.ts$';

/** One rule per folder: nothing above it (a later folder, or the edge). */
const oneWayUp = FLOORS.map((name, i) => ({
  name: `${name}-imports-only-below`,
  severity: 'error',
  comment: `server/${name}/ stands on ${FLOORS.slice(0, i).join(', ') || 'schema/ alone'}; it imports nothing above it.`,
  from: { path: folder(name) },
  to: { path: [...FLOORS.slice(i + 1).map(folder), EDGE] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles, type-only ones included.', from: {}, to: { circular: true } },
    ...oneWayUp,
    {
      name: 'every-server-file-has-a-floor',
      severity: 'error',
      comment: `A server file lives in one of the floors (${FLOORS.join(', ')}) or is the edge (server/worker.ts, router.ts, body-limit.ts).`,
      from: { path: '^server/', pathNot: [EDGE, ...FLOORS.map(folder)] },
      to: {},
    },
    {
      name: 'routers-only-from-the-root',
      severity: 'error',
      comment: 'A concept router is composed by server/router.ts only.',
      from: { pathNot: '^(server/router\\.ts|test/|bench/)' },
      to: { path: '\\.router\\.ts$' },
    },
    {
      name: 'do-classes-only-from-the-worker',
      severity: 'error',
      comment: 'DO classes are exported by the worker; everyone else reaches a DO through its stub (typed by Env).',
      from: { pathNot: '^(server/worker\\.ts|test/|bench/)' },
      to: { path: '-do\\.ts$' },
    },
    {
      name: 'client-only-from-the-mayor',
      severity: 'error',
      comment: "The client is for callers of the API; inside the server only the MayorDO's briefing uses it.",
      from: { path: '^server/', pathNot: '^server/mayor/' },
      to: { path: '^client/' },
    },
    {
      name: 'client-reaches-only-the-router-type',
      severity: 'error',
      comment: 'The client imports the AppRouter type and nothing else of the server.',
      from: { path: '^client/' },
      to: { path: '^server/', pathNot: '^server/router\\.ts$' },
    },
    {
      name: 'web-reaches-the-api-through-the-client',
      severity: 'error',
      comment: 'The dashboard (web/) runs in the browser: it calls the API through the typed client only, never server code or the schema.',
      from: { path: '^web/' },
      to: { path: '^(server|schema)/' },
    },
    {
      name: 'schema-is-the-floor',
      severity: 'error',
      from: { path: '^schema/' },
      to: { path: '^(server|client)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|client/dist|web/dist|\\.wrangler)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};

// Import rules of the server (checked by `npm run lint`). Arrows run one way:
// worker → root router → concept routers → DO facades → concept modules → notify/, scheduler and
// the core (server/*.ts) → schema/. Type-only imports count: a cycle of types is still a knot.
const CONCEPT = '^server/(rigs|convoys|escalations|notify|watchdog|mayor|events|auth|town|dashboard)/';
const STUB = '/stub\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles, type-only ones included.', from: {}, to: { circular: true } },
    {
      name: 'core-below-concepts',
      severity: 'error',
      comment: 'server/*.ts (trpc, errors, scheduler, pagination, log, timeout, …) is what every concept uses; it imports no concept.',
      from: { path: '^server/[^/]+\\.ts$', pathNot: '^server/(worker|router)\\.ts$' },
      to: { path: CONCEPT },
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
      name: 'notify-below-concepts',
      severity: 'error',
      comment: 'notify/ delivers what concepts enqueue; it knows no concept but the DOs it delivers to (stubs) and the town context.',
      from: { path: '^server/notify/' },
      to: { path: '^server/(rigs|convoys|escalations|watchdog|mayor|events|auth|dashboard)/', pathNot: STUB },
    },
    {
      name: 'events-below-concepts',
      severity: 'error',
      comment: 'Every concept appends to the event log; the log knows none of them (only the town context and its stub).',
      from: { path: '^server/events/' },
      to: { path: '^server/(rigs|convoys|escalations|notify|watchdog|mayor|dashboard)/' },
    },
    {
      name: 'rigs-lowest-concept',
      severity: 'error',
      comment: 'The registry and the RigDO are what the other concepts build on.',
      from: { path: '^server/rigs/' },
      to: { path: '^server/(convoys|escalations|watchdog|mayor)/', pathNot: STUB },
    },
    {
      name: 'watchdog-and-mayor-on-top',
      severity: 'error',
      comment: 'Convoys and escalations do not depend on the watchdog or the Mayor.',
      from: { path: '^server/(convoys|escalations)/' },
      to: { path: '^server/(watchdog|mayor)/', pathNot: STUB },
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
      name: 'schema-is-the-floor',
      severity: 'error',
      from: { path: '^schema/' },
      to: { path: '^(server|client)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|client/dist|\\.wrangler)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};

// The runtime's floor for issue 25's targets (`npm run bench:floor`): a Worker with nothing of town's in
// it: no tRPC, no auth, no zod, no Drizzle, no log lines. `/read` is one DO RPC reading one row; `/write`
// one DO RPC committing the least a durable close must (one counter row updated, one event row
// inserted); `/fanout?rigs=N` one DO that commits a row, then has N other DOs commit one row each and
// waits for them (the least a create that answers once its rigs hold their beads must do).
import { DurableObject } from 'cloudflare:workers';

interface FloorEnv {
  FLOOR_TOWN: DurableObjectNamespace<FloorTown>;
  FLOOR_RIG: DurableObjectNamespace<FloorRig>;
}

export class FloorTown extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('create table if not exists counter (id integer primary key, closed integer not null)');
    ctx.storage.sql.exec('create table if not exists events (seq integer primary key, body text not null)');
    ctx.storage.sql.exec('insert or ignore into counter (id, closed) values (1, 0)');
  }
  read(): number {
    return this.ctx.storage.sql.exec<{ closed: number }>('select closed from counter where id = 1').one().closed;
  }
  write(beadId: string): number {
    const sql = this.ctx.storage.sql;
    sql.exec('update counter set closed = closed + 1 where id = 1');
    sql.exec('insert into events (body) values (?)', JSON.stringify({ type: 'convoy.bead_closed', beadId }));
    return this.read();
  }
  async fanout(rigs: number, title: string): Promise<number> {
    this.ctx.storage.sql.exec('insert into events (body) values (?)', JSON.stringify({ type: 'convoy.created', title }));
    const names = Array.from({ length: rigs }, (_, i) => `rig-${i}`);
    await Promise.all(names.map((name) => this.env.FLOOR_RIG.get(this.env.FLOOR_RIG.idFromName(name)).receive(title)));
    return rigs;
  }
}

export class FloorRig extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('create table if not exists beads (id integer primary key, title text not null)');
  }
  receive(title: string): number {
    this.ctx.storage.sql.exec('insert into beads (title) values (?)', title);
    return 1;
  }
}

const town = (env: FloorEnv) => env.FLOOR_TOWN.get(env.FLOOR_TOWN.idFromName('floor'));

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    if (url.pathname === '/read') return Response.json(await town(env).read());
    if (url.pathname === '/write') return Response.json(await town(env).write(await request.text()));
    if (url.pathname === '/fanout') return Response.json(await town(env).fanout(Number(url.searchParams.get('rigs')), 'bead'));
    return new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<FloorEnv>;

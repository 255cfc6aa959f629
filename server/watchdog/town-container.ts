import { Container } from '@cloudflare/containers';

/**
 * The Town Container: one per town (`TOWN_CONTAINER.idFromName(townId)`), running `container/Dockerfile`.
 * The TownDO's watchdog calls its `/health` on every heartbeat; with containers disabled (local dev,
 * tests) the platform throws on any call, which the watchdog reports as `unavailable`.
 */
export class TownContainer extends Container<Env> {
  // container/health-server.mjs listens here.
  override defaultPort = 8080;
  // Longer than the 3-minute heartbeat, so a live town's container stays warm instead of cold-starting
  // for every health check; a town whose heartbeat stopped (no rigs) lets it sleep.
  override sleepAfter = '10m';
}

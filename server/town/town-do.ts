import type { TownCall } from '../auth/access';
import * as tokens from '../auth/tokens';
import { type ConvoyBeadsInput, listConvoyBeads } from '../convoys/beads-page';
import { createBudgetedConvoy, setConvoyBudget } from '../convoys/budget-calls';
import { addCost, type CostInput, reviewTownBudget, todaysSpend } from '../convoys/budgets';
import * as convoys from '../convoys/convoys';
import { setDue } from '../convoys/due-dates';
import { convoyGraph } from '../convoys/graph';
import { type PauseChange, switchConvoy, switchTown, townStatus } from '../convoys/pause-switches';
import { setPriority } from '../convoys/priority';
import { retryFailed } from '../convoys/retry';
import type { BeadClosedDetails } from '../convoys/settle';
import { type ConvoyTimelineInput, convoyTimeline } from '../convoys/timeline';
import { type ConvoyStatus, toConvoy } from '../convoys/views';
import * as watchers from '../convoys/watchers';
import { applyRigReports, breakerReset } from '../convoys/work-reports';
import type * as eventLog from '../core/event-log';
import { checkedCursor } from '../core/event-log';
import { scopedFilter } from '../core/event-scope';
import * as settings from '../core/settings';
import * as escalations from '../escalations/escalations';
import * as lifecycle from '../escalations/lifecycle';
import * as routing from '../escalations/routing';
import { setRouting } from '../escalations/routing-update';
import * as silences from '../escalations/silences';
import { listEventsFor } from '../events/scoped-list';
import { rotateSigningSecret } from '../notify/signing-secrets';
import { changeSettings } from '../retention/settings-change';
import * as rigs from '../rigs/registry';
import type { RigReport } from '../rigs/reports';
import { registerRigWithHeartbeat } from '../watchdog/heartbeat-schedule';
import * as watchdog from '../watchdog/watchdog';
import { townStats } from './stats';
import { TownRuntime } from './town-runtime';

/** One per town (`TOWN.idFromName(townId)`): a thin RPC surface over the town's logic modules. */
export class TownDO extends TownRuntime {
  registerRig(call: TownCall, input: { name: string }) {
    return this.run(call, (c) => registerRigWithHeartbeat(c, input));
  }

  listRigs(call: TownCall) {
    return this.run(call, (c) => rigs.listRigs(c));
  }

  getRig(call: TownCall, rigId: string) {
    return this.run(call, (c) => rigs.getRig(c, rigId));
  }

  /** The rig, and the town's settings its work loop needs (the claim and close paths' one town call). */
  rigForWork(call: TownCall, rigId: string) {
    return this.run(call, (c) => rigs.rigForWork(c, rigId));
  }

  breakerReset(call: TownCall, rigId: string) {
    return this.run(call, (c) => breakerReset(c, rigId));
  }

  async removeRig(call: TownCall, rigId: string) {
    // The rig goes, and its tokens with it, in one transaction; then its open streams end.
    const removed = await this.run(call, (c) =>
      c.db.transaction(() => {
        const rig = rigs.removeRig(c, rigId);
        tokens.revokeRigTokens(c, rigId);
        return rig;
      }),
    );
    this.eventHub.recheck();
    return removed;
  }

  createConvoy(call: TownCall, input: convoys.CreateConvoyInput & { budget?: number }) {
    return this.convoy(call, (c) => createBudgetedConvoy(c, input));
  }

  addConvoyBeads(call: TownCall, input: { convoyId: string; beads: convoys.NewBead[]; idempotencyKey?: string }) {
    return this.convoy(call, (c) => convoys.addBeads(c, input));
  }

  /** A rig's report that a convoy bead closed, with its outcome (RigDO → TownDO, retried by the rig until it lands). */
  onBeadClosed(call: TownCall, convoyId: string, beadId: string, details?: BeadClosedDetails) {
    return this.convoy(call, (c) => convoys.beadClosedAndReleased(c, { convoyId, beadId, ...details }));
  }

  /** A rig's batch of work-loop reports (claims, renewals, releases, failed attempts, breaker changes). */
  onRigReports(call: TownCall, rigId: string, reports: RigReport[]) {
    return this.run(call, (c) => applyRigReports(c, rigId, reports));
  }

  retryFailedConvoy(call: TownCall, convoyId: string) {
    return this.convoy(call, (c) => retryFailed(c, convoyId));
  }

  cancelConvoy(call: TownCall, convoyId: string) {
    return this.convoy(call, (c) => convoys.cancelConvoy(c, convoyId));
  }

  // `narrowTo` on convoy reads: a rig token's rig, which reads only the convoys it takes part in (else NOT_FOUND).

  getConvoy(call: TownCall, convoyId: string, narrowTo: string | null = null) {
    return this.run(call, (c) => convoys.getConvoy(c, convoyId, narrowTo));
  }

  convoyGraph(call: TownCall, convoyId: string, narrowTo: string | null = null) {
    return this.run(call, (c) => convoyGraph(c, convoyId, narrowTo));
  }

  listConvoyBeads(call: TownCall, input: ConvoyBeadsInput, narrowTo: string | null = null) {
    return this.run(call, (c) => listConvoyBeads(c, input, narrowTo));
  }

  convoyTimeline(call: TownCall, input: ConvoyTimelineInput, narrowTo: string | null = null) {
    return this.run(call, (c) => convoyTimeline(c, input, narrowTo));
  }

  listConvoys(call: TownCall, input: { status?: ConvoyStatus; limit?: number; cursor?: string }, narrowTo: string | null = null) {
    return this.run(call, (c) => convoys.listConvoys(c, input, narrowTo));
  }

  /** `convoy.pause` (`pause` true) / `convoy.resume`: answers once the convoy's rigs hold the change. */
  pauseConvoy(call: TownCall, input: PauseChange & { convoyId: string }, pause: boolean) {
    const { convoyId, ...change } = input;
    return this.convoy(call, (c) => switchConvoy(c, convoyId, change, pause));
  }

  /** `town.pause` (`pause` true) / `town.resume`: answers once every rig holds the change. */
  pauseTown(call: TownCall, change: PauseChange, pause: boolean) {
    return this.convoy(call, (c) => switchTown(c, change, pause));
  }

  townStatus(call: TownCall) {
    return this.run(call, (c) => ({ ...townStatus(c), ...todaysSpend(c) }));
  }

  /** A cost report (rig.reportCost, or carried by a renewal or close). */
  reportCost(call: TownCall, input: CostInput) {
    return this.convoy(call, (c) => addCost(c, input));
  }

  setConvoyBudget(call: TownCall, input: { convoyId: string; budget: number | null }) {
    return this.convoy(call, (c) => setConvoyBudget(c, input));
  }

  setConvoyDue(call: TownCall, input: { convoyId: string; dueAt: string | null }) {
    return this.run(call, (c) => toConvoy(setDue(c, input), c.now()));
  }

  setConvoyPriority(call: TownCall, input: { convoyId: string; priority: number }) {
    return this.convoy(call, (c) => setPriority(c, input));
  }

  watchConvoy(call: TownCall, input: { convoyId: string } & watchers.WatcherInput) {
    return this.run(call, (c) => watchers.watchConvoy(c, input));
  }

  unwatchConvoy(call: TownCall, input: { convoyId: string; watcherId: string }) {
    return this.run(call, (c) => watchers.unwatchConvoy(c, input));
  }

  convoyWatchers(call: TownCall, convoyId: string) {
    return this.run(call, (c) => watchers.listWatchers(c, convoyId));
  }

  // Watchdog

  watchdogStatus(call: TownCall) {
    return this.run(call, (c) => watchdog.watchdogStatus(c));
  }

  watchdogHeartbeat(call: TownCall) {
    return this.run(call, (c) => watchdog.runHeartbeat(c, this.watchdogOptions));
  }

  watchdogHistory(call: TownCall, input: { target?: string; limit?: number }) {
    return this.run(call, (c) => watchdog.watchdogHistory(c, input));
  }
  // Escalations

  /** `narrowTo`: a rig token's rig, which may name only a convoy it takes part in and a bead of its own. */
  raiseEscalation(call: TownCall, input: escalations.RaiseEscalationInput, narrowTo: string | null = null) {
    return this.run(call, (c) => escalations.raiseFromRig(c, input, narrowTo));
  }

  acknowledgeEscalation(call: TownCall, input: { escalationId: string; by?: string }) {
    return this.run(call, (c) => lifecycle.acknowledgeEscalation(c, input));
  }

  resolveEscalation(call: TownCall, input: lifecycle.ResolveInput) {
    return this.run(call, (c) => lifecycle.resolveEscalation(c, input));
  }

  silenceEscalations(call: TownCall, input: Parameters<typeof silences.createSilence>[1]) {
    return this.run(call, (c) => silences.createSilence(c, input));
  }

  listSilences(call: TownCall, filter: { active?: boolean }) {
    return this.run(call, (c) => silences.listSilences(c, filter));
  }

  unsilence(call: TownCall, silenceId: string) {
    return this.run(call, (c) => silences.unsilence(c, silenceId));
  }

  getEscalation(call: TownCall, escalationId: string) {
    return this.run(call, (c) => escalations.getEscalation(c, escalationId));
  }

  listEscalations(call: TownCall, filter: escalations.EscalationFilter) {
    return this.run(call, (c) => escalations.listEscalations(c, filter));
  }

  escalationDeliveries(call: TownCall, escalationId: string) {
    return this.run(call, (c) => escalations.escalationDeliveries(c, escalationId));
  }

  getEscalationRouting(call: TownCall) {
    return this.run(call, (c) => routing.getRouting(c));
  }

  setEscalationRouting(call: TownCall, update: routing.RoutingUpdate) {
    return this.run(call, (c) => setRouting(c, update));
  }

  rotateSigningSecret(call: TownCall) {
    return this.run(call, (c) => rotateSigningSecret(c));
  }

  // Tokens

  issueToken(call: TownCall, issuer: tokens.Issuer, input: tokens.IssueTokenInput) {
    return this.run(call, (c) => tokens.issueToken(c, issuer, input, (rigId) => rigs.getRig(c, rigId)));
  }

  listTokens(call: TownCall, page: { limit?: number; cursor?: string }) {
    return this.run(call, (c) => tokens.listTokens(c, page));
  }

  // A revocation ends the revoked tokens' open event streams at once.

  async revokeToken(call: TownCall, revoker: tokens.Revoker, tokenId: string) {
    const revoked = await this.run(call, (c) => tokens.revokeToken(c, revoker, tokenId));
    this.eventHub.recheck();
    return revoked;
  }

  async revokeAllTokens(call: TownCall, revoker: tokens.Revoker) {
    const revoked = await this.run(call, (c) => tokens.revokeAll(c, revoker));
    this.eventHub.recheck();
    return revoked;
  }

  /** Only the revocation check of `run`: for procedures whose work is done by another DO (the Mayor). */
  checkCaller(call: TownCall) {
    return this.run(call, () => null);
  }

  /** The Worker's pre-stream gate: the revocation check, and the resume cursor (BAD_REQUEST, PRECONDITION_FAILED). */
  checkSubscriber(call: TownCall, lastEventId: string | undefined) {
    return this.run(call, (c) => {
      if (lastEventId !== undefined) checkedCursor(c, 'lastEventId', lastEventId);
      return null;
    });
  }

  // The event log

  /** `narrowTo`: a rig token's rig, whose events (and its convoys') are all it may read; null for all. */
  listEvents(
    call: TownCall,
    input: eventLog.EventFilter & { after?: string; limit?: number; latest?: boolean },
    narrowTo: string | null = null,
  ) {
    return this.run(call, (c) => listEventsFor(c, input, narrowTo));
  }

  /** A byte stream of NDJSON events for `event.subscribe` (see events/stream.ts). */
  /** `narrowTo` as for `listEvents`: a rig token's stream carries only what it may read. */
  subscribeEvents(call: TownCall, input: eventLog.EventFilter & { lastEventId?: string }, narrowTo: string | null = null) {
    return this.run(call, (c) => this.eventHub.subscribe(c, scopedFilter(c, input, narrowTo), typeof call === 'string' ? null : call));
  }

  // Settings

  getSettings(call: TownCall) {
    return this.run(call, (c) => settings.getSettings(c));
  }

  setSettings(call: TownCall, update: settings.TownSettingsUpdate) {
    return this.convoy(call, async (c) => {
      const changed = changeSettings(c, update);
      if (update.dailyBudget !== undefined) await reviewTownBudget(c);
      return changed;
    });
  }

  stats(call: TownCall) {
    return this.run(call, (c) => townStats(c, this.ctx.storage.sql.databaseSize));
  }
}

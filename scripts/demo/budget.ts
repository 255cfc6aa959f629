import { check, say, town, townId } from './common.ts';

const BUDGET = 1;
const RAISED_BUDGET = 5;
const COST_PER_REPORT = 0.3;
/** More reports than it takes to cross the budget: an agent that never sees the pause is a failed check, not a hang. */
const MAX_REPORTS = 10;

/**
 * Step 9, budgets: an agent reports what its work costs until the convoy's small budget is spent and the
 * convoy pauses itself (`pauseReason: "budget"`, a `high` escalation); its other bead is not handed out.
 * Raising the budget with convoy.setBudget lifts that pause, and the convoy runs again and lands.
 */
export async function budget(rig: { id: string; name: string }) {
  say('\n9. Budgets: a convoy spends its budget and pauses; a raised budget lets it land');
  const { costUnit } = await town.town.status.query({ townId });
  const convoy = await town.convoy.create.mutate({
    townId,
    title: 'Summarise the changelog',
    beads: [
      { rigId: rig.id, title: 'draft the summary' },
      { rigId: rig.id, title: 'review the summary' },
    ],
    budget: BUDGET,
  });
  say(`  "${convoy.title}": budget ${BUDGET} ${costUnit}`);
  const agentId = 'agent-d';
  const first = await town.rig.claimBead.mutate({ townId, rigId: rig.id, agentId });
  if (!first.bead) throw new Error(`no bead to claim: ${first.reason}`);
  let pauseReason: string | null = null;
  for (let n = 1; n <= MAX_REPORTS && pauseReason === null; n++) {
    const { spent } = await town.rig.reportCost.mutate({
      townId,
      rigId: rig.id,
      beadId: first.bead.id,
      agentId,
      cost: COST_PER_REPORT,
      reportId: `step-${n}`,
    });
    ({ pauseReason } = await town.convoy.get.query({ townId, convoyId: convoy.id }));
    say(`  ${agentId}: reported ${COST_PER_REPORT} ${costUnit}, convoy spent ${spent?.toFixed(2)} of ${BUDGET}`);
  }
  check(pauseReason === 'budget', `the convoy paused itself: pauseReason "${pauseReason}"`);
  const [escalation] = (await town.escalation.list.query({ townId, limit: 100 })).items.filter((e) => e.dedupKey === `budget:${convoy.id}`);
  check(escalation?.severity === 'high', `escalation budget:${convoy.id} is ${escalation?.severity}`);
  await town.rig.closeBead.mutate({ townId, rigId: rig.id, beadId: first.bead.id, agentId });
  const held = await town.rig.claimBead.mutate({ townId, rigId: rig.id, agentId });
  check(held.bead === null, `while paused its other bead is not handed out (${held.bead ? 'claimed' : held.reason})`);

  const raised = await town.convoy.setBudget.mutate({ townId, convoyId: convoy.id, budget: RAISED_BUDGET });
  check(raised.pauseReason === null, `budget raised to ${RAISED_BUDGET} ${costUnit}: the budget's pause is lifted`);
  const next = await town.rig.claimBead.mutate({ townId, rigId: rig.id, agentId });
  if (!next.bead) throw new Error(`no bead after the raise: ${next.reason}`);
  await town.rig.closeBead.mutate({ townId, rigId: rig.id, beadId: next.bead.id, agentId, cost: COST_PER_REPORT });
  const landed = await town.convoy.get.query({ townId, convoyId: convoy.id });
  const beads = (await town.convoy.beads.query({ townId, convoyId: convoy.id })).items;
  say(`  per bead: ${beads.map((b) => `${b.title} ${b.spent.toFixed(2)}`).join(', ')} ${costUnit}`);
  check(
    landed.status === 'landed' && Math.abs(landed.spent - beads.reduce((sum, b) => sum + b.spent, 0)) < 1e-9,
    `the convoy ran again and ${landed.status}, ${landed.spent.toFixed(2)} of ${landed.budget} ${costUnit} spent`,
  );
  const resolved = (await town.escalation.list.query({ townId, limit: 100 })).items.find((e) => e.id === escalation?.id);
  check(resolved?.resolvedAt != null, 'the raised budget resolved its escalation');
}

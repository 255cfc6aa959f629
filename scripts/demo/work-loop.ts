import { check, say, town, townId, until } from './common.ts';

/**
 * Step 8, the work loop: agents claim beads on a lease; one fails its first attempt, waits out the
 * backoff (30 s), retries and lands; then a convoy whose bead fails for good ends `failed`, honestly.
 */
export async function workLoop(rigs: { id: string; name: string }[]) {
  say('\n8. The work loop: claim, fail once, retry, land; and a convoy that fails');
  const [frontend, backend] = rigs;
  if (!frontend || !backend) throw new Error('the rigs are missing');
  const convoy = await town.convoy.create.mutate({
    townId,
    title: 'Fix the flaky tests',
    beads: [
      { rigId: frontend.id, title: 'retry the login test' },
      { rigId: backend.id, title: 'pin the clock' },
    ],
    maxAttempts: 3,
    requireRef: true,
  });
  const agents = [
    { name: 'agent-f', rig: frontend, failFirst: true },
    { name: 'agent-b', rig: backend, failFirst: false },
  ];
  await Promise.all(
    agents.map(async ({ name, rig, failFirst }) => {
      let failed = false;
      for (;;) {
        const claim = await town.rig.claimBead.mutate({ townId, rigId: rig.id, agentId: name, leaseSeconds: 60 });
        if (!claim.bead) {
          if (claim.nextClaimAt === null) return; // nothing left for this agent
          const waitMs = Math.max(0, Date.parse(claim.nextClaimAt) - Date.now()) + 200;
          say(`  ${name}: ${claim.reason}; next claim at ${claim.nextClaimAt} (waiting ${Math.round(waitMs / 1000)} s of backoff)`);
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          continue;
        }
        const { bead } = claim;
        say(`  ${name}: claimed "${bead.title}" (attempt ${bead.attempt}, lease until ${bead.leaseExpiresAt})`);
        await town.rig.renewLease.mutate({ townId, rigId: rig.id, beadId: bead.id, agentId: name, leaseSeconds: 120 });
        if (failFirst && !failed) {
          failed = true;
          const back = await town.rig.closeBead.mutate({
            townId,
            rigId: rig.id,
            beadId: bead.id,
            agentId: name,
            outcome: 'failed',
            reason: 'test still flaky',
          });
          say(`  ${name}: attempt ${back.attempt} failed; the bead is ${back.status} again, claimable at ${back.retryAt}`);
          continue;
        }
        const done = await town.rig.closeBead.mutate({
          townId,
          rigId: rig.id,
          beadId: bead.id,
          agentId: name,
          ref: `https://git.example/commit/${bead.id.slice(0, 7)}`,
        });
        say(`  ${name}: done on attempt ${done.attempt}, ref ${done.ref}`);
      }
    }),
  );
  const landed = await town.convoy.get.query({ townId, convoyId: convoy.id });
  say(`  "${landed.title}": ${landed.status}, ${landed.doneBeads} done, ${landed.failedBeads} failed`);
  check(landed.status === 'landed' && landed.doneBeads === 2, 'the convoy landed after one failed attempt and its retry');
  const story = await until(
    'the log has the claims and the failed attempt',
    () => town.event.list.query({ townId, convoyId: convoy.id, limit: 200 }),
    (page) => page.items.some((e) => e.type === 'bead.attempt_failed') && page.items.filter((e) => e.type === 'bead.claimed').length === 3,
  );
  say(`  story: ${story.items.map((e) => e.type).join(' → ')}`);

  const doomed = await town.convoy.create.mutate({
    townId,
    title: 'Migrate the legacy billing',
    beads: [{ rigId: backend.id, title: 'port the invoice job' }],
    maxAttempts: 1,
  });
  const { bead } = await town.rig.claimBead.mutate({ townId, rigId: backend.id, agentId: 'agent-b' });
  check(bead?.convoyId === doomed.id, 'agent-b claimed the billing bead');
  await town.rig.closeBead.mutate({
    townId,
    rigId: backend.id,
    beadId: bead?.id ?? '',
    agentId: 'agent-b',
    outcome: 'failed',
    reason: 'schema mismatch',
  });
  const failed = await town.convoy.get.query({ townId, convoyId: doomed.id });
  say(`  "${failed.title}": ${failed.status} (${failed.failedBeads} of ${failed.totalBeads} beads failed)`);
  check(failed.status === 'failed', 'a convoy whose bead failed for good says failed, not landed');
  const escalation = (await town.escalation.list.query({ townId, status: 'open', limit: 200 })).items.find(
    (e) => e.dedupKey === `convoy-failed:${doomed.id}`,
  );
  check(escalation?.severity === 'high' && escalation.sourceRigId === 'town', `the town raised a high escalation ${escalation?.dedupKey}`);
}

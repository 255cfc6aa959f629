import { setBudget } from './budgets';
import { type CreateConvoyInput, createConvoy, getConvoy } from './convoys';
import type { ConvoyContext } from './delivery';

// The budget's two entry points that answer a convoy (budgets.ts knows only the budget itself).

/** `convoy.create` with a `budget`: the convoy, then its budget set and evaluated at once. */
export async function createBudgetedConvoy(ctx: ConvoyContext, input: CreateConvoyInput & { budget?: number }) {
  const { budget, ...create } = input;
  const created = await createConvoy(ctx, create);
  if (budget === undefined) return created;
  await setBudget(ctx, { convoyId: created.id, budget });
  return { ...created, budget };
}

/** `convoy.setBudget`: answers the convoy as it is after the change. */
export async function setConvoyBudget(ctx: ConvoyContext, input: { convoyId: string; budget: number | null }) {
  await setBudget(ctx, input);
  return getConvoy(ctx, input.convoyId);
}

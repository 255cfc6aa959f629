// Spend against a budget (issue 28): a native <meter> (not counted among the progress bars; its colour
// turns at 80 % and 100 %) and the same figures in words; without a budget, the spend in words only.

/** The town's cost unit (`town.setSettings({costUnit})` is not answered yet: the default). */
const COST_UNIT = 'usd';

export function formatCost(amount: number): string {
  return `${amount.toFixed(2)} ${COST_UNIT}`;
}

export function SpendBar({ label, spent, budget, testId }: { label: string; spent: number; budget: number | null; testId: string }) {
  if (budget === null)
    return (
      <p class="spend muted small" data-testid={testId}>
        {label}: {formatCost(spent)} spent · no budget
      </p>
    );
  const share = budget > 0 ? spent / budget : 1;
  const percent = Math.round(share * 100);
  const level = share >= 1 ? 'over' : share >= 0.8 ? 'near' : 'under';
  return (
    <div class={`spend spend-${level}`} data-testid={testId}>
      <meter
        class="spend-bar"
        aria-label={label}
        min={0}
        max={budget}
        low={budget * 0.8}
        high={budget}
        optimum={0}
        value={Math.min(spent, budget)}
        aria-valuetext={`${formatCost(spent)} of ${formatCost(budget)} (${percent} %)`}
      />
      <p class="small spend-words">
        {label}: {formatCost(spent)} of {formatCost(budget)} ({percent} %){level === 'over' ? ' · budget reached' : ''}
      </p>
    </div>
  );
}

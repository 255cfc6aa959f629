import type { ComponentChildren } from 'preact';

/**
 * The button that shows a collapsed part of a list ("Show all 100 rigs") and hides it again. It stays
 * in place when pressed (its name changes, `aria-expanded` says which), so keyboard focus is not lost.
 */
export function Expander({
  expanded,
  onToggle,
  collapsedLabel,
  expandedLabel,
  hiddenContext,
  controls,
}: {
  expanded: boolean;
  onToggle: () => void;
  collapsedLabel: string;
  expandedLabel: string;
  /** Said to screen readers after the label (e.g. which convoy), where the eye sees it from the layout. */
  hiddenContext?: ComponentChildren;
  /** The id of the list it shows more of. */
  controls?: string;
}) {
  return (
    <button type="button" class="small-button" aria-expanded={expanded} aria-controls={controls} onClick={onToggle}>
      {expanded ? expandedLabel : collapsedLabel}
      {hiddenContext && <span class="visually-hidden"> {hiddenContext}</span>}
    </button>
  );
}

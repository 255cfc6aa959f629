import type { ComponentChildren } from 'preact';
import type { Loaded } from './load';

/** A titled region of the page; its heading names it for screen readers and keyboard navigation. */
export function Section({
  id,
  title,
  actions,
  children,
}: {
  id: string;
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="panel" id={id} aria-labelledby={`${id}-title`}>
      <header class="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Shows what a load gave: the content (nothing for null: not asked), "loading", or the error (FORBIDDEN as a plain note). */
export function Show<T>({ loaded, children }: { loaded: Loaded<T | null>; children: (value: T) => ComponentChildren }) {
  if (loaded.state === 'loading') return <p class="muted">Loading…</p>;
  if (loaded.state === 'error') {
    return loaded.code === 'FORBIDDEN' ? (
      <p class="muted">Not visible to this token.</p>
    ) : (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    );
  }
  return loaded.value === null ? null : children(loaded.value);
}

export function Time({ iso }: { iso: string | null }) {
  if (!iso) return <span class="muted">—</span>;
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return (
    <time dateTime={iso} title={at.toLocaleString()}>
      {sameDay ? at.toLocaleTimeString() : at.toLocaleString()}
    </time>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { describeError } from './api';

export interface BeadRow {
  id: string;
  rigId: string;
  title: string;
  status: string;
  outcome: string | null;
  attempt: number;
  heldBy: string | null;
  ref: string | null;
}

/** A ref that is a web address is a link; anything else (a commit hash) is text. */
function Ref({ value }: { value: string | null }) {
  if (!value) return <span class="muted">—</span>;
  if (/^https?:\/\//.test(value))
    return (
      <a href={value} rel="noopener noreferrer" target="_blank">
        {value}
      </a>
    );
  return <code>{value}</code>;
}

export interface BeadPage {
  items: BeadRow[];
  nextCursor: string | null;
}

/**
 * A convoy's beads, one page at a time (the server's keyset cursors; earlier pages are remembered so
 * Previous goes back without a cursor of its own). `version` changes when the beads may have changed.
 */
export function BeadsTable({
  loadPage,
  rigNames,
  version,
}: {
  loadPage: (cursor: string | undefined) => Promise<BeadPage>;
  rigNames: Map<string, string>;
  version: number;
}) {
  // cursors[i] is the cursor of page i (undefined for the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<BeadPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const index = cursors.length - 1;

  useEffect(() => {
    let current = true;
    loadPage(cursors[index]).then(
      (next) => {
        if (!current) return;
        setPage(next);
        setError(null);
      },
      (failure: unknown) => current && setError(describeError(failure)),
    );
    return () => {
      current = false;
    };
  }, [cursors, version]);

  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!page) return <p class="muted">Loading…</p>;
  return (
    <>
      <table class="beads">
        <thead>
          <tr>
            <th scope="col">Bead</th>
            <th scope="col">Rig</th>
            <th scope="col">Status</th>
            <th scope="col">Outcome</th>
            <th scope="col">Attempt</th>
            <th scope="col">Holder</th>
            <th scope="col">Ref</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((bead) => (
            <tr key={bead.id}>
              <th scope="row">{bead.title}</th>
              <td>{rigNames.get(bead.rigId) ?? bead.rigId}</td>
              <td>
                <span class={`badge bead-${bead.status}`}>{bead.status}</span>
              </td>
              <td>
                {bead.outcome ? <span class={`badge bead-outcome-${bead.outcome}`}>{bead.outcome}</span> : <span class="muted">—</span>}
              </td>
              <td>{bead.attempt}</td>
              <td>{bead.heldBy ?? <span class="muted">—</span>}</td>
              <td>
                <Ref value={bead.ref} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Bead pages">
        <button type="button" disabled={index === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span class="muted small">Page {index + 1}</span>
        <button type="button" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}>
          Next page
        </button>
      </nav>
    </>
  );
}

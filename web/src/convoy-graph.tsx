import type { RouterOutputs } from '@town/client';
import { useState } from 'preact/hooks';
import type { TownClient } from './api';
import { type Loaded, useLoad } from './load';

// The convoy's dependency graph (issue 27) from `convoy.graph`: one column per wave, each bead a
// button named in words (title, rig, state, what it waits on; pressed, it shows its id and key), coloured by outcome, blocked
// beads dimmed. Narrow screens stack the columns: a list by wave.

type Graph = RouterOutputs['convoy']['graph'];
type GraphNode = Graph['nodes'][number];

/** done / failed / skipped when closed; blocked while a dependency is not closed done or skipped; else open. */
export type NodeState = 'done' | 'failed' | 'skipped' | 'blocked' | 'open';

export function nodeStates(graph: Graph): Map<string, NodeState> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const released = (n: GraphNode | undefined) => n?.status === 'closed' && (n.outcome === 'done' || n.outcome === 'skipped');
  const blocked = new Set(graph.edges.filter((e) => !released(byId.get(e.from))).map((e) => e.to));
  return new Map(
    graph.nodes.map((n): [string, NodeState] => {
      if (n.status === 'closed') return [n.id, n.outcome ?? 'done'];
      return [n.id, blocked.has(n.id) ? 'blocked' : 'open'];
    }),
  );
}

function waves(nodes: GraphNode[]): GraphNode[][] {
  const columns: GraphNode[][] = [];
  for (const node of nodes) {
    const column = columns[node.wave - 1] ?? [];
    column.push(node);
    columns[node.wave - 1] = column;
  }
  return columns.filter((column) => column !== undefined);
}

export function ConvoyGraph({
  client,
  townId,
  convoyId,
  version,
  rigNames,
}: {
  client: TownClient;
  townId: string;
  convoyId: string;
  /** Bumped when the beads may have changed. */
  version: number;
  rigNames: Map<string, string>;
}) {
  const graph = useLoad(() => client.convoy.graph.query({ townId, convoyId }), [client, townId, convoyId, version]);
  return <GraphView loaded={graph} rigNames={rigNames} />;
}

function GraphView({ loaded, rigNames }: { loaded: { loaded: Loaded<Graph> }; rigNames: Map<string, string> }) {
  const state = loaded.loaded;
  // The bead whose details (id, key) are open: a node is a button, so the keyboard reaches every one.
  const [open, setOpen] = useState<string | null>(null);
  if (state.state === 'loading') return <p class="muted">Loading…</p>;
  if (state.state === 'error')
    return (
      <p class="muted small">
        {state.code === 'PRECONDITION_FAILED' ? 'This convoy is too large to draw; its beads are listed below.' : state.message}
      </p>
    );
  const graph = state.value;
  const states = nodeStates(graph);
  const label = new Map(graph.nodes.map((n) => [n.id, n.key ?? n.title]));
  const dependencies = new Map<string, string[]>();
  for (const edge of graph.edges) dependencies.set(edge.to, [...(dependencies.get(edge.to) ?? []), label.get(edge.from) ?? edge.from]);
  const columns = waves(graph.nodes);
  return (
    <div class="graph" data-testid="convoy-graph">
      {columns.map((column, i) => (
        <section class="graph-wave" aria-labelledby={`wave-${i + 1}`} key={i} data-wave={i + 1}>
          <h3 id={`wave-${i + 1}`} class="subhead">
            Wave {i + 1} <span class="muted small">({column.length})</span>
          </h3>
          <ol class="graph-nodes">
            {column.map((node) => {
              const nodeState = states.get(node.id) ?? 'open';
              const rig = rigNames.get(node.rigId) ?? node.rigId;
              const waitsOn = dependencies.get(node.id) ?? [];
              const waits = waitsOn.length > 0 ? `waits on ${waitsOn.join(', ')}` : '';
              return (
                <li key={node.id}>
                  <button
                    type="button"
                    class={`graph-node node-${nodeState}`}
                    data-bead-id={node.id}
                    data-state={nodeState}
                    aria-expanded={open === node.id}
                    aria-label={`${node.title}, ${rig}: ${nodeState}${waits ? `, ${waits}` : ''}`}
                    onClick={() => setOpen(open === node.id ? null : node.id)}
                  >
                    <span class="node-title">{node.title}</span>
                    <span class="node-rig muted small">{rig}</span>
                    <span class={`node-state label-${nodeState}`}>{nodeState}</span>
                    {waits && <span class="node-waits muted small">{waits}</span>}
                    {open === node.id && (
                      <span class="node-id muted small">
                        {node.key ? `key ${node.key} · ` : ''}
                        {node.id}
                      </span>
                    )}
                  </button>
                </li>
              );
            })}
          </ol>
        </section>
      ))}
    </div>
  );
}

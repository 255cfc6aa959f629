import { useEffect, useRef, useState } from 'preact/hooks';
import { errorCode, type TownClient, type TownEvent } from './api';
import type { TownBus } from './bus';

// The page's one live connection: `event.subscribe` over Server-Sent Events (the typed client's
// subscription link sends the token as a header). No polling: everything the page re-reads, it
// re-reads because an event said so.

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** Newest-first events kept for the feed. */
const RECENT_EVENTS_KEPT = 50;
/** Waits before subscribing again after the stream ended with an error: 1 s, 2 s, 4 s, … at most 15 s. */
const RESUBSCRIBE_FIRST_MS = 1_000;
const RESUBSCRIBE_MAX_MS = 15_000;

/**
 * Subscribes to the town's events and keeps at it. The client link reconnects by itself and sends the
 * last event id it saw; when a subscription ends anyway (the server restarted, a refused reconnect),
 * this subscribes again with the last id the page saw, so the server replays what was missed, once.
 * With no id yet (nothing received), a fresh start re-reads everything instead (`resync`).
 */
export function useTownStream(client: TownClient, townId: string, bus: TownBus, onRefused: () => void) {
  const [state, setState] = useState<StreamState>('connecting');
  const [recent, setRecent] = useState<TownEvent[]>([]);
  const onRefusedRef = useRef(onRefused);
  onRefusedRef.current = onRefused;

  useEffect(() => {
    let lastEventId: string | undefined;
    let disposed = false;
    let backoffMs = RESUBSCRIBE_FIRST_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let subscription: { unsubscribe: () => void } | undefined;

    const subscribe = () => {
      let ended = false;
      const resumeFrom = lastEventId;
      const again = () => {
        if (ended || disposed) return;
        ended = true;
        subscription?.unsubscribe();
        setState('reconnecting');
        timer = setTimeout(subscribe, backoffMs);
        backoffMs = Math.min(backoffMs * 2, RESUBSCRIBE_MAX_MS);
      };
      subscription = client.event.subscribe.subscribe(resumeFrom ? { townId, lastEventId: resumeFrom } : { townId }, {
        onConnectionStateChange(connection) {
          if (connection.state === 'pending') {
            // Streaming. A start without a cursor may have missed what happened before it: re-read.
            if (!lastEventId) bus.emit({ kind: 'resync' });
            backoffMs = RESUBSCRIBE_FIRST_MS;
            setState('live');
          } else if (connection.state === 'connecting') {
            setState(connection.error ? 'reconnecting' : lastEventId ? 'reconnecting' : 'connecting');
          }
        },
        onData({ id, data }) {
          // Ids are zero-padded and increase in commit order: a repeat (never expected) is ignored.
          if (lastEventId && id <= lastEventId) return;
          lastEventId = id;
          setRecent((events) => [data, ...events].slice(0, RECENT_EVENTS_KEPT));
          bus.emit({ kind: 'event', event: data });
        },
        onError(error) {
          const code = errorCode(error);
          if (code === 'UNAUTHORIZED') {
            ended = true;
            setState('stopped');
            onRefusedRef.current();
            return;
          }
          if (code === 'PRECONDITION_FAILED') {
            // The events after our cursor were pruned: start over from the current state.
            lastEventId = undefined;
          }
          again();
        },
        onComplete: again,
      });
    };

    // The feed opens with the town's last events; the stream then goes on from the last of them, so
    // nothing between the read and the subscription is missed or shown twice.
    client.event.list
      .query({ townId, latest: true, limit: RECENT_EVENTS_KEPT })
      .then(
        (page) => {
          if (disposed || lastEventId) return;
          setRecent([...page.items].reverse());
          lastEventId = page.nextCursor ?? undefined;
        },
        () => {}, // the stream's own errors say what is wrong (a refused token, the network)
      )
      .finally(() => {
        if (!disposed) subscribe();
      });
    return () => {
      disposed = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
    };
  }, [client, townId, bus]);

  return { state, recent };
}

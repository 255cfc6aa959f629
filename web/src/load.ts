import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError, errorCode } from './api';

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string; code: string | null };

/**
 * Runs `load` now and on every `reload()`. A reload keeps showing the last value until the new one
 * arrives (no flicker). Reloads asked for while one runs coalesce into one more run after it, so a
 * burst of events costs at most two reads, and an answer never overtakes a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { loaded: Loaded<T>; reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef(false);
  const again = useRef(false);
  const generation = useRef(0);

  const reload = useCallback(() => {
    if (running.current) {
      again.current = true;
      return;
    }
    running.current = true;
    const mine = generation.current;
    const settle = (next: Loaded<T>) => {
      if (mine !== generation.current) return; // the deps changed meanwhile: a newer load owns the state
      setLoaded(next);
      running.current = false;
      if (again.current) {
        again.current = false;
        reload();
      }
    };
    loadRef.current().then(
      (value) => settle({ state: 'ok', value }),
      (error: unknown) => settle({ state: 'error', message: describeError(error), code: errorCode(error) }),
    );
  }, []);

  // The caller names what the load depends on (`deps`); `reload` reads the latest `load` through a ref.
  useEffect(() => {
    generation.current += 1;
    running.current = false;
    again.current = false;
    setLoaded({ state: 'loading' });
    reload();
  }, deps);
  return { loaded, reload };
}

/**
 * Pages read of each list (active convoys; open, then acknowledged escalations): the counts and the
 * "least advanced first" order need the whole list, and 1,000 of each is more than a person triages.
 */
const MAX_PAGES = 5;

/** A list read a page at a time, up to MAX_PAGES; `complete` is false when there was more. */
export interface Capped<T> {
  items: T[];
  complete: boolean;
}

export async function readPages<T>(
  read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<Capped<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await read(cursor);
    items.push(...answer.items);
    if (!answer.nextCursor) return { items, complete: true };
    cursor = answer.nextCursor;
  }
  return { items, complete: false };
}

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError, errorCode } from './api';

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string; code: string | null };

/**
 * Runs `load` now and on every `reload()`. A reload keeps showing the last value until the new one
 * arrives (no flicker), and an answer that arrives after a newer call started is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { loaded: Loaded<T>; reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    const call = ++latest.current;
    loadRef.current().then(
      (value) => {
        if (call === latest.current) setLoaded({ state: 'ok', value });
      },
      (error: unknown) => {
        if (call === latest.current) setLoaded({ state: 'error', message: describeError(error), code: errorCode(error) });
      },
    );
  }, []);
  // The caller names what the load depends on (`deps`); `reload` reads the latest `load` through a ref.
  useEffect(() => {
    setLoaded({ state: 'loading' });
    reload();
  }, deps);
  return { loaded, reload };
}

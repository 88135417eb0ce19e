/** Load something once (and again on `reload`), keeping the last value while a reload runs. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './api.js';

export interface Resource<T> {
  data: T | null;
  error: string | null;
  /** The error itself, for screens that tell codes apart. */
  failure: unknown;
  loading: boolean;
  reload(): Promise<void>;
}

/** `load` must be stable (a `useCallback`): a new one loads again. */
export function useResource<T>(load: (() => Promise<T>) | null): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [loading, setLoading] = useState(load !== null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    if (!load) return;
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await load();
      if (mine !== generation.current) return;
      setData(value);
      setFailure(null);
    } catch (err) {
      if (mine !== generation.current) return;
      setFailure(err ?? new Error('failed'));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [load]);

  useEffect(() => {
    void reload();
    // Unmounted or `load` replaced: an answer still on its way is dropped.
    const counter = generation;
    return () => {
      counter.current++;
    };
  }, [reload]);

  return { data, error: failure ? errorMessage(failure) : null, failure, loading, reload };
}

import { trpcPath } from './auth/gate';
import { trpcErrorResponse } from './core/http-error';

// One request, bounded work: a batched GET runs at most BATCH_MAX_QUERIES queries, and a mutation
// travels alone (a batched POST would run several writes under one request and one body limit). The
// typed client's links already split that way (httpBatchLink with maxItems, httpLink for mutations).

export const BATCH_MAX_QUERIES = 20;

/** A 400 naming the limit for a batch past it, or null. */
export function refuseOversizeBatch(req: Request, url: URL): Response | null {
  // Most calls (every mutation of the typed client) have no query string: no searchParams object for them.
  if (!url.search || url.searchParams.get('batch') !== '1') return null;
  const calls = (trpcPath(url) ?? '').split(',').length;
  if (req.method === 'POST' && calls > 1) {
    return trpcErrorResponse('BAD_REQUEST', `a mutation travels alone: this batch has ${calls} calls (at most 1 per POST)`);
  }
  if (calls > BATCH_MAX_QUERIES) {
    return trpcErrorResponse('BAD_REQUEST', `a batch carries at most ${BATCH_MAX_QUERIES} queries: this one has ${calls}`);
  }
  return null;
}

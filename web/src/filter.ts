// The town page's Filter: one query narrows rigs, convoys and escalations as it is typed.

/** The query as it is compared: trimmed, lower case; '' means "no filter". */
export function normalizeQuery(query: string): string {
  return query.trim().toLowerCase();
}

/** Does any of `fields` contain the (normalized) query? Everything matches the empty query. */
export function matchesQuery(query: string, ...fields: (string | null | undefined)[]): boolean {
  if (!query) return true;
  return fields.some((field) => field?.toLowerCase().includes(query));
}

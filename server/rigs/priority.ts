// A convoy's priority, carried by its beads: 0 the most urgent, 4 the least (claim-queue.ts ages it).

export const PRIORITY_MOST_URGENT = 0;
export const PRIORITY_LEAST_URGENT = 4;
export const PRIORITY_DEFAULT = 2;

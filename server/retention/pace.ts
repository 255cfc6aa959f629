// One pace for every kind of retention (events, delivered outbox rows, convoy bead rows): a batch is
// one short delete, and while more is due the next comes after a pause, so other calls run between
// batches and a prune holds the town for under 1 % of the time (bench scenario 6).

/** Rows one batch deletes, whatever the kind. */
export const RETENTION_BATCH_ROWS = 200;
/** Between two batches while more is due, whatever the kind. */
export const RETENTION_BATCH_PAUSE_MS = 500;

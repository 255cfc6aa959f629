import type { TokenCall } from '../auth/access';
import { tokenIsLive } from '../auth/tokens';
import type { TownContext } from '../core/context';
import { DomainError } from '../core/errors';
import { checkedCursor, EVENT_SCAN_MAX_ROWS, type EventFilter, lastSeq, matchesFilter, readEvents, toTownEvent } from '../core/event-log';
import { logEvent } from '../core/log';
import { RIGHT_ENDED_LINE } from './event-lines';

// The live side of the event log, inside the TownDO. Each subscriber is a byte stream of NDJSON events
// (one `TownEvent` per line) returned over DO RPC. Committed events are pushed: appendEvent tells the
// hub, which, once the transaction is over (a microtask later), reads what was committed since it last
// looked — once, for all subscribers — and writes it to each live subscriber. Nobody polls.
//
// A subscriber that resumes (`lastEventId`) first replays from the table, a page at a time as its
// stream asks for more (so a slow reader is never handed more than its buffer), then joins the live
// pushes where its replay ended: no event twice, none missed. A subscriber whose buffer is full when an
// event must be pushed is dropped (its stream errors); it resumes with its last id like any reconnect.

const encoder = new TextEncoder();

/** Open streams per town; one more is refused with TOO_MANY_REQUESTS. */
export const MAX_EVENT_SUBSCRIBERS_PER_TOWN = 200;
/** Events a subscriber may have queued and unread; a push past this drops it (it resumes). */
export const SUBSCRIBER_BUFFER_EVENTS = 1_000;
/** Events read from the table per replay step and per push step. */
const READ_PAGE_EVENTS = 200;
/**
 * An empty line written to each stream this often while the hub has subscribers. A consumer that went
 * away is only noticed when its stream is written to: without this, a quiet (or narrowly filtered)
 * stream whose client left would hold its place under the cap until the next matching event.
 */
export const STREAM_KEEPALIVE_MS = 10_000;
const KEEPALIVE_LINE = encoder.encode('\n');
/**
 * Each stream opened with a scoped token re-checks it at least this often (and at once after a
 * revocation or a rig's removal, and when the token expires); a token that no longer holds ends the
 * stream with RIGHT_ENDED_LINE.
 */
export const STREAM_RECHECK_MS = 30_000;

interface Subscriber {
  filter: EventFilter;
  /** The scoped token it was opened with, re-checked while it streams; null for the admin token. */
  holder: TokenCall | null;
  /** Fires when the holder's token expires. */
  expiry: ReturnType<typeof setTimeout> | null;
  /** Every event up to this seq has been considered (written to the stream or filtered out). */
  cursor: number;
  controller: ReadableStreamDefaultController<Uint8Array>;
}

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  /** The highest seq the hub has read from the table (and pushed to live subscribers). */
  private head: number | null = null;
  private pushQueued = false;
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private rechecks: ReturnType<typeof setInterval> | null = null;
  /** Tests shorten them on the live instance. */
  keepAliveMs = STREAM_KEEPALIVE_MS;
  recheckMs = STREAM_RECHECK_MS;

  constructor(private readonly context: () => TownContext | null) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** A new stream of the events after `lastEventId` (or from now), matching `filter`, for as long as `holder`'s token holds. */
  subscribe(ctx: TownContext, input: EventFilter & { lastEventId?: string }, holder: TokenCall | null = null): ReadableStream<Uint8Array> {
    if (this.subscribers.size >= MAX_EVENT_SUBSCRIBERS_PER_TOWN) {
      throw new DomainError('TOO_MANY_REQUESTS', `at most ${MAX_EVENT_SUBSCRIBERS_PER_TOWN} event streams per town`);
    }
    const now = lastSeq(ctx);
    // Without subscribers nothing moved the hub's head: it starts again from the log as it is.
    if (this.subscribers.size === 0) this.head = now;
    const cursor = input.lastEventId === undefined ? now : checkedCursor(ctx, 'lastEventId', input.lastEventId);
    const { lastEventId: _, ...filter } = input;
    let subscriber: Subscriber | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const untilExpiryMs = holder ? holder.exp * 1000 - Date.now() : null;
          const expiry = untilExpiryMs === null ? null : setTimeout(() => this.recheck(), Math.max(0, untilExpiryMs));
          subscriber = { filter, holder, expiry, cursor, controller };
          this.subscribers.add(subscriber);
          this.keepAlive ??= setInterval(() => this.writeKeepAlive(), this.keepAliveMs);
          this.rechecks ??= setInterval(() => this.recheck(), this.recheckMs);
        },
        // Called while the stream's buffer has room: replays the next page until the subscriber is live.
        pull: () => (subscriber ? this.replay(subscriber) : undefined),
        cancel: () => {
          if (subscriber) this.forget(subscriber);
        },
      },
      new CountQueuingStrategy({ highWaterMark: SUBSCRIBER_BUFFER_EVENTS }),
    );
  }

  /** Called by appendEvent: push what commits, once the current transaction is over. */
  eventAppended(): void {
    if (this.pushQueued || this.subscribers.size === 0) return;
    this.pushQueued = true;
    queueMicrotask(() => {
      this.pushQueued = false;
      this.push();
    });
  }

  private currentHead(ctx: TownContext): number {
    this.head ??= lastSeq(ctx);
    return this.head;
  }

  /**
   * Replays from the table until it has written something or caught up (a pull that writes nothing is
   * not called again until the reader reads). Between pages that matched nothing it yields, so a
   * sparse filter over a long log never holds the DO.
   */
  private async replay(s: Subscriber): Promise<void> {
    const scanRows =
      s.filter.rigId === undefined && s.filter.types === undefined && s.filter.scope === undefined
        ? READ_PAGE_EVENTS + 1
        : EVENT_SCAN_MAX_ROWS;
    for (;;) {
      const ctx = this.context();
      if (!ctx || !this.subscribers.has(s)) return;
      const head = this.currentHead(ctx);
      if (s.cursor >= head) return; // live: pushes feed it
      const page = readEvents(ctx, s.cursor, s.filter, READ_PAGE_EVENTS, scanRows);
      for (const row of page.items) s.controller.enqueue(encoder.encode(`${JSON.stringify(toTownEvent(row))}\n`));
      // All after the cursor examined: caught up with what the hub has pushed (and maybe a little beyond).
      s.cursor = page.more ? page.examinedThrough : Math.max(page.examinedThrough, head);
      if (page.items.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  private push(): void {
    const ctx = this.context();
    if (!ctx || this.subscribers.size === 0) return;
    const from = this.currentHead(ctx);
    for (let more = true; more; ) {
      const before = this.head ?? from;
      const page = readEvents(ctx, before, {}, READ_PAGE_EVENTS, READ_PAGE_EVENTS + 1);
      more = page.more;
      if (page.items.length === 0) break;
      const lines = page.items.map((row) => ({ row, line: encoder.encode(`${JSON.stringify(toTownEvent(row))}\n`) }));
      for (const s of this.subscribers) {
        if (s.cursor < before) continue; // still replaying: its own reads reach these events
        for (const { row, line } of lines) {
          if (row.seq <= s.cursor || !matchesFilter(row, s.filter)) continue;
          if ((s.controller.desiredSize ?? 0) <= 0) {
            this.drop(ctx, s);
            break;
          }
          s.controller.enqueue(line.slice());
        }
        s.cursor = Math.max(s.cursor, page.examinedThrough);
      }
      this.head = page.examinedThrough;
    }
  }

  /**
   * Ends every stream whose token no longer holds (expired, revoked, its rig removed): its last line says
   * so, then it closes. The TownDO calls it after each revocation; the hub every `recheckMs` and at expiry.
   */
  recheck(): void {
    const ctx = this.context();
    if (!ctx) return;
    const nowMs = Date.now();
    for (const s of this.subscribers) {
      if (!s.holder) continue;
      if (nowMs < s.holder.exp * 1000 && tokenIsLive(ctx.db, ctx.townId, s.holder)) continue;
      this.forget(s);
      s.controller.enqueue(encoder.encode(`${RIGHT_ENDED_LINE}\n`));
      s.controller.close();
      logEvent('info', 'events.stream_right_ended', { townId: ctx.townId, tokenId: s.holder.tokenId });
    }
  }

  private forget(s: Subscriber): void {
    this.subscribers.delete(s);
    if (s.expiry !== null) clearTimeout(s.expiry);
    if (this.subscribers.size > 0) return;
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    if (this.rechecks !== null) clearInterval(this.rechecks);
    this.keepAlive = null;
    this.rechecks = null;
  }

  /** Writing is how a stream whose consumer left finds out (its `cancel` then runs). */
  private writeKeepAlive(): void {
    for (const s of this.subscribers) if ((s.controller.desiredSize ?? 0) > 0) s.controller.enqueue(KEEPALIVE_LINE.slice());
  }

  private drop(ctx: TownContext, s: Subscriber): void {
    this.forget(s);
    s.controller.error(new Error('event stream dropped: the subscriber fell too far behind; resume with lastEventId'));
    logEvent('warn', 'events.subscriber_dropped', {
      townId: ctx.townId,
      bufferedEvents: SUBSCRIBER_BUFFER_EVENTS,
      subscribers: this.subscribers.size,
    });
  }
}

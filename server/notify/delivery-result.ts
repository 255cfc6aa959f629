/** The result of one delivery attempt on any channel. */
export type SendResult =
  | { ok: true }
  | {
      ok: false;
      error: string;
      /** No retry can succeed (e.g. the channel is no longer configured). */
      final?: boolean;
      /** The webhook endpoint answered 410 Gone: stop sending to it at all. */
      gone?: boolean;
    };

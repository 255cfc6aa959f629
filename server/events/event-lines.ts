import type { TownEvent } from '../core/event-shape';

/**
 * The last line of a stream whose right ended (its token revoked or expired, its rig removed): not an
 * event. The Worker turns it into a tRPC `UNAUTHORIZED` error, the stream's final event.
 */
export const RIGHT_ENDED_LINE = '{"end":"UNAUTHORIZED"}';

/** Thrown by eventLines at RIGHT_ENDED_LINE. */
export class StreamRightEnded extends Error {
  constructor() {
    super("the stream's token is no longer valid");
  }
}

/**
 * The events of the TownDO's NDJSON byte stream, one per line, until the stream ends or errors. An
 * abort (the client went away) cancels the stream at once, so the TownDO forgets the subscriber
 * without waiting for the next event.
 */
export async function* eventLines(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<TownEvent> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  signal?.addEventListener('abort', cancel, { once: true });
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += value;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === RIGHT_ENDED_LINE) throw new StreamRightEnded();
        if (line) yield JSON.parse(line) as TownEvent;
      }
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    cancel();
  }
}

import { trpcErrorResponse } from './core/http-error';

/** Largest request body accepted; larger ones are refused with 413 before any parsing. */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

const tooLarge = () => trpcErrorResponse('PAYLOAD_TOO_LARGE', `request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`);

/**
 * Returns a 413 response for an oversize body, or the request (re-built from the bytes read when its
 * length was not declared up front).
 */
export async function limitBody(req: Request): Promise<Request | Response> {
  if (!req.body) return req;
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_REQUEST_BODY_BYTES) return tooLarge();
  if (Number.isFinite(declared)) return req;
  // No declared length: read up to the limit, and stop reading as soon as it is passed.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > MAX_REQUEST_BODY_BYTES) {
      await reader.cancel();
      return tooLarge();
    }
    chunks.push(next.value);
  }
  return new Request(req, { body: new Blob(chunks) });
}

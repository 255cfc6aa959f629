import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

// The Worker answers some requests before tRPC sees them (a credential in the URL, an oversize body, a
// refused subscription). Those answers carry the body tRPC gives an error, with tRPC's own codes and
// status, so clients read every error the same way.

/** A Response shaped like tRPC's error answer for `code`, with the status tRPC gives that code. */
export function trpcErrorResponse(code: TRPC_ERROR_CODE_KEY, message: string, path?: string): Response {
  const httpStatus = getHTTPStatusCodeFromError(new TRPCError({ code, message }));
  const body = { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus, ...(path !== undefined && { path }) } } };
  return Response.json(body, { status: httpStatus });
}

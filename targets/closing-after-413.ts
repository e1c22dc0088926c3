/**
 * A server's handler that also closes the connection after a 413 (an oversized body, read and dropped by the app
 * first: runtime/body.ts), as nginx does, so the client's next request starts on a fresh socket. Kept open, the next
 * big upload on that socket was cut off under load: fetch threw "write EPIPE" instead of showing an answer (Node, in
 * CI; reproduced with 32-50 MB uploads beside 10 busy processes on 2 cores: 10 of 30 before, 0 of 30 after). Node
 * (@hono/node-server) and Deno (`Deno.serve`) both close the socket when the response says `connection: close`.
 *
 * @example
 * ```ts
 * serve({ fetch: closingAfter413(edge.app.fetch), port });
 * ```
 */
export function closingAfter413<A extends unknown[]>(
  fetch: (request: Request, ...rest: A) => Response | Promise<Response>,
): (request: Request, ...rest: A) => Promise<Response> {
  return async (request, ...rest) => {
    const response = await fetch(request, ...rest);
    if (response.status === 413) response.headers.set("connection", "close");
    return response;
  };
}

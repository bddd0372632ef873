/**
 * Fetch-standard handlers `(Request) => Response`: Next.js route handlers, Bun.serve, Deno.serve,
 * workers. The caller's address is not part of a Request: pass `getRemoteAddress` for a trust
 * policy that needs it.
 */
import { type TracingMiddlewareOptions, endRequest, runInRequest, startRequest } from "./request-run.js";

export interface FetchTracingOptions<Rest extends unknown[]> extends TracingMiddlewareOptions {
  getRemoteAddress?: (request: Request, ...rest: Rest) => string | undefined;
}

/**
 * @example
 * export const POST = withFetchTracing(async (req) => Response.json(await server(await req.text())));
 */
export function withFetchTracing<Rest extends unknown[]>(
  handler: (request: Request, ...rest: Rest) => Response | Promise<Response>,
  options: FetchTracingOptions<Rest> = {},
): (request: Request, ...rest: Rest) => Promise<Response> {
  return async function tracedFetchHandler(request, ...rest) {
    const context = startRequest(options, {
      method: request.method,
      route: new URL(request.url).pathname,
      headers: request.headers,
      remoteAddress: options.getRemoteAddress?.(request, ...rest),
    });
    let response: Response;
    try {
      response = await runInRequest(context, () => handler(request, ...rest));
    } catch (error) {
      endRequest(context, { status: 500, error });
      throw error;
    }
    // A HEAD response's body is never sent, so never read: its run ends now.
    if (context.requestRun === undefined || response.body === null || request.method === "HEAD") {
      endRequest(context, { status: response.status });
      return response;
    }
    return endWhenBodyEnds(response, (error) => endRequest(context, { status: response.status, error }));
  };
}

/**
 * The response with a body that calls `end` once it has been read to the end, failed, or been
 * cancelled (the client went away: "Cancelled"), so a streamed response (server-sent events, an
 * LLM's tokens) is timed to its last byte, not to the moment the handler returned it.
 */
function endWhenBodyEnds(response: Response, end: (error?: unknown) => void): Response {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let ended = false;
  const finish = (error?: unknown): void => {
    if (ended) return;
    ended = true;
    end(error);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          finish();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        controller.error(error);
        finish(error);
      }
    },
    cancel(reason) {
      finish("Cancelled");
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

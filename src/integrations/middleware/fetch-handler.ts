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
    try {
      const response = await runInRequest(context, () => handler(request, ...rest));
      endRequest(context, { status: response.status });
      return response;
    } catch (error) {
      endRequest(context, { status: 500, error });
      throw error;
    }
  };
}

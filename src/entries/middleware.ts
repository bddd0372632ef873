export { expressTracing } from "../integrations/middleware/express.js";
export { honoTracing } from "../integrations/middleware/hono.js";
export { koaTracing } from "../integrations/middleware/koa.js";
export { fastifyTracing } from "../integrations/middleware/fastify.js";
export { withNodeTracing } from "../integrations/middleware/node-http.js";
export { withFetchTracing, type FetchTracingOptions } from "../integrations/middleware/fetch-handler.js";
export type { TracingMiddlewareOptions, InboundRequest } from "../integrations/middleware/request-run.js";

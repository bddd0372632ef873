export { createTracingFetch, type TracingFetchOptions } from "../integrations/fetch/wrap-fetch.js";
export { createTracingInterceptor, type TracingInterceptorOptions } from "../integrations/fetch/undici-interceptor.js";
export type { OriginAllowList } from "../integrations/fetch/allow-list.js";

"""An OpenTelemetry peer for W3C Trace Context, through opentelemetry-api's propagator (the
TraceContextTextMapPropagator every OTel Python SDK setup uses). The OTel Python *SDK* does not
install from this machine's package index (its opentelemetry-semantic-conventions dependency is
missing), so spans are the API's NonRecordingSpan, with ids drawn as the SDK's RandomIdGenerator
draws them.

  python otel_peer.py client     inject a new span's traceparent, POST to SERVER_URL/my-route,
                                 print {"span": ids, "reply": ...} as JSON
  server_app()                   (via serve.py otel) extract the caller's context, start a child
                                 span, answer with both as JSON
"""
import json
import os
import random
import sys

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

PROPAGATOR = TraceContextTextMapPropagator()


def new_span(trace_id=None, trace_state=None) -> NonRecordingSpan:
    # As opentelemetry.sdk.trace.id_generator.RandomIdGenerator.
    trace_id = trace_id if trace_id is not None else random.getrandbits(128)
    span_id = random.getrandbits(64)
    context = SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED), trace_state=trace_state)
    return NonRecordingSpan(context)


def ids(span_context: SpanContext) -> dict:
    return {
        "trace_id": trace.format_trace_id(span_context.trace_id),
        "span_id": trace.format_span_id(span_context.span_id),
        "sampled": span_context.trace_flags.sampled,
        "tracestate": span_context.trace_state.to_header(),
    }


def client() -> None:
    import httpx

    span = new_span()
    headers: dict = {}
    PROPAGATOR.inject(headers, context=trace.set_span_in_context(span))
    response = httpx.post(f"{os.environ['SERVER_URL']}/my-route", headers=headers)
    response.raise_for_status()
    print(json.dumps({"span": ids(span.get_span_context()), "traceparent": headers["traceparent"], "reply": response.json()}), flush=True)


def server_app():
    from fastapi import FastAPI, Request

    app = FastAPI()

    @app.post("/my-route")
    async def my_route(request: Request):
        parent = trace.get_current_span(PROPAGATOR.extract(request.headers)).get_span_context()
        if not parent.is_valid:
            return {"parent": None, "traceparent": request.headers.get("traceparent")}
        child = new_span(parent.trace_id, parent.trace_state)
        onward: dict = {}
        PROPAGATOR.inject(onward, context=trace.set_span_in_context(child))
        return {"parent": ids(parent), "span": ids(child.get_span_context()), "onward": onward}

    return app


if __name__ == "__main__":
    if sys.argv[1:] == ["client"]:
        client()
    else:
        raise SystemExit("usage: python otel_peer.py client")

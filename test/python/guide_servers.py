"""The FastAPI servers of LangSmith's "Implement distributed tracing" guide, verbatim: one app per
way the guide continues a trace (serve.py picks one by name).

  middleware        app.add_middleware(TracingMiddleware)
  tracing_context   with ls.tracing_context(parent=request.headers)
  langsmith_extra   my_application(langsmith_extra={"parent": request.headers})
  starlette         Starlette(..., middleware=[Middleware(TracingMiddleware)])

The guide's `...` (bodies, Starlette's routes) are the only lines filled in: each traceable
returns its name.
The guide's langsmith_extra line lacks `await` (it would leave the coroutine unrun); here it is
awaited and returned.
"""


def middleware_app():
    from langsmith import traceable
    from langsmith.middleware import TracingMiddleware
    from fastapi import FastAPI, Request

    app = FastAPI()  # Or Flask, Django, or any other framework
    app.add_middleware(TracingMiddleware)

    @traceable
    async def some_function():
        return "some_function"

    @app.post("/my-route")
    async def fake_route(request: Request):
        return await some_function()

    return app


def tracing_context_app():
    # server.py
    import langsmith as ls
    from fastapi import FastAPI, Request

    @ls.traceable
    async def my_application():
        return "my_application"

    app = FastAPI()  # Or Flask, Django, or any other framework

    @app.post("/my-route")
    async def fake_route(request: Request):
        # request.headers:  {"langsmith-trace": "..."}
        # as well as optional metadata/tags in `baggage`
        with ls.tracing_context(parent=request.headers):
            return await my_application()

    return app


def langsmith_extra_app():
    # ... same as above
    import langsmith as ls
    from fastapi import FastAPI, Request

    @ls.traceable
    async def my_application():
        return "my_application"

    app = FastAPI()  # Or Flask, Django, or any other framework

    @app.post("/my-route")
    async def fake_route(request: Request):
        # request.headers:  {"langsmith-trace": "..."}
        return await my_application(langsmith_extra={"parent": request.headers})

    return app


def starlette_app():
    from langsmith import traceable
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    @traceable
    async def some_function():
        return "some_function"

    async def fake_route(request):
        return JSONResponse(await some_function())

    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from langsmith.middleware import TracingMiddleware

    routes = [Route("/my-route", fake_route, methods=["POST"])]
    middleware = [
        Middleware(TracingMiddleware),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    return app


APPS = {
    "middleware": middleware_app,
    "tracing_context": tracing_context_app,
    "langsmith_extra": langsmith_extra_app,
    "starlette": starlette_app,
}

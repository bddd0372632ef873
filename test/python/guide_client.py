"""The Python client of LangSmith's "Implement distributed tracing" guide, verbatim but for the
base_url (SERVER_URL here). main() calls it in a tracing_context carrying the metadata, tags and
project that its baggage must take along, prints the trace id and the server's reply, and returns:
the process must then end by itself, after the SDK has sent its runs.

  SERVER_URL=http://127.0.0.1:PORT python guide_client.py
"""
import asyncio
import json
import os

import langsmith as ls

# client.py
from langsmith.run_helpers import get_current_run_tree, traceable
import httpx

@traceable
async def my_client_function():
    headers = {}
    async with httpx.AsyncClient(base_url=os.environ["SERVER_URL"]) as client:
        if run_tree := get_current_run_tree():
            # add langsmith-id to headers
            headers.update(run_tree.to_headers())
        return await client.post("/my-route", headers=headers)


async def main() -> None:
    run_id = ls.uuid7()
    baggage = json.loads(os.environ.get("BAGGAGE_JSON", "{}"))
    with ls.tracing_context(
        project_name=baggage.get("project"),
        tags=baggage.get("tags"),
        metadata=baggage.get("metadata"),
    ):
        response = await my_client_function(langsmith_extra={"run_id": run_id})
    print(f"trace {run_id}", flush=True)
    print(f"reply {response.status_code} {response.text}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())

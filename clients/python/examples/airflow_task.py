"""An Airflow task that reads every advertisement of a 2ememain account through Latchkey's proxy.

Latchkey holds the OAuth credential and adds a valid Bearer token to each request (refreshing it when it
expires), so the task only needs the Latchkey URL, an API key and the credential id:

    LATCHKEY_URL=http://127.0.0.1:3000 LATCHKEY_API_KEY=lk_… LATCHKEY_CREDENTIAL_ID=cred_… \\
        python examples/airflow_task.py

In Airflow, `@task` makes it a TaskFlow task (put the variables in the worker's environment, or pass
`Client(base_url, api_key)` values from an Airflow Connection). Without Airflow it is a plain function.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from latchkey_client import Client

try:
    from airflow.decorators import task
except ImportError:  # not running in Airflow: the same code, as a plain function

    def task(fn=None, **_kwargs):  # type: ignore[no-untyped-def]
        return fn if fn is not None else (lambda f: f)


PAGE = 100  # the API's largest page; offset must be a multiple of it


@task
def fetch_advertisements(credential_id: Optional[str] = None) -> List[Dict[str, Any]]:
    credential_id = credential_id or os.environ["LATCHKEY_CREDENTIAL_ID"]
    latchkey = Client()
    ads: List[Dict[str, Any]] = []
    offset = 0
    while True:
        page = (
            latchkey.request(
                credential_id, "GET", "/advertisements", params={"limit": PAGE, "offset": offset}
            )
            .raise_for_status()
            .json()
        )
        ads.extend(page.get("_embedded", {}).get("mp:advertisement", []))
        if "next" not in page.get("_links", {}):
            return ads
        offset += PAGE


if __name__ == "__main__":
    print(f"{len(fetch_advertisements())} advertisements")

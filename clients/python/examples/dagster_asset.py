"""A Dagster asset that asks Latchkey for an access token and calls the provider's API itself.

Use this when a library wants a Bearer token rather than a URL: `get_token` always returns a valid one
(Latchkey refreshes it first when needed, once for the whole cluster). Ask again for each run, do not keep it.

    LATCHKEY_URL=http://127.0.0.1:3000 LATCHKEY_API_KEY=lk_… LATCHKEY_CREDENTIAL_ID=cred_… \\
        python examples/dagster_asset.py

`API_BASE_URL` is the provider's API (default: the sandbox built into Latchkey, under LATCHKEY_URL). In
Dagster, `@asset` makes it an asset; without Dagster it is a plain function.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any, Dict

from latchkey_client import Client

try:
    from dagster import asset
except ImportError:  # not running in Dagster: the same code, as a plain function

    def asset(fn=None, **_kwargs):  # type: ignore[no-untyped-def]
        return fn if fn is not None else (lambda f: f)


@asset
def seller_profile() -> Dict[str, Any]:
    latchkey = Client()
    token = latchkey.get_token(os.environ["LATCHKEY_CREDENTIAL_ID"])
    api = os.environ.get("API_BASE_URL") or f"{latchkey.base_url}/sandbox/2ememain/api/v1"
    request = urllib.request.Request(
        f"{api}/me",
        headers={"Authorization": token.authorization, "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


if __name__ == "__main__":
    profile = seller_profile()
    print(f"{profile['nickname']} <{profile['email']}>")

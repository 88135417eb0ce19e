"""Latchkey client: OAuth access tokens and the authenticated proxy of a Latchkey server, for pipelines.

    from latchkey_client import Client
    latchkey = Client()                      # LATCHKEY_URL, LATCHKEY_API_KEY
    token = latchkey.get_token("cred_…")     # token.access_token, token.expires_at
    me = latchkey.request("cred_…", "GET", "/me").json()

Standard library only.
"""

from .client import DEFAULT_URL, Client, LatchkeyError, Response, Token, __version__

__all__ = ["Client", "LatchkeyError", "Response", "Token", "DEFAULT_URL", "__version__"]

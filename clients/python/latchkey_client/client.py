"""A client of a Latchkey server on the standard library only (``urllib.request``, ``json``)."""

from __future__ import annotations

import json as _json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = ["Client", "LatchkeyError", "Response", "Token", "DEFAULT_URL"]

__version__ = "0.1.0"

DEFAULT_URL = "http://127.0.0.1:3000"

QueryValue = Union[str, int, float, bool, None, Sequence[Union[str, int, float, bool]]]
Body = Union[bytes, str, Mapping[str, Any], None]


class LatchkeyError(Exception):
    """A failure talking to Latchkey.

    ``code`` is the server's ``error.code`` (e.g. ``not_found``, ``unauthorized``,
    ``credential_not_active``; the list is docs/errors.md) or one of the client's own:
    ``unreachable``, ``timeout``, ``http_error`` (an error answer without Latchkey's error body).
    ``status`` is the HTTP status, or None when there was no answer.
    """

    def __init__(
        self, code: str, status: Optional[int], message: str, request_id: Optional[str] = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"LatchkeyError(code={self.code!r}, status={self.status!r}, message={self.message!r})"


@dataclass(frozen=True)
class Token:
    """A valid access token handed out by Latchkey (refreshed by the server first when needed)."""

    access_token: str = field(repr=False)  # never in a repr, a log line or a traceback
    token_type: str
    expires_at: str
    scope: Optional[str]

    @property
    def authorization(self) -> str:
        """The value of an ``Authorization`` header: ``Bearer <token>``."""
        return f"{self.token_type} {self.access_token}"


@dataclass
class Response:
    """The answer to a request through the proxy: the connector API's own, whatever its status."""

    status: int
    headers: Message
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8", errors="replace")

    def json(self) -> Any:
        return _json.loads(self.body.decode("utf-8"))

    def raise_for_status(self) -> "Response":
        """Raise a LatchkeyError unless the status is 2xx (Latchkey's error code when it refused)."""
        if self.ok:
            return self
        raise _error_from_answer(self.status, self.body, self.headers)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect with the same headers — the API key — to wherever it points.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _error_from_answer(status: int, body: bytes, headers: Message) -> LatchkeyError:
    request_id = headers.get("x-request-id")
    try:
        error = _json.loads(body.decode("utf-8")).get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return LatchkeyError(error["code"], status, str(error.get("message", "")), request_id)
    except (ValueError, AttributeError, UnicodeDecodeError):
        pass
    return LatchkeyError("http_error", status, f"Latchkey answered HTTP {status}", request_id)


class Client:
    """A Latchkey server, with an API key of a workspace.

    ``base_url`` and ``api_key`` default to the ``LATCHKEY_URL`` and ``LATCHKEY_API_KEY`` environment
    variables (and ``http://127.0.0.1:3000`` for the URL). ``timeout`` is in seconds, per request.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = 60.0,
    ) -> None:
        url = (base_url or os.environ.get("LATCHKEY_URL") or DEFAULT_URL).rstrip("/")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http(s) URL: {url}")
        key = api_key or os.environ.get("LATCHKEY_API_KEY")
        if not key:
            raise ValueError("an API key is required: pass api_key or set LATCHKEY_API_KEY")
        self.base_url = url
        self._api_key = key
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r})"

    # -- transport -------------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> Tuple[int, Message, bytes]:
        request = urllib.request.Request(self.base_url + path, data=body, method=method.upper())
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        request.add_header("Authorization", f"Bearer {self._api_key}")
        request.add_header("User-Agent", f"latchkey-client-python/{__version__}")
        try:
            with self._opener.open(request, timeout=timeout or self.timeout) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as answer:
            with answer:
                return answer.code, answer.headers, answer.read()
        except (socket.timeout, TimeoutError) as err:
            raise LatchkeyError("timeout", None, f"{self.base_url} did not answer in time") from err
        except urllib.error.URLError as err:
            if isinstance(err.reason, (socket.timeout, TimeoutError)):
                raise LatchkeyError("timeout", None, f"{self.base_url} did not answer in time") from err
            raise LatchkeyError(
                "unreachable", None, f"cannot reach Latchkey at {self.base_url} ({err.reason})"
            ) from err

    def _api(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else _json.dumps(payload).encode("utf-8")
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        status, answer_headers, answer = self._send(method, path, body, headers)
        if not 200 <= status < 300:
            raise _error_from_answer(status, answer, answer_headers)
        return _json.loads(answer.decode("utf-8")) if answer else None

    @staticmethod
    def _id(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    # -- tokens and the proxy --------------------------------------------------------------------------

    def get_token(self, credential_id: str) -> Token:
        """A valid access token for the credential; LatchkeyError ``credential_not_active`` when it is not."""
        t = self._api("GET", f"/api/v1/credentials/{self._id(credential_id)}/token")
        return Token(t["accessToken"], t["tokenType"], t["expiresAt"], t.get("scope"))

    def request(
        self,
        credential_id: str,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, QueryValue]] = None,
        json: Any = None,
        data: Body = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> Response:
        """Call the connector's API through Latchkey's proxy (``/api/v1/proxy/<id>/<path>``).

        Latchkey adds the credential's Bearer token (refreshing it on a 401). ``params`` is the query
        (a list value repeats the name), ``json`` a JSON body, ``data`` a raw body (bytes, text, or a
        mapping sent as a form). The answer is returned whatever its status — check ``.ok`` or call
        ``.raise_for_status()``; only an unreachable Latchkey raises.
        """
        if "://" in path or path.startswith("//"):
            raise ValueError(f"request takes a path of the connector's API, not a URL: {path}")
        target = f"/api/v1/proxy/{self._id(credential_id)}/{path.lstrip('/')}"
        if params:
            query = urllib.parse.urlencode(
                [(k, _query_value(v)) for k, v in _flatten(params)], doseq=False
            )
            target += ("&" if "?" in target else "?") + query
        send_headers: Dict[str, str] = dict(headers or {})
        body: Optional[bytes] = None
        if json is not None and data is not None:
            raise ValueError("pass json or data, not both")
        if json is not None:
            body = _json.dumps(json).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urllib.parse.urlencode(list(_flatten(data)), doseq=False).encode("ascii")
            send_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode("utf-8")
        elif data is not None:
            body = bytes(data)
        status, answer_headers, answer = self._send(method, target, body, send_headers, timeout)
        return Response(status, answer_headers, answer, self.base_url + target)

    # -- credentials -----------------------------------------------------------------------------------

    def iter_credentials(
        self, connector: Optional[str] = None, status: Optional[str] = None
    ) -> Iterator[Dict[str, Any]]:
        """The credentials of the API key's workspace, newest first, page after page."""
        cursor: Optional[str] = None
        while True:
            query: Dict[str, str] = {"limit": "200"}
            if connector:
                query["connector"] = connector
            if status:
                query["status"] = status
            if cursor:
                query["cursor"] = cursor
            page = self._api("GET", "/api/v1/credentials?" + urllib.parse.urlencode(query))
            yield from page["items"]
            cursor = page.get("nextCursor")
            if not cursor:
                return

    def list_credentials(
        self, connector: Optional[str] = None, status: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Every credential (following ``nextCursor``), optionally of one connector or status."""
        return list(self.iter_credentials(connector=connector, status=status))

    def get_credential(self, credential_id: str) -> Dict[str, Any]:
        return self._api("GET", f"/api/v1/credentials/{self._id(credential_id)}")

    def authorize(self, credential_id: str, return_to: Optional[str] = None) -> str:
        """Start an authorization: the provider URL to send the user to (single use, 10 minutes)."""
        body = {} if return_to is None else {"returnTo": return_to}
        started = self._api("POST", f"/api/v1/credentials/{self._id(credential_id)}/authorize", body)
        return started["authorizationUrl"]

    def refresh(self, credential_id: str) -> Dict[str, Any]:
        """Refresh the token now; returns the credential."""
        return self._api("POST", f"/api/v1/credentials/{self._id(credential_id)}/refresh")

    def revoke(self, credential_id: str) -> Dict[str, Any]:
        """Revoke the tokens at the provider and wipe them: ``{credential, providerRevocation}``."""
        return self._api("POST", f"/api/v1/credentials/{self._id(credential_id)}/revoke")

    def test(self, credential_id: str) -> Dict[str, Any]:
        """Call the connector's test request: ``{ok, status, durationMs, message, credential}``."""
        return self._api("POST", f"/api/v1/credentials/{self._id(credential_id)}/test")


def _flatten(values: Mapping[str, Any]) -> Iterator[Tuple[str, Any]]:
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            for item in value:
                yield key, item
        else:
            yield key, value


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

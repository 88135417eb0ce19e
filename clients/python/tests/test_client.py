"""Tests of latchkey_client.

The tests marked "server" run against a real Latchkey server with the sandbox and an active credential:
LATCHKEY_URL, LATCHKEY_API_KEY and LATCHKEY_TEST_CREDENTIAL_ID (the repository's Vitest suite starts one and
runs `python3 -m unittest discover -s clients/python/tests`). Without them they are skipped, saying so.
The others need nothing.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import unittest
from pathlib import Path
from typing import List
from unittest import mock

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
sys.path.insert(0, str(PACKAGE_ROOT))

from latchkey_client import Client, LatchkeyError, Token  # noqa: E402

SERVER = all(
    os.environ.get(v) for v in ("LATCHKEY_URL", "LATCHKEY_API_KEY", "LATCHKEY_TEST_CREDENTIAL_ID")
)
NEEDS_SERVER = "set LATCHKEY_URL, LATCHKEY_API_KEY and LATCHKEY_TEST_CREDENTIAL_ID (a running server)"
DEMO_EMAIL = "demo@sandbox.2ememain.test"


@unittest.skipUnless(SERVER, NEEDS_SERVER)
class AgainstAServer(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()  # from the environment
        self.credential_id = os.environ["LATCHKEY_TEST_CREDENTIAL_ID"]

    def test_get_token_returns_a_valid_bearer_token_never_shown_in_its_repr(self) -> None:
        token = self.client.get_token(self.credential_id)
        self.assertIsInstance(token, Token)
        self.assertEqual(token.token_type, "Bearer")
        self.assertGreater(len(token.access_token), 10)
        self.assertTrue(token.expires_at.endswith("Z"))
        self.assertEqual(token.authorization, f"Bearer {token.access_token}")
        self.assertNotIn(token.access_token, repr(token))

    def test_request_goes_through_the_proxy_to_the_api(self) -> None:
        me = self.client.request(self.credential_id, "GET", "/me")
        self.assertEqual(me.status, 200, me.text)
        self.assertTrue(me.ok)
        self.assertIn("json", me.headers.get("content-type", ""))
        self.assertEqual(me.json()["email"], DEMO_EMAIL)

    def test_request_sends_query_parameters(self) -> None:
        page = self.client.request(
            self.credential_id, "GET", "advertisements", params={"limit": 5, "offset": 0}
        )
        ads = page.raise_for_status().json()["_embedded"]["mp:advertisement"]
        self.assertEqual(len(ads), 5)

    def test_request_sends_a_json_body_and_returns_api_errors_as_responses(self) -> None:
        invalid = self.client.request(
            self.credential_id, "POST", "/advertisements", json={"title": ""}
        )
        self.assertEqual(invalid.status, 400)
        self.assertFalse(invalid.ok)
        self.assertEqual(invalid.json()["code"], "validation-error")
        with self.assertRaises(LatchkeyError) as caught:
            invalid.raise_for_status()
        self.assertEqual((caught.exception.code, caught.exception.status), ("http_error", 400))

    def test_list_credentials_follows_the_pages_and_filters(self) -> None:
        everything = self.client.list_credentials()
        self.assertIn(self.credential_id, [c["id"] for c in everything])
        active = self.client.list_credentials(connector="2ememain-sandbox", status="active")
        self.assertIn(self.credential_id, [c["id"] for c in active])
        self.assertTrue(all(c["status"] == "active" for c in active))
        self.assertEqual(self.client.list_credentials(status="revoked"), [])
        for c in everything:
            self.assertNotIn("clientSecret", c)

    def test_errors_carry_the_server_code_and_status(self) -> None:
        with self.assertRaises(LatchkeyError) as missing:
            self.client.get_token("cred_does_not_exist")
        self.assertEqual((missing.exception.code, missing.exception.status), ("not_found", 404))
        self.assertTrue(missing.exception.request_id)

        wrong_key = Client(api_key="lk_wrong_key_0123456789")
        with self.assertRaises(LatchkeyError) as unauthorized:
            wrong_key.list_credentials()
        self.assertEqual(
            (unauthorized.exception.code, unauthorized.exception.status), ("unauthorized", 401)
        )
        with self.assertRaises(LatchkeyError) as invalid:
            self.client.list_credentials(status="sleeping")
        self.assertEqual(invalid.exception.code, "validation_failed")

        refused = self.client.request("cred_does_not_exist", "GET", "/me")
        self.assertEqual(refused.status, 404)
        with self.assertRaises(LatchkeyError) as proxied:
            refused.raise_for_status()
        self.assertEqual(proxied.exception.code, "not_found")

    def test_the_examples_run_with_only_the_client(self) -> None:
        env = {**os.environ, "LATCHKEY_CREDENTIAL_ID": self.credential_id, "PYTHONPATH": str(PACKAGE_ROOT)}
        for example, expected in (
            ("airflow_task.py", " advertisements"),
            ("dagster_asset.py", f"<{DEMO_EMAIL}>"),
        ):
            with self.subTest(example=example):
                done = subprocess.run(
                    [sys.executable, str(PACKAGE_ROOT / "examples" / example)],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn(expected, done.stdout)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A local server that redirects /start to /elsewhere and records what reaches it."""

    seen: List[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).seen.append(f"{self.path} {self.headers.get('Authorization')}")
        if self.path.endswith("/start"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


class WithoutAServer(unittest.TestCase):
    def test_configuration_comes_from_the_environment(self) -> None:
        env = {"LATCHKEY_URL": "http://latchkey.internal:3000/", "LATCHKEY_API_KEY": "lk_from_env"}
        with mock.patch.dict(os.environ, env, clear=True):
            client = Client()
            self.assertEqual(client.base_url, "http://latchkey.internal:3000")
            self.assertNotIn("lk_from_env", repr(client))
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaisesRegex(ValueError, "API key"):
                Client("http://127.0.0.1:3000")
            self.assertEqual(Client(api_key="lk_x").base_url, "http://127.0.0.1:3000")
        with self.assertRaisesRegex(ValueError, "http"):
            Client("ftp://example.com", "lk_x")

    def test_an_unreachable_server_is_a_latchkey_error(self) -> None:
        client = Client("http://127.0.0.1:9", "lk_x", timeout=5)
        with self.assertRaises(LatchkeyError) as caught:
            client.get_token("cred_x")
        self.assertEqual((caught.exception.code, caught.exception.status), ("unreachable", None))
        with self.assertRaises(LatchkeyError):
            client.request("cred_x", "GET", "/me")

    def test_redirects_are_not_followed_so_the_api_key_stays_home(self) -> None:
        server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        _Recorder.seen = []
        try:
            client = Client(f"http://127.0.0.1:{server.server_port}", "lk_secret_key")
            answer = client.request("cred_x", "GET", "/start")
            self.assertEqual(answer.status, 302)
            self.assertEqual(answer.headers["Location"], "/elsewhere")
            self.assertEqual(_Recorder.seen, ["/api/v1/proxy/cred_x/start Bearer lk_secret_key"])
        finally:
            server.shutdown()
            server.server_close()

    def test_request_refuses_urls(self) -> None:
        with self.assertRaises(ValueError):
            Client("http://127.0.0.1:9", "lk_x").request("cred_x", "GET", "https://elsewhere.example/")


if __name__ == "__main__":
    unittest.main()

"""A Web Push service of our own on 127.0.0.1, for testing the app's pushes without the
internet: it takes what pywebpush posts, checks the VAPID Authorization header (an ES256 JWT
signed by the key it names, for this receiver's origin, not expired, with a subject) and
decrypts the body with http_ece (aes128gcm) using a subscription's private key made here, as a
browser would. An endpoint can be told to answer 410 Gone (the browser unsubscribed)."""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """One subscription as a browser holds it: the keys it gives the server and its secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64encode(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth_b64(self) -> str:
        return b64encode(self.auth)


@dataclass
class Received:
    path: str
    claims: dict
    vapid_key: str  # the k= of the Authorization header (base64url public key)
    payload: dict
    headers: dict


def verify_vapid(header: str, origin: str) -> tuple[dict, str]:
    """The claims and key of a "vapid t=<jwt>, k=<key>" header; AssertionError if not valid."""
    assert header.startswith("vapid "), header
    parts = dict(part.strip().split("=", 1) for part in header[len("vapid "):].split(","))
    token, key = parts["t"], parts["k"]
    head, body, signature = token.split(".")
    assert json.loads(b64decode(head)) == {"typ": "JWT", "alg": "ES256"}
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(key))
    raw = b64decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID JWT is not signed by the key it names") from None
    claims = json.loads(b64decode(body))
    assert claims["aud"] == origin, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
    assert claims["sub"].startswith(("mailto:", "https:")), claims
    return claims, key


class Receiver:
    """The push service: `browser()` makes a subscription on it; `gone(browser)` makes its
    endpoint answer 410; `received` lists what arrived, decrypted and checked."""

    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.gone_paths: set[str] = set()
        self.received: list[Received] = []
        self.errors: list[str] = []
        self.delay = 0.0  # seconds before answering: a slow push service
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                receiver.handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def browser(self) -> Browser:
        browser = Browser(f"{self.origin}/push/{len(self.browsers) + 1}")
        self.browsers[browser.endpoint.removeprefix(self.origin)] = browser
        return browser

    def gone(self, browser: Browser) -> None:
        self.gone_paths.add(browser.endpoint.removeprefix(self.origin))

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        time.sleep(self.delay)
        try:
            if request.path in self.gone_paths:
                request.send_response(410)
                request.end_headers()
                return
            browser = self.browsers[request.path]
            assert request.headers["Content-Encoding"] == "aes128gcm"
            assert int(request.headers["TTL"]) > 0
            claims, key = verify_vapid(request.headers["Authorization"], self.origin)
            plain = http_ece.decrypt(body, private_key=browser.private_key,
                                     auth_secret=browser.auth, version="aes128gcm")
            self.received.append(Received(request.path, claims, key, json.loads(plain),
                                          dict(request.headers)))
            request.send_response(201)
        except Exception as error:  # noqa: BLE001 - reported to the test, answered as a 400
            self.errors.append(repr(error))
            request.send_response(400)
        request.end_headers()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

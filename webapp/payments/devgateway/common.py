"""What both development gateways share: a threaded WSGI server on 127.0.0.1, RSA signatures,
notification delivery and the page where the buyer "pays"."""
from __future__ import annotations

import base64
import html
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Response

UNAVAILABLE = "unavailable"        # answer every API call 5xx
BAD_SIGNATURE = "bad_signature"    # sign responses and notifications with a key nobody trusts
FAILURES = {None, UNAVAILABLE, BAD_SIGNATURE}


def refuse_in_production(app_env: str) -> None:
    """The development gateway takes no money and trusts anyone: never in production."""
    if app_env == "production":
        raise RuntimeError("the development payment gateway is refused when APP_ENV=production")


@cache
def rogue_key() -> rsa.RSAPrivateKey:
    """A key no one trusts, for the BAD_SIGNATURE failure."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign(key: rsa.RSAPrivateKey, text: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: Alipay's RSA2 and WeChat Pay's signatures alike."""
    return base64.b64encode(key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(key: rsa.RSAPublicKey, text: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), text.encode("utf-8"), padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Delivery:
    """A notification as sent, and the answer the app gave it."""

    url: str
    headers: dict[str, str]
    body: bytes
    status: int
    answer: bytes


def deliver(url: str, headers: dict[str, str], body: bytes) -> Delivery:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Delivery(url, headers, body, response.status, response.read())
    except urllib.error.HTTPError as error:
        return Delivery(url, headers, body, error.code, error.read())
    except (urllib.error.URLError, OSError) as error:
        return Delivery(url, headers, body, 0, str(error).encode())


class Running:
    """A WSGI app served on 127.0.0.1 at a free port, in threads, until stop()."""

    def __init__(self, app):
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True,
                                        name=f"devgateway-{self.server.server_port}")
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development gateway: {channel}</title>
<body style="font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem">
<p style="background:#fde68a;padding:.5rem 1rem"><strong>Development gateway.</strong>
No real money moves; this page stands in for {channel}.</p>
<h1>{subject}</h1><p>Amount: <strong>{amount}</strong> (order {out_trade_no})</p>
<p>Status: {status}</p>
<form method="post" action="{action}"><button type="submit">Pay {amount}</button></form>
</body></html>"""


def pay_page(*, channel: str, subject: str, amount: str, out_trade_no: str, status: str,
             action: str) -> Response:
    """The page a buyer's phone shows instead of the channel's cashier."""
    values = {k: html.escape(v) for k, v in dict(channel=channel, subject=subject, amount=amount,
                                                 out_trade_no=out_trade_no, status=status,
                                                 action=action).items()}
    return Response(PAGE.format(**values), content_type="text/html; charset=utf-8")

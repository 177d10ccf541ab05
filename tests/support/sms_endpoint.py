"""A local stand-in for Tencent Cloud SMS's API (sms.tencentcloudapi.com, SendSms 2021-01-11):
an HTTP server on 127.0.0.1 that records each request and answers as the real API does, so the
official SDK's request is checked without the internet."""
from __future__ import annotations

import json
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    path: str
    headers: dict
    body: dict


@dataclass
class Endpoint:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    status_code: str = "Ok"       # each number's SendStatus Code ("Ok" or a refusal)
    error_code: str = ""          # set: the whole call fails with this API error

    def answer(self, body: dict) -> dict:
        request_id = str(uuid.uuid4())
        if self.error_code:
            return {"Response": {"Error": {"Code": self.error_code, "Message": "refused by the test"},
                                 "RequestId": request_id}}
        statuses = [{"SerialNo": f"2433:{n}", "PhoneNumber": number, "Fee": 1, "SessionContext": "",
                     "Code": self.status_code,
                     "Message": "send success" if self.status_code == "Ok" else "refused",
                     "IsoCode": "CN"} for n, number in enumerate(body.get("PhoneNumberSet", []))]
        return {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}


@contextmanager
def tencent_sms_endpoint():
    """Yield an Endpoint serving on a free port until the block ends."""
    endpoint = Endpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            endpoint.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()},
                                              body))
            answer = json.dumps(endpoint.answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()

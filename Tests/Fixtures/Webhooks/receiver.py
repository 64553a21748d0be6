#!/usr/bin/env python3
"""A webhook receiver for the tests, on loopback, standard library only.

Verifies each request's Standard Webhooks signature on its own (Python's
hmac, with the spool's state/webhook-secret), and appends one JSON line per
request to --log: the headers, the body, whether the signature verified,
and the status it answered.

  --fail-first N   answer 500 to the first N requests
  --redirect URL   answer 302 with Location: URL to every request
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import time


def verify(secret_file, webhook_id, timestamp, body, signatures):
    try:
        with open(secret_file, "rb") as f:
            secret = f.read().decode().strip()
    except OSError:
        return False
    if not secret.startswith("whsec_"):
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(timestamp or 0)) < 300
    return fresh and any(hmac.compare_digest(expected, s) for s in signatures.split(" "))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--redirect")
    options = parser.parse_args()
    seen = {"count": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            seen["count"] += 1
            if options.redirect:
                status = 302
            elif seen["count"] <= options.fail_first:
                status = 500
            else:
                status = 200
            webhook_id = self.headers.get("webhook-id", "")
            timestamp = self.headers.get("webhook-timestamp", "")
            signature = self.headers.get("webhook-signature", "")
            record = {
                "path": self.path, "id": webhook_id, "timestamp": timestamp, "signature": signature,
                "content_type": self.headers.get("content-type"), "body": body.decode("utf-8", "replace"),
                "verified": verify(options.secret_file, webhook_id, timestamp, body, signature), "status": status,
            }
            with open(options.log, "a") as f:
                f.write(json.dumps(record) + "\n")
            self.send_response(status)
            if options.redirect:
                self.send_header("Location", options.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", options.port), Handler)
    temporary = options.port_file + ".tmp"
    with open(temporary, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(temporary, options.port_file)
    # Bounded: a test that forgets it does not leave it for ever.
    deadline = time.time() + 600
    server.timeout = 1
    while time.time() < deadline:
        server.handle_request()
    sys.exit(0)


if __name__ == "__main__":
    main()

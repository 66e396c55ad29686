#!/usr/bin/env python3
"""payment_service.py — a tiny stand-in for an asynchronous payment service.

POST /charges with {"callback_id", "order_id", "amount", "currency"} is
accepted with 202 {"charge_id": "ch_ORDER", "status": "pending"}; the
verdict comes later, when someone (you, or a test) answers the callback.
Each request is printed on one line (to --log FILE, else stdout), with the
callback id to answer.

  python3 payment_service.py [--port 8766] [--port-file F] [--log F] [--fail N]
                             [--refuse N]

--port 0 takes any free port; --port-file writes the port taken (once
listening). --fail N answers 503 to the first N requests, to show the http
step's retries; --refuse N answers 402 (card declined) to the first N
requests, which the step does not retry. Stops on SIGINT/SIGTERM.
"""
import argparse
import http.server
import json
import os
import signal
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--refuse", type=int, default=0)
    opts = ap.parse_args()
    lock = threading.Lock()
    state = {"left_to_fail": opts.fail, "left_to_refuse": opts.refuse}
    out = open(opts.log, "a", buffering=1) if opts.log else sys.stdout

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                charge = json.loads(body)
            except ValueError:
                charge = None
            with lock:
                failing = state["left_to_fail"] > 0
                refusing = not failing and state["left_to_refuse"] > 0
                if failing:
                    state["left_to_fail"] -= 1
                if refusing:
                    state["left_to_refuse"] -= 1
                if failing:
                    status, reply = 503, {"error": "busy, try again"}
                elif refusing:
                    status, reply = 402, {"error": "card declined"}
                elif self.path != "/charges" or not isinstance(charge, dict):
                    status, reply = 400, {"error": "POST /charges with a JSON object"}
                else:
                    status = 202
                    reply = {"charge_id": "ch_%s" % charge.get("order_id"), "status": "pending"}
                out.write(json.dumps({"path": self.path, "answered": status,
                                      "idempotency_key": self.headers.get("Idempotency-Key"),
                                      "request": charge}) + "\n")
                out.flush()
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(tmp, opts.port_file)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""receiver.py — a tiny stand-in for the manager's inbox.

Accepts POSTs of JSON messages on 127.0.0.1, answers 200 {"ok": true}, and
prints each message on one line (to --log FILE, else stdout), so a person or
a test can read the callback ids the workflow sends out.

  python3 receiver.py [--port 8765] [--port-file F] [--log F] [--fail N]

--port 0 takes any free port; --port-file writes the port taken (once
listening). --fail N answers 503 to the first N requests, to show the
submitter's retries. Stops on SIGINT/SIGTERM.
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
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--fail", type=int, default=0)
    opts = ap.parse_args()
    lock = threading.Lock()
    state = {"left_to_fail": opts.fail}
    out = open(opts.log, "a", buffering=1) if opts.log else sys.stdout

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                failing = state["left_to_fail"] > 0
                if failing:
                    state["left_to_fail"] -= 1
                try:
                    message = json.loads(body)
                except ValueError:
                    message = body.decode("utf-8", "replace")
                out.write(json.dumps({"path": self.path, "answered": 503 if failing else 200,
                                      "message": message}) + "\n")
                out.flush()
            reply = b'{"ok": false}' if failing else b'{"ok": true}'
            self.send_response(503 if failing else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

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

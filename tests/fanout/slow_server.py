#!/usr/bin/env python3
"""slow_server.py PORT_FILE LOG — a stand-in for test_http.sh: answers every
request after 200 ms with {"path": ..., "in_flight": N}, N the requests being
answered at that moment, and appends the most seen at once to LOG. Listens on
a free port of 127.0.0.1, written to PORT_FILE once it listens."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"now": 0, "most": 0}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.2)
        with lock:
            seen = state["now"]
            state["now"] -= 1
            most = state["most"]
        with open(sys.argv[2], "a") as log:
            log.write("%s %d\n" % (self.path, most))
        body = json.dumps({"path": self.path, "in_flight": seen}).encode()
        code = 503 if self.path.startswith("/fail") else 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 would hold back the sixth call


server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()

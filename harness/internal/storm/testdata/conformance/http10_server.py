"""An HTTP/1.0 upload service on CPython's http.server, for the wire's
conformance test: it reads each upload (Content-Length bytes), appends
"<path> <bytes>" to its journal, and answers 201 without a length: the
body ends when it closes the connection, as HTTP/1.0 allows. Every 5th
request is answered 503 the same way. It prints its port, then serves.
"""
import http.server
import sys
import threading

journal = open(sys.argv[1], "a", buffering=1)
lock = threading.Lock()
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        got = len(self.rfile.read(n))
        with lock:
            count[0] += 1
            k = count[0]
            journal.write("%s %d\n" % (self.path, got))
        code = 503 if k % 5 == 0 else 201
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"stored": %d}' % got)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()

#!/usr/bin/env python3
"""A reverse HTTP proxy that breaks responses, for tests/host/pull-http.sh.

Listens on 127.0.0.1 (--port 0 picks a free port, printed as "port N" once
it listens) and forwards each GET to the upstream server (--to PORT, nginx).
Before every request it reads the fault file (--faults FILE): lines
"MODE SUBSTRING", the first whose SUBSTRING the request's path contains
applied to it (an empty or missing file: no fault).  Modes:
  none       forward as it is
  truncate   the first half of the body, then close, with no Content-Length:
             the transfer looks complete, but the file is short
  cut        a Content-Length for the whole body, half of it, then close
  flip       the whole body with one byte inverted in the middle
  grow       the body, then as many bytes again (no Content-Length)
  status500, status404   that status, without forwarding
  redirect   a 301 to another path of the same server
  stall      the headers and a few bytes, then nothing for 120 s
  reset      the headers and a few bytes, then a TCP reset
  slow       the body in 4 KiB pieces, 50 ms apart
"""
import argparse
import http.client
import http.server
import socket
import struct
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def fault(self):
        try:
            with open(self.server.faults) as f:
                lines = [line.split() for line in f]
        except FileNotFoundError:
            return "none"
        for words in lines:
            if len(words) == 2 and words[1] in self.path:
                return words[0]
        return "none"

    def upstream(self):
        c = http.client.HTTPConnection("127.0.0.1", self.server.to, timeout=30)
        c.request("GET", self.path)
        r = c.getresponse()
        return r.status, r.read()

    def head(self, status, length=None, close=False):
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        if close or length is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def do_GET(self):
        mode = self.fault()
        if mode.startswith("status"):
            body = b"fault\n"
            self.head(int(mode[6:]), len(body))
            self.wfile.write(body)
            return
        if mode == "redirect":
            self.send_response(301)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, body = self.upstream()
        if status != 200 or mode == "none":
            self.head(status, len(body))
            self.wfile.write(body)
        elif mode == "truncate":
            self.head(200, None)
            self.wfile.write(body[: len(body) // 2])
        elif mode == "cut":
            self.head(200, len(body), close=True)
            self.wfile.write(body[: len(body) // 2])
        elif mode == "flip":
            b = bytearray(body)
            if b:
                b[len(b) // 2] ^= 0xFF
            self.head(200, len(b))
            self.wfile.write(bytes(b))
        elif mode == "grow":
            self.head(200, None)
            self.wfile.write(body + body + b"x")
        elif mode == "slow":
            self.head(200, len(body))
            for i in range(0, len(body), 4096):
                self.wfile.write(body[i:i + 4096])
                self.wfile.flush()
                time.sleep(0.05)
        elif mode in ("stall", "reset"):
            self.head(200, len(body), close=True)
            self.wfile.write(body[:16])
            self.wfile.flush()
            if mode == "stall":
                time.sleep(120)
            else:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
        else:
            sys.exit(f"fault-proxy: unknown mode {mode}")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up on a broken answer is what the faults are for.
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--faults", required=True)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.to, srv.faults = a.to, a.faults
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

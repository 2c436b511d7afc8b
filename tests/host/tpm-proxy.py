#!/usr/bin/env python3
"""A TCP proxy in front of swtpm, for tests/host/tpm.sh and bench/tpm.sh.

Forwards swtpm's command port (LISTEN -> TO) and its control port
(LISTEN+1 -> TO+1).  On the command port it reads each TPM command's header
(tag, size, command code), so that it can:
  --cut CODE:N   drop the connection, without forwarding, when the Nth
                 command with that code arrives (a TPM that dies mid-way);
  --busy CODE:N:RC
                 answer the first N commands with that code with response
                 code RC, without forwarding them (a TPM that is busy or
                 testing itself: 0x922 RETRY, 0x90a TESTING, 0x908 YIELDED);
  --count FILE   append one line per command, its code in hex, to FILE.
It prints "ready" once both ports listen, and runs until killed.
"""
import argparse
import socket
import struct
import sys
import threading

lock = threading.Lock()
seen = {}


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def pump(src, dst):
    """Copies bytes one way until either side closes."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve_control(client, to):
    upstream = socket.create_connection(("127.0.0.1", to + 1), timeout=10)
    upstream.settimeout(None)
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
    pump(client, upstream)


def serve_commands(client, args):
    """Forwards whole commands and whole responses, one at a time."""
    upstream = socket.create_connection(("127.0.0.1", args.to), timeout=10)
    upstream.settimeout(None)
    try:
        while True:
            head = recv_exact(client, 10)
            if head is None:
                break
            _tag, size, code = struct.unpack(">HII", head)
            body = recv_exact(client, size - 10) if size > 10 else b""
            if body is None:
                break
            with lock:
                seen[code] = seen.get(code, 0) + 1
                nth = seen[code]
                if args.count:
                    with open(args.count, "a") as f:
                        f.write("%#x\n" % code)
            if args.cut and args.cut == (code, nth):
                break
            if args.busy and args.busy[0] == code and nth <= args.busy[1]:
                client.sendall(struct.pack(">HII", 0x8001, 10, args.busy[2]))
                continue
            upstream.sendall(head + body)
            rhead = recv_exact(upstream, 6)
            if rhead is None:
                break
            _rtag, rsize = struct.unpack(">HI", rhead)
            rbody = recv_exact(upstream, rsize - 6) if rsize > 6 else b""
            if rbody is None:
                break
            client.sendall(rhead + rbody)
    finally:
        client.close()
        upstream.close()


def listen(port, handler, *extra):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)

    def loop():
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=handler, args=(conn,) + extra, daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--cut", help="CODE:N, e.g. 0x182:2 (the second PCR_Extend)")
    ap.add_argument("--busy", help="CODE:N:RC, e.g. 0x14e:8:0x922 (RETRY to 8 NV_Reads)")
    ap.add_argument("--count", help="file to append each command code to")
    args = ap.parse_args()
    if args.cut:
        code, n = args.cut.split(":")
        args.cut = (int(code, 0), int(n))
    if args.busy:
        code, n, rc = args.busy.split(":")
        args.busy = (int(code, 0), int(n), int(rc, 0))
    listen(args.listen, serve_commands, args)
    listen(args.listen + 1, serve_control, args.to)
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A data channel to a running swtpm whose guest is gone, for tpm2-tools.

qemu's TPM emulator backend gives swtpm its data channel as a file
descriptor over swtpm's control socket (CMD_SET_DATAFD), and swtpm then
takes no other client for data.  When qemu is killed (without the
CMD_SHUTDOWN a clean exit sends), swtpm keeps running with the guest's
volatile state, PCRs included.  This program hands swtpm a new data
channel the same way and relays TPM commands to it from stdin and its
responses to stdout, which is what tpm2-tss's "cmd" TCTI expects:

    TPM2TOOLS_TCTI="cmd:python3 tests/vm/swtpm-data.py CTRL_SOCKET" tpm2_pcrread sha256:15
"""
import os
import socket
import struct
import sys

CMD_SET_DATAFD = 16   # swtpm's ptm interface (swtpm_ioctls(8))
HEADER = 10           # tag (2), size (4), code (4) of TPM 2.0 commands and responses


def read_exact(read, n):
    buf = b""
    while len(buf) < n:
        chunk = read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: swtpm-data.py CTRL_SOCKET")
    ctrl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ctrl.connect(sys.argv[1])
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    socket.send_fds(ctrl, [struct.pack(">I", CMD_SET_DATAFD)], [theirs.fileno()])
    theirs.close()
    res = read_exact(ctrl.recv, 4)
    if res is None or struct.unpack(">I", res)[0] != 0:
        sys.exit(f"swtpm-data.py: swtpm refused CMD_SET_DATAFD (result {res.hex() if res else 'none'})")
    stdin, stdout = sys.stdin.buffer.raw, sys.stdout.buffer
    while True:
        head = read_exact(stdin.read, HEADER)
        if head is None:
            return
        size = struct.unpack(">I", head[2:6])[0]
        body = read_exact(stdin.read, size - HEADER)
        if body is None:
            sys.exit("swtpm-data.py: a command ended early on stdin")
        ours.sendall(head + body)
        head = read_exact(ours.recv, HEADER)
        if head is None:
            sys.exit("swtpm-data.py: swtpm closed the data channel")
        size = struct.unpack(">I", head[2:6])[0]
        body = read_exact(ours.recv, size - HEADER)
        if body is None:
            sys.exit("swtpm-data.py: a response ended early")
        stdout.write(head + body)
        stdout.flush()


if __name__ == "__main__":
    main()

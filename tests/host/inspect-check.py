#!/usr/bin/env python3
"""Compares `cfsboot inspect --dump` of an image against the directory tree
the image was built from, entry by entry, with what the writer stores
(docs/inspect.md): type and permissions, owner, mtime, size, symlink target,
inline content (1..64 bytes), store path and fs-verity digest (larger files),
device numbers, xattrs; nlink as the writer computes it.  The digests come
from `fsverity digest` (fsverity-utils), not from any composefs code.
Prints one line per difference and exits 1 if there is any.

usage: inspect-check.py SOURCE_DIR DUMP_FILE
"""
import os
import stat
import subprocess
import sys


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == 0x5C:
            e = s[i + 1:i + 2]
            if e == b"x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {b"\\": b"\\", b"n": b"\n", b"r": b"\r", b"t": b"\t"}[e]
            i += 2
            continue
        out.append(s[i])
        i += 1
    return bytes(out)


def opt(s):
    return None if s == b"-" else unescape(s)


def parse_dump(path):
    entries = {}
    for line in open(path, "rb").read().split(b"\n"):
        if not line:
            continue
        f = line.split(b" ")
        xattrs = {}
        for x in f[11:]:
            k, _, v = x.partition(b"=")
            xattrs[unescape(k)] = unescape(v)
        entries[unescape(f[0])] = dict(
            size=int(f[1]), mode=int(f[2].lstrip(b"@"), 8), nlink=int(f[3]),
            uid=int(f[4]), gid=int(f[5]), rdev=int(f[6]), mtime=f[7].decode(),
            payload=opt(f[8]), content=opt(f[9]), digest=opt(f[10]), xattrs=xattrs)
    return entries


def fsverity_digest(path):
    return subprocess.run(["fsverity", "digest", "--compact", path], check=True,
                          capture_output=True, text=True).stdout.strip()


def expected(src, rel):
    """What the dump line of SOURCE/rel must say."""
    p = os.path.join(src, rel) if rel else src
    st = os.lstat(p)
    ns = st.st_mtime_ns
    e = dict(mode=st.st_mode, uid=st.st_uid, gid=st.st_gid,
             mtime="%d.%d" % (ns // 10**9, ns % 10**9), payload=None, content=None,
             digest=None, rdev=0, nlink=1)
    e["xattrs"] = {k.encode(): os.getxattr(p, k, follow_symlinks=False)
                   for k in os.listxattr(p, follow_symlinks=False)}
    if stat.S_ISDIR(st.st_mode):
        e["nlink"] = 2 + sum(1 for n in os.listdir(p)
                             if stat.S_ISDIR(os.lstat(os.path.join(p, n)).st_mode))
    elif stat.S_ISLNK(st.st_mode):
        e["payload"] = os.fsencode(os.readlink(p))
        e["size"] = len(e["payload"])
    elif stat.S_ISREG(st.st_mode):
        e["size"] = st.st_size
        data = open(p, "rb").read()
        if 0 < len(data) <= 64:
            e["content"] = data
        elif data:
            h = fsverity_digest(p)
            e["payload"] = (h[:2] + "/" + h[2:]).encode()
            e["digest"] = h.encode()
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        e["rdev"] = st.st_rdev
    return e


def main(src, dump):
    got = parse_dump(dump)
    want = {b"/": expected(src, "")}
    for d, dirs, files in os.walk(src):
        for n in dirs + files:
            rel = os.path.relpath(os.path.join(d, n), src)
            want[b"/" + os.fsencode(rel)] = expected(src, rel)
    bad = 0
    for path in sorted(set(want) | set(got)):
        if path not in got or path not in want:
            print("%r: %s" % (path, "missing from the dump" if path in want else "not in the source"))
            bad += 1
            continue
        for k, v in want[path].items():
            if got[path][k] != v:
                print("%r: %s is %r, expected %r" % (path, k, got[path][k], v))
                bad += 1
    print("%d entries compared, %d differences" % (len(want), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

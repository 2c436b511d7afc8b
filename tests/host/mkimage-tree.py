#!/usr/bin/env python3
"""Builds the edge-case source tree of the mkimage tests: one tree with every
case the composefs format notes describe, so that the reference, store and mount
tests all check the same things.  Needs root (devices, trusted.* xattrs,
chown).

usage: mkimage-tree.py DIR [--no-sparse]
"""
import os
import socket
import stat
import subprocess
import sys

MIN_MTIME_NS = -315619200 * 10**9 + 5    # 1960-01-01, plus 5 ns: pre-1970


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def xattr(path, key, value):
    os.setxattr(path, key, value, follow_symlinks=False)


def regular_files(d):
    os.mkdir(d)
    for size in (0, 1, 2, 63, 64, 65, 100, 4095, 4096, 4097, 8192, 70000):
        write(f"{d}/size-{size}", bytes((i * 7 + size) & 0xFF for i in range(size)))
    # identical contents: their metacopy and redirect xattrs become shared
    for name in ("same-1", "same-2", "same-3"):
        write(f"{d}/{name}", b"the same content, more than sixty-four bytes long...\n" * 3)
    write(f"{d}/small-same-1", b"tiny\n")
    write(f"{d}/small-same-2", b"tiny\n")
    os.link(f"{d}/same-1", f"{d}/hardlink-to-same-1")
    os.chmod(f"{d}/size-1", 0o4755)
    os.chmod(f"{d}/size-2", 0o600)


def sparse_file(d):
    # more than 4 GiB: the inode cannot be compact even with --use-epoch
    with open(f"{d}/sparse-4g", "wb") as f:
        f.truncate(4 * 2**30 + 1)
        f.seek(2**30)
        f.write(b"data in the middle\n")


def xattrs(d):
    os.mkdir(d)
    f = f"{d}/file"
    write(f, b"x")
    xattr(f, "user.plain", b"value")
    xattr(f, "user.empty", b"")
    xattr(f, "user.binary", bytes(range(256)))
    xattr(f, "user.big", b"B" * 1500)
    xattr(f, "trusted.plain", b"t")
    xattr(f, "security.plain", b"s")
    xattr(f, "user.overlay.not-escaped", b"u")
    # the overlay's own names are stored escaped
    e = f"{d}/escaped"
    write(e, b"escaped overlay xattrs" * 4)
    xattr(e, "trusted.overlay.redirect", b"/somewhere/else")
    xattr(e, "trusted.overlay.metacopy", b"")
    o = f"{d}/opaque-dir"
    os.mkdir(o)
    xattr(o, "trusted.overlay.opaque", b"y")
    dd = f"{d}/double"
    write(dd, b"")
    xattr(dd, "trusted.overlay.overlay.whiteout", b"")
    # POSIX ACLs set the header's ACL flag
    acl = f"{d}/acl-dir"
    os.mkdir(acl)
    write(f"{acl}/file", b"acl")
    subprocess.run(["setfacl", "-m", "u:1234:rwx,g:99:r", f"{acl}/file"], check=True)
    subprocess.run(["setfacl", "-d", "-m", "u:1234:rx", acl], check=True)
    # more than 128 shared pairs on one inode: the rest stays inline
    for name in ("many-1", "many-2"):
        p = f"{d}/{name}"
        write(p, b"m")
        for i in range(140):
            xattr(p, f"user.s{i:03d}", b"%d" % (i % 10))
    # symlinks take trusted.* but not user.* xattrs
    os.symlink("file", f"{d}/link-with-xattr")
    xattr(f"{d}/link-with-xattr", "trusted.on-a-link", b"yes")


def specials(d):
    os.mkdir(d)
    os.mknod(f"{d}/null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mknod(f"{d}/blk-259-300000", stat.S_IFBLK | 0o660, os.makedev(259, 300000))
    os.mknod(f"{d}/blk-8-1", stat.S_IFBLK | 0o640, os.makedev(8, 1))
    os.mkfifo(f"{d}/fifo", 0o644)
    s = socket.socket(socket.AF_UNIX)
    s.bind(f"{d}/socket")
    s.close()
    # an overlay whiteout: stored escaped, and it makes the image format 1
    w = f"{d}/whiteouts"
    os.mkdir(w)
    os.mknod(f"{w}/gone", stat.S_IFCHR | 0o600, os.makedev(0, 0))
    write(f"{w}/kept", b"kept")


def symlinks(d):
    # 1..4095 bytes: short ones inline, long ones padded to a block start,
    # the longest moved out of line
    os.mkdir(d)
    lengths = sorted(set(list(range(1, 40)) + list(range(100, 4096, 97)) +
                         [1000, 2000, 3000, 4000, 4031, 4032, 4033, 4063,
                          4064, 4065, 4094, 4095]))
    for n in lengths:
        os.symlink("t" * n, f"{d}/len-{n:04d}")
    os.symlink("/absolute/target with spaces", f"{d}/absolute")
    os.symlink("../xattrs/file", f"{d}/relative")


def directories(d):
    os.mkdir(d)
    os.mkdir(f"{d}/empty")
    # several dirent blocks, long names
    big = f"{d}/big"
    os.mkdir(big)
    for i in range(320):
        write(f"{big}/{i:03d}-" + "n" * (200 + i % 52), b"")
    # a last block of more than 2048 bytes goes to a block of its own
    half = f"{d}/last-block-large"
    os.mkdir(half)
    for i in range(11):
        write(f"{half}/{i:02d}-" + "h" * 190, b"")
    # tails of many sizes land at many offsets: some need padding
    for k in range(1, 30):
        sub = f"{d}/tails-{k:02d}"
        os.mkdir(sub)
        for i in range(k):
            write(f"{sub}/{i:02d}" + "e" * (k * 3), b"")
    # names that sort before "." and "..", and odd bytes
    odd = f"{d}/odd-names"
    os.mkdir(odd)
    for name in (b"!bang", b"#hash", b"+plus", b"-dash", b",comma", b" space first",
                 b"with space", b"new\nline", b"tab\there", b"back\\slash",
                 b"\xff\xfe high bytes", b"\x01control", b"=equals", b"-",
                 b"x" * 255):
        write(os.path.join(odd.encode(), name), b"")
    deep = d
    for i in range(12):
        deep = f"{deep}/level-{i}"
        os.mkdir(deep)
    write(f"{deep}/bottom", b"deep file content that is more than 64 bytes long..........\n")


def owners(d):
    os.mkdir(d)
    for name, uid, gid in (("big-ids", 70000, 80000), ("big-uid", 65536, 0),
                           ("big-gid", 0, 65536), ("max-16", 65535, 65535),
                           ("plain", 1000, 1000)):
        write(f"{d}/{name}", b"owner")
        os.chown(f"{d}/{name}", uid, gid)
    os.mkdir(f"{d}/big-ids-dir")
    os.chown(f"{d}/big-ids-dir", 123456, 654321)
    os.symlink("big-ids", f"{d}/big-ids-link")
    os.chown(f"{d}/big-ids-link", 99999, 99999, follow_symlinks=False)


def set_mtimes(root):
    """Distinct mtimes with nanoseconds; a few share the minimum (those
    inodes can be compact); set bottom-up, after every entry exists."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for n in filenames + dirnames:
            paths.append(os.path.join(dirpath, n))
    paths.append(root)
    for i, p in enumerate(paths):
        ns = 1_600_000_000 * 10**9 + i * 1_000_003_517
        os.utime(p, ns=(ns, ns), follow_symlinks=False)
    for p in ("regular/size-0", "directories/empty", "specials/fifo",
              "owners/max-16", "symlinks/len-0001"):
        os.utime(os.path.join(root, p), ns=(MIN_MTIME_NS, MIN_MTIME_NS),
                 follow_symlinks=False)
    # whole seconds, and the same second with other nanoseconds
    os.utime(os.path.join(root, "regular/size-63"), ns=(10**18, 10**18))
    os.utime(os.path.join(root, "regular/size-64"), ns=(10**18 + 1, 10**18 + 1))


def main():
    root = sys.argv[1]
    os.umask(0o022)
    os.mkdir(root)
    os.chmod(root, 0o755)
    xattr(root, "security.selinux", b"system_u:object_r:root_t:s0\0")
    regular_files(f"{root}/regular")
    if "--no-sparse" not in sys.argv:
        sparse_file(f"{root}/regular")
    xattrs(f"{root}/xattrs")
    specials(f"{root}/specials")
    symlinks(f"{root}/symlinks")
    directories(f"{root}/directories")
    owners(f"{root}/owners")
    # root entries named like the root's added whiteouts replace them
    write(f"{root}/0a", b"a file named like a whiteout\n")
    os.mkdir(f"{root}/ff")
    set_mtimes(root)


if __name__ == "__main__":
    main()

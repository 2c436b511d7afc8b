#!/usr/bin/env python3
"""Compares a source tree with a mounted composefs image of it (EROFS under
overlayfs with the object store as data layer): names, types, permissions,
owners, mtimes, sizes, contents, symlink targets, device numbers and xattrs.

What composefs changes is expected, not ignored: a source whiteout (chardev
0:0) shows as an empty regular file carrying trusted.overlay.whiteout and
user.overlay.whiteout, and its directory carries the matching "whiteouts"
markers (and, in format 1, opaque="x").

usage: mkimage-compare.py SOURCE MOUNT [--epoch] [--hardlinks] [--version N]
Prints one line per difference; exits 1 if there is any.
"""
import os
import stat
import sys

CHUNK = 1 << 20


def xattrs(path):
    return {k: os.getxattr(path, k, follow_symlinks=False)
            for k in os.listxattr(path, follow_symlinks=False)}


def is_whiteout(st):
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def same_content(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(CHUNK), fb.read(CHUNK)
            if x != y:
                return False
            if not x:
                return True


class Comparer:
    def __init__(self, src, mnt, epoch, hardlinks, version):
        self.src, self.mnt = src, mnt
        self.epoch, self.hardlinks, self.version = epoch, hardlinks, version
        self.errors = 0
        self.inodes = {}    # source (dev, ino) -> mounted st_ino, for hardlinks

    def bad(self, rel, what):
        self.errors += 1
        print(f"{rel!r}: {what}")

    def expected(self, path, st):
        """What the mount should show for a source entry."""
        mode, xa = st.st_mode, xattrs(path)
        if is_whiteout(st):
            mode = stat.S_IFREG | stat.S_IMODE(mode)
            xa["trusted.overlay.whiteout"] = b""
            xa["user.overlay.whiteout"] = b""
        if stat.S_ISDIR(mode) and any(
                is_whiteout(os.lstat(os.path.join(path, n))) for n in os.listdir(path)):
            xa["trusted.overlay.whiteouts"] = b""
            xa["user.overlay.whiteouts"] = b""
            if self.version >= 1:
                xa["trusted.overlay.opaque"] = b"x"
                xa["user.overlay.opaque"] = b"x"
        return mode, xa

    def check_entry(self, rel):
        s, m = os.path.join(self.src, rel), os.path.join(self.mnt, rel)
        ss, ms = os.lstat(s), os.lstat(m)
        mode, xa = self.expected(s, ss)
        if ms.st_mode != mode:
            self.bad(rel, f"mode {ms.st_mode:o}, expected {mode:o}")
            return
        if (ms.st_uid, ms.st_gid) != (ss.st_uid, ss.st_gid):
            self.bad(rel, f"owner {ms.st_uid}:{ms.st_gid}, expected {ss.st_uid}:{ss.st_gid}")
        mtime = 0 if self.epoch else ss.st_mtime_ns
        if ms.st_mtime_ns != mtime:
            self.bad(rel, f"mtime {ms.st_mtime_ns}, expected {mtime}")
        got = xattrs(m)
        if got != xa:
            self.bad(rel, f"xattrs {sorted(got.items())}, expected {sorted(xa.items())}")
        if stat.S_ISREG(mode):
            if ms.st_size != (0 if is_whiteout(ss) else ss.st_size):
                self.bad(rel, f"size {ms.st_size}, expected {ss.st_size}")
            elif not is_whiteout(ss) and not same_content(s, m):
                self.bad(rel, "content differs")
            self.check_links(rel, ss, ms)
        elif stat.S_ISLNK(mode):
            if os.readlink(m) != os.readlink(s):
                self.bad(rel, f"target {os.readlink(m)!r}, expected {os.readlink(s)!r}")
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            if ms.st_rdev != ss.st_rdev:
                self.bad(rel, f"device {os.major(ms.st_rdev)}:{os.minor(ms.st_rdev)}, "
                              f"expected {os.major(ss.st_rdev)}:{os.minor(ss.st_rdev)}")

    def check_links(self, rel, ss, ms):
        """With --hardlinks the names of one source inode are one inode;
        without, every name is an inode of its own with one link."""
        if not self.hardlinks:
            if ms.st_nlink != 1:
                self.bad(rel, f"nlink {ms.st_nlink}, expected 1 without --hardlinks")
            return
        if ms.st_nlink != ss.st_nlink:
            self.bad(rel, f"nlink {ms.st_nlink}, expected {ss.st_nlink}")
        first = self.inodes.setdefault((ss.st_dev, ss.st_ino), ms.st_ino)
        if first != ms.st_ino:
            self.bad(rel, "is not the same inode as its other names")

    def run(self):
        for dirpath, dirnames, filenames in os.walk(self.src):
            rel_dir = os.path.relpath(dirpath, self.src)
            mdir = os.path.join(self.mnt, rel_dir)
            want = sorted(dirnames + filenames)
            got = sorted(os.listdir(mdir))
            if got != want:
                self.bad(rel_dir, f"entries differ: only in image {sorted(set(got) - set(want))}, "
                                  f"only in source {sorted(set(want) - set(got))}")
                continue
            self.check_entry(rel_dir)
            # os.walk lists symlinks to directories with the directories
            for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                self.check_entry(os.path.join(rel_dir, n))
        return self.errors


def main():
    args = sys.argv[1:]
    version = int(args[args.index("--version") + 1]) if "--version" in args else 1
    c = Comparer(args[0], args[1], "--epoch" in args, "--hardlinks" in args, version)
    errors = c.run()
    if errors:
        print(f"{errors} differences")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

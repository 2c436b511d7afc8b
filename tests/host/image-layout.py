#!/usr/bin/env python3
"""Names the rare layout cases a composefs image contains, read from the
image alone (EROFS structures, docs/image-format.md), so that a test can
tell that a byte comparison really covered them:

  dir-last-block-not-inlined  a directory whose last block holds more than
                              half a block of dirents, kept in a block of
                              its own instead of inline
  shared-over-128-inlined     an inode with 128 shared xattr ids that keeps
                              a further pair of the shared table inline
  symlink-out-of-line         a symlink whose target is in a data block
  symlink-pad-to-block        a symlink moved to the start of a block, so
                              that it and its target do not cross one
  tail-extra-pad              an inode moved forward so that its inline
                              tail starts at the top of the next block
  tail-no-fit                 an inode (not a symlink) moved to the start
                              of a block because its tail fit nowhere else

usage: image-layout.py IMAGE
Prints one line per case found: the case and the first inode (nid) that
shows it.  This is an independent reader; it trusts the image.
"""
import collections
import struct
import sys

BLK = 4096
SLOT = 32
FLAT_PLAIN, FLAT_INLINE, CHUNK_BASED = 0, 2, 4
S_IFMT, S_IFDIR, S_IFLNK = 0o170000, 0o040000, 0o120000

Inode = collections.namedtuple(
    "Inode", "nid start mode layout size isize xsize raw shared_count inline_entries")


def xattr_entries(area, count):
    """The inline entries after the header and COUNT shared ids, as raw bytes."""
    pos, out = 12 + 4 * count, []
    while pos < len(area):
        name_len, _, value_size = struct.unpack_from("<BBH", area, pos)
        n = 4 + name_len + value_size
        out.append(area[pos:pos + n])
        pos += (n + 3) & ~3
    return out


def read_inode(img, nid):
    start = nid * SLOT
    # Both inode formats: i_format, i_xattr_icount, i_mode first, i_size at
    # 8 (32 bits compact, 64 extended), i_u (block address, chunk format) at 16.
    fmt, icount, mode = struct.unpack_from("<HHH", img, start)
    isize = 64 if fmt & 1 else 32
    size = struct.unpack_from("<Q" if fmt & 1 else "<I", img, start + 8)[0]
    raw = struct.unpack_from("<I", img, start + 16)[0]
    xsize = 12 + 4 * (icount - 1) if icount else 0
    area = img[start + isize:start + isize + xsize]
    shared_count = area[4] if xsize else 0
    entries = xattr_entries(area, shared_count) if xsize else []
    return Inode(nid, start, mode, (fmt >> 1) & 7, size, isize, xsize, raw, shared_count, entries)


def inline_tail(ino):
    """Bytes stored right after the inode's xattrs."""
    if ino.layout == FLAT_INLINE:
        return ino.size % BLK
    if ino.layout == CHUNK_BASED:
        bits = 12 + (ino.raw & 0x1F)
        return 4 * -(-ino.size // (1 << bits))
    return 0


def dir_blocks(img, ino):
    """The directory's blocks: (bytes, offset in the image or None if inline)."""
    full = ino.size // BLK if ino.layout == FLAT_INLINE else -(-ino.size // BLK)
    blocks = [img[(ino.raw + i) * BLK:(ino.raw + i + 1) * BLK] for i in range(full)]
    if ino.layout == FLAT_INLINE and ino.size % BLK:
        t = ino.start + ino.isize + ino.xsize
        blocks.append(img[t:t + ino.size % BLK])
    return blocks


def dirents(block):
    """(nid, name) of each dirent in one directory block, and the bytes used."""
    first_nameoff = struct.unpack_from("<H", block, 8)[0]
    n = first_nameoff // 12
    out, used = [], 0
    for i in range(n):
        nid, off = struct.unpack_from("<QH", block, 12 * i)
        end = struct.unpack_from("<H", block, 12 * (i + 1) + 8)[0] if i + 1 < n else len(block)
        name = block[off:end].split(b"\0", 1)[0]
        out.append((nid, name))
        used = off + len(name)
    return out, used


def main(path):
    img = open(path, "rb").read()
    root = struct.unpack_from("<H", img, 1024 + 14)[0]
    inodes, last_used, queue = {}, {}, [root]
    while queue:
        nid = queue.pop(0)
        if nid in inodes:
            continue
        ino = inodes[nid] = read_inode(img, nid)
        if ino.mode & S_IFMT == S_IFDIR:
            for block in dir_blocks(img, ino):
                entries, last_used[nid] = dirents(block)
                queue += [c for c, name in entries if name not in (b".", b"..")]

    # The shared table: from the end of the inodes to the first data block,
    # entry after entry (then zero padding).
    last = inodes[max(inodes)]
    pos = last.start + last.isize + last.xsize + inline_tail(last)
    pos = (pos + SLOT - 1) // SLOT * SLOT
    data = [i.raw * BLK for i in inodes.values()
            if i.layout == FLAT_PLAIN and i.size or i.layout == FLAT_INLINE and i.size >= BLK]
    end = min(data, default=len(img))
    shared = set()
    while pos + 4 <= end and img[pos]:
        name_len, _, value_size = struct.unpack_from("<BBH", img, pos)
        shared.add(img[pos:pos + 4 + name_len + value_size])
        pos += (4 + name_len + value_size + 3) & ~3

    found = {}
    prev_end = None
    for nid in sorted(inodes):
        ino = inodes[nid]
        kind = ino.mode & S_IFMT
        tail = inline_tail(ino)
        gap = prev_end is not None and ino.start > prev_end
        block_start = ino.start % BLK == 0
        if kind == S_IFDIR and ino.layout == FLAT_PLAIN and last_used[nid] > BLK // 2:
            found.setdefault("dir-last-block-not-inlined", nid)
        if ino.shared_count == 128 and any(e in shared for e in ino.inline_entries):
            found.setdefault("shared-over-128-inlined", nid)
        if kind == S_IFLNK and ino.layout == FLAT_PLAIN:
            found.setdefault("symlink-out-of-line", nid)
        if kind == S_IFLNK and gap and block_start:
            found.setdefault("symlink-pad-to-block", nid)
        if (kind != S_IFLNK and gap and tail and
                (ino.start + ino.isize + ino.xsize) // BLK > ino.start // BLK):
            found.setdefault("tail-extra-pad", nid)
        if kind != S_IFLNK and gap and block_start:
            found.setdefault("tail-no-fit", nid)
        end = ino.start + ino.isize + ino.xsize + tail
        prev_end = (end + SLOT - 1) // SLOT * SLOT
    for case, nid in sorted(found.items()):
        print(case, nid)


if __name__ == "__main__":
    main(sys.argv[1])

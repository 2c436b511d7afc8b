#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential fuzzing of dump files: cfsboot mkimage --from-file against
upstream's mkcomposefs --from-file.

Generated dumps (tricky values in every field) and mutations of them go
into both writers; they must agree on accepting or refusing each dump, and
write the same bytes when they accept.  Each difference is a failure and is
kept in tests/fuzz/corpus/dump-diff/ (commit it with the fix); every file
there is replayed first on each run.  The corpus also holds a dump for each
rule of docs/mkimage.md ("Dump files"), rule-*.dump, so that each leniency
and refusal is checked against mkcomposefs on every run.

mkcomposefs 1.0.8 accepts two kinds of dump that cfsboot refuses on
purpose (docs/mkimage.md); such a refusal counts only when it is confirmed
on mkcomposefs's own run:
  - an external file's DIGEST with fewer than 64 hex digits: mkcomposefs
    writes bytes it never set, which valgrind memcheck must report;
  - a hardlink to a directory: mkcomposefs's image holds a directory with
    two names, which `cfsboot inspect` must refuse.

Prints one TAP line.  Usage: dump_diff.py [--seconds N] [--seed N]
[--tap-number N]; MKCOMPOSEFS and CFSBOOT name the programs.
"""
import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(REPO, "tests", "fuzz", "corpus", "dump-diff")
TIMEOUT = 20

# ---- generation -------------------------------------------------------------

NUMBERS = ["0", "1", "2", "-1", "+1", "-0", "\t7", "\v3", "18446744073709551615",
           "18446744073709551616", "99999999999999999999999", "4294967295",
           "4294967296", "4294967297", "65535", "65536", "x", "", "-", "0x10", "08",
           "1x", "+", "--1", "00017"]
MODES = ["100644", "100755", "40755", "120777", "20644", "60644", "10644", "140755",
         "170644", "0", "1000100644", "-37777677134", "\t100644", "+40755", "0100644",
         "100648", "4100644", "7777", "", "x", "@100644"]
MTIMES = ["0.0", "1.0", "-1.0", "1.999999999", "1.1000000000", "1.4294967296",
          "18446744073709551615.0", "1", ".1", "1.", "1.2.3", "+1.-1", "\t5.\t5",
          "99999999999999999999.0", "x.0", "0.x", "-", ""]
NAMES = ["a", "b", "c", "dir", "00", "ff", "7f", "-", ".", "..", "a\\x20b", "\\n",
         "\\x00z", "x\\x00", "\\x2f", "a\\x2fb", "\\t", "\\\\", "n" * 255, "n" * 256,
         "\\xff\\xfe", "=", "@", "\\r"]
XKEYS = ["user.a", "user.b", "user.overlay.whiteout", "user.overlay.whiteouts",
         "user.overlay.opaque", "trusted.overlay.whiteout", "trusted.overlay.whiteouts",
         "trusted.overlay.opaque", "trusted.overlay.metacopy", "trusted.overlay.redirect",
         "trusted.overlay.overlay.x", "trusted.x", "security.selinux", "security.capability",
         "system.posix_acl_access", "system.posix_acl_default", "k\\x00z", "a\\x3db", "",
         "\\x00", "user." + "k" * 250, "user." + "k" * 251, "x"]


def escape(data: bytes) -> str:
    out = []
    for b in data:
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif b < 0x21 or b > 0x7e or c == "=":
            out.append("\\x%02x" % b)
        else:
            out.append(c)
    return "".join(out)


class Gen:
    def __init__(self, rnd: random.Random):
        self.r = rnd
        self.dirs = ["/"]
        self.paths = []
        # How often a field takes an odd value: a clean dump now and then,
        # so that accepted dumps (and their bytes) are tested as much.
        self.scale = rnd.choice([0, 0, 0.1, 0.3, 1])

    def odd(self, p):
        return self.r.random() < p * self.scale

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def num(self, nice):
        return nice if not self.odd(0.06) else self.pick(NUMBERS)

    def name(self):
        if self.odd(0.2):
            return self.pick(NAMES)
        return "".join(self.r.choice("abcdefxyz019") for _ in range(self.r.randint(1, 6)))

    def path(self):
        parent = self.pick(self.dirs)
        p = (parent.rstrip("/") + "/" + self.name())
        if self.odd(0.05):
            p = self.pick(["", "/", "//"]) + p.lstrip("/")
        if self.odd(0.03):
            p = p.replace("/", "//", 1)
        if self.odd(0.02):
            p += "/"
        return p

    def value(self):
        k = self.r.random()
        if k < 0.5:
            return escape(bytes(self.r.randrange(256) for _ in range(self.r.randint(0, 8))))
        if k < 0.8:
            return self.pick(["", "y", "x", "\\x00", "a=b", "-"])
        return "v" * self.pick([100, 1000, 4000] +
                               ([16000, 32700, 32740] if self.odd(1) else []))

    def xattrs(self):
        out = []
        for _ in range(self.r.choice([0, 0, 0, 1, 1, 2, 3, 6])):
            key = self.pick(XKEYS) if self.odd(0.7) else self.pick(
                ["user.", "trusted.", "security."]) + self.name()
            out.append(key + "=" + self.value())
        if self.odd(0.02):
            out.append("novalue")
        return out

    def digest(self):
        k = self.r.random()
        hexd = "".join(self.r.choice("0123456789abcdef") for _ in range(64))
        if k < 0.6 or not self.odd(1):
            return hexd
        if k < 0.8:
            return "-"
        return self.pick([hexd.upper(), hexd[:63], hexd + "0", hexd + "zz", hexd[:10], "",
                          "g" * 64, hexd[:62] + "\\x00" + "00"])

    def content(self, size):
        data = bytes(self.r.randrange(256) for _ in range(size))
        text = escape(data)
        if self.odd(0.03):
            text += "z"
        return text

    def entry(self):
        kind = self.pick(["reg", "reg", "ext", "ext", "dir", "dir", "lnk", "chr", "wh",
                          "blk", "fifo", "sock", "hl", "hl"])
        path = self.path()
        mode = {"reg": "100644", "ext": "100755", "dir": "40755", "lnk": "120777",
                "chr": "20644", "wh": "20000", "blk": "60644", "fifo": "10644",
                "sock": "140755", "hl": "@100644"}[kind]
        if self.odd(0.04):
            mode = self.pick(MODES)
        size, payload, content, digest, rdev = "0", "-", "-", "-", "0"
        if kind == "reg":
            n = self.pick([0, 1, 5, 100, 2047, 2048, 2049, 4096, 4097, 5000] +
                          ([5001] if self.odd(1) else []))
            size, content = str(n), (self.content(n) if n or self.chance(0.5) else "-")
            if self.chance(0.2):
                digest = self.digest()
        elif kind == "ext":
            size = self.pick(["1", "100", "4096", "4097", "1048576", "1099511627776",
                              "70368744177664"] + (["9007199254740993"] if self.odd(1) else []))
            payload = self.pick(["ab/cdef", "-", "", "/abs", "x\\x00y", "p" * 4095,
                                 "p" * 4096] if self.odd(1) else ["ab/cdef", "-", "cd/ef01"])
            digest = self.digest()
        elif kind == "lnk":
            payload = self.pick(["t", "../x", "/abs/target", "", "-", "a\\x00b", "\\x00",
                                 "l" * 1000, "l" * 4095, "l" * 4096] if self.odd(1) else
                                ["t", "../x", "/abs/target", "l" * 1000, "l" * 4095])
            size = self.pick([str(len(payload)), "0", "3", "x"])
            if self.chance(0.1):
                content = self.content(int(size) if size.isdigit() else 0)
        elif kind in ("chr", "blk"):
            rdev = self.pick(["0", "1", "2049", "4294967296", "4294967297", "x", "-1"]
                             if self.odd(1) else ["0", "1", "2049", "65536"])
        elif kind == "dir" and self.odd(0.1):
            payload = self.pick(["x", "-", "d" * 4096])
        if kind == "hl":
            files = [q for q in self.paths if q not in self.dirs]
            if files and not self.odd(1):
                payload = self.pick(files)
            else:
                payload = self.pick(self.paths + self.dirs + ["/nowhere", "", "-"])
        if self.odd(0.05):
            size = self.num(size)
        fields = [path, size, mode, self.num("1"), self.num(self.pick(["0", "0", "1000"])),
                  self.num("0"), self.num(rdev),
                  self.pick(MTIMES) if self.odd(0.06) else
                  "%d.%d" % (self.r.choice([0, 1, 1700000000]), self.r.choice([0, 0, 5])),
                  payload, content, digest]
        fields += self.xattrs()
        if self.odd(0.04):
            fields = fields[:self.r.randint(1, 10)]
        if kind == "dir":
            self.dirs.append(path)
        self.paths.append(path)
        line = " ".join(fields)
        if self.odd(0.02):
            line += " "
        return line

    def dump(self):
        root = "/ %s 40755 %s %s 0 0 %s - - -" % (
            self.pick(["0", "4096"]), self.num("2"), self.num("0"),
            self.pick(["0.0", "5.5", "1700000000.0"]))
        root = " ".join([root] + self.xattrs())
        lines = [root] if not self.odd(0.01) else []
        for _ in range(self.r.choice([0, 1, 3, 8, 20, 60])):
            lines.append(self.entry())
        if self.odd(0.05):
            self.r.shuffle(lines)
        text = "\n".join(lines)
        if not self.odd(0.05):
            text += "\n"
        return text.encode("latin-1")


def mutate(rnd: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.random()
        pos = rnd.randrange(len(b) + 1)
        if op < 0.3 and b:
            b[min(pos, len(b) - 1)] = rnd.choice(b" \n\\-@/=x.0\t\x00+")
        elif op < 0.55:
            b[pos:pos] = rnd.choice([b" ", b"\n", b"\\", b"\\x", b"-", b"@", b"/", b"=",
                                     b"\\x00", b"0", b".", b"9"])
        elif op < 0.75 and b:
            del b[pos:pos + rnd.randint(1, 4)]
        else:
            lines = bytes(b).split(b"\n")
            i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            if rnd.random() < 0.5:
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            b = bytearray(b"\n".join(lines))
    return bytes(b)

# ---- running both writers ---------------------------------------------------


class Runner:
    def __init__(self, mk, cfs, work):
        self.mk, self.cfs, self.work = mk, cfs, work
        self.valgrind = shutil.which("valgrind")
        # mkcomposefs's default parser is the one matched; CFS_PARSE_STRICT
        # would select its strict one.
        self.env = {k: v for k, v in os.environ.items() if k != "CFS_PARSE_STRICT"}

    def run(self, data: bytes, opts):
        src = os.path.join(self.work, "in.dump")
        with open(src, "wb") as f:
            f.write(data)
        out = {}
        for name, cmd in (("mkcomposefs", [self.mk, "--from-file"]),
                          ("cfsboot", [self.cfs, "mkimage", "--from-file"])):
            img = os.path.join(self.work, name + ".img")
            if os.path.exists(img):
                os.unlink(img)
            try:
                p = subprocess.run(cmd + opts + [src, img], capture_output=True,
                                   timeout=TIMEOUT, env=self.env)
                rc, err = p.returncode, p.stderr.decode("utf-8", "replace").strip()
            except subprocess.TimeoutExpired:
                rc, err = "timeout", "no exit within %d s" % TIMEOUT
            image = None
            if rc == 0:
                with open(img, "rb") as f:
                    image = f.read()
            out[name] = (rc, err, image)
        return src, out

    def confirm_divergence(self, src, opts, cfs_err):
        """Whether cfsboot's refusal is a documented one, shown on
        mkcomposefs's own run.  Returns a reason, or None."""
        if "would write undefined bytes" in cfs_err:
            if not self.valgrind:
                return None
            p = subprocess.run([self.valgrind, "-q", "--error-exitcode=99", self.mk,
                                "--from-file"] + opts + [src, os.path.join(self.work, "vg.img")],
                               capture_output=True, timeout=TIMEOUT * 6, env=self.env)
            return "undefined digest (valgrind)" if p.returncode == 99 else None
        if "a directory cannot have two names" in cfs_err:
            img = os.path.join(self.work, "linked.img")
            if subprocess.run([self.mk, "--from-file"] + opts + [src, img],
                              capture_output=True, timeout=TIMEOUT, env=self.env).returncode != 0:
                return None
            p = subprocess.run([self.cfs, "inspect", img], capture_output=True, timeout=TIMEOUT)
            if p.returncode != 0 and b"directory hard link" in p.stderr:
                return "directory hardlink (inspect)"
        return None

    def judge(self, data, opts):
        """Returns (verdict, detail): verdict is 'same', 'refused',
        'divergence' or 'diff'."""
        src, out = self.run(data, opts)
        (mrc, merr, mimg), (crc, cerr, cimg) = out["mkcomposefs"], out["cfsboot"]
        if crc == "timeout" or (isinstance(crc, int) and crc < 0) or \
                "Sanitizer" in cerr or "runtime error:" in cerr:
            return "diff", "cfsboot did not exit normally (%s): %s" % (crc, cerr[-300:])
        if mrc == "timeout":
            return "diff", "mkcomposefs did not exit within %d s" % TIMEOUT
        if mrc == 0 and crc == 0:
            if mimg == cimg:
                return "same", ""
            at = next((i for i, (x, y) in enumerate(zip(mimg, cimg)) if x != y),
                      min(len(mimg), len(cimg)))
            return "diff", "both wrote an image; they differ from byte %d (sizes %d, %d)" % (
                at, len(mimg), len(cimg))
        if mrc != 0 and crc != 0:
            return "refused", ""
        if crc == 0:
            return "diff", "cfsboot accepted what mkcomposefs refused: %s" % merr[-200:]
        why = self.confirm_divergence(src, opts, cerr)
        if why:
            return "divergence", why
        return "diff", "cfsboot refused what mkcomposefs accepted: %s" % cerr[-200:]

# ---- the run -----------------------------------------------------------------

OPTION_SETS = [[], [], [], ["--min-version=1"], ["--max-version=0"]]


def classify_key(verdict, detail):
    return detail.split(":")[0].split(" from byte")[0]


def reduce(runner, data, opts, detail):
    """Drops lines, then xattrs, while the same kind of difference remains
    (for at most 20 s)."""
    key = classify_key("diff", detail)
    end = time.monotonic() + 20

    def still(lines):
        v, d = runner.judge(b"\n".join(lines), opts)
        return v == "diff" and classify_key(v, d) == key

    lines = data.split(b"\n")
    for i in reversed(range(len(lines))):
        if time.monotonic() > end:
            break
        if still(lines[:i] + lines[i + 1:]):
            del lines[i]
    for i in range(len(lines)):
        fields = lines[i].split(b" ")
        for j in reversed(range(11, len(fields))):
            if time.monotonic() > end:
                break
            cand = fields[:j] + fields[j + 1:]
            if still(lines[:i] + [b" ".join(cand)] + lines[i + 1:]):
                fields = cand
        lines[i] = b" ".join(fields)
    return b"\n".join(lines)


def keep(data, opts):
    os.makedirs(CORPUS, exist_ok=True)
    body = data if not opts else ("#opts " + " ".join(opts) + "\n").encode() + data
    name = "diff-" + hashlib.sha1(body).hexdigest()[:16] + ".dump"
    path = os.path.join(CORPUS, name)
    with open(path, "wb") as f:
        f.write(body)
    return os.path.relpath(path, REPO)


def load_corpus():
    """Corpus files; a first line "#opts ..." gives the options (such a
    line is not a dump line: mkcomposefs would refuse it)."""
    out = []
    if os.path.isdir(CORPUS):
        for name in sorted(os.listdir(CORPUS)):
            with open(os.path.join(CORPUS, name), "rb") as f:
                data = f.read()
            opts = []
            if data.startswith(b"#opts "):
                first, _, data = data.partition(b"\n")
                opts = first.decode()[6:].split()
            out.append((name, data, opts))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("CFS_FUZZ_SECONDS", "60")))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--tap-number", type=int, default=1)
    a = ap.parse_args()
    tap = "%d - dump-diff" % a.tap_number

    mk = os.environ.get("MKCOMPOSEFS", os.path.join(REPO, "build", "deps", "bin", "mkcomposefs"))
    cfs = os.environ.get("CFSBOOT", os.path.join(REPO, "build", "cfsboot"))
    for what, prog, how in (("MKCOMPOSEFS", mk, "scripts/build-deps.sh builds it, or set MKCOMPOSEFS"),
                            ("CFSBOOT", cfs, "run make, or set CFSBOOT")):
        if not (os.path.isfile(prog) and os.access(prog, os.X_OK)):
            print("not ok %s: %s=%s is not an executable; the differential run needs it "
                  "(%s)" % (tap, what, prog, how))
            return 1

    seed = a.seed if a.seed is not None else random.randrange(1 << 32)
    rnd = random.Random(seed)
    counts = {"same": 0, "refused": 0, "divergence": 0, "diff": 0}
    findings = []
    with tempfile.TemporaryDirectory(prefix="cfsboot-dumpdiff.") as work:
        runner = Runner(mk, cfs, work)

        def one(data, opts, label):
            v, d = runner.judge(data, opts)
            counts[v] += 1
            if v == "diff":
                small = reduce(runner, data, opts, d) if label is None else data
                where = keep(small, opts) if label is None else label
                findings.append("%s: %s" % (where, d))

        for name, data, opts in load_corpus():
            one(data, opts, os.path.join("tests/fuzz/corpus/dump-diff", name))
        replayed = sum(counts.values())
        pool = []
        end = time.monotonic() + a.seconds
        while time.monotonic() < end and len(findings) < 20:
            if pool and rnd.random() < 0.5:
                data = mutate(rnd, rnd.choice(pool))
            else:
                data = Gen(rnd).dump()
                pool = (pool + [data])[-200:]
            one(data, rnd.choice(OPTION_SETS), None)

    total = sum(counts.values())
    summary = ("%d dumps (%d replayed from the corpus, seed %d): %d same image, %d both "
               "refused, %d documented divergences confirmed" % (
                   total, replayed, seed, counts["same"], counts["refused"],
                   counts["divergence"]))
    if findings:
        print("not ok %s: %d differences; %s" % (tap, len(findings), summary))
        for f in findings[:10]:
            print("#   " + f)
        return 1
    print("ok %s: %s" % (tap, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ecdsa-malleate.py IN.der OUT.der [p256|p384]: the same certificate with
its ECDSA signature (r, s) replaced by (r, n - s), n the order of the
issuer's curve.  Both verify; the certificate's bytes, and so its SHA-256,
differ.  The tbsCertificate and with it the SubjectPublicKeyInfo are kept
byte for byte.  Plain DER, standard library only, independent of cfsboot."""
import sys

ORDER = {
    "p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "p384": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                "581A0DB248B0A77AECEC196ACCC52973", 16),
}


def header(buf, pos):
    """(tag, start of contents, end of contents) of the element at pos."""
    tag, first = buf[pos], buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + length


def encode(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def der_int(v):
    body = v.to_bytes(v.bit_length() // 8 + 1, "big")   # a leading 0 keeps it positive
    while len(body) > 1 and body[0] == 0 and body[1] < 0x80:
        body = body[1:]
    return encode(0x02, body)


def main():
    cert = open(sys.argv[1], "rb").read()
    n = ORDER[sys.argv[3] if len(sys.argv) > 3 else "p256"]
    tag, pos, end = header(cert, 0)
    assert tag == 0x30 and end == len(cert), "not one DER certificate"
    _, tbs_start, tbs_end = header(cert, pos)
    tbs = cert[pos:tbs_end]
    _, alg_start, alg_end = header(cert, tbs_end)
    alg = cert[tbs_end:alg_end]
    tag, bits, bits_end = header(cert, alg_end)
    assert tag == 0x03 and cert[bits] == 0, "no signature BIT STRING"
    sig = cert[bits + 1:bits_end]
    tag, p, sig_end = header(sig, 0)
    assert tag == 0x30 and sig_end == len(sig), "not an ECDSA-Sig-Value"
    _, rs, re_ = header(sig, p)
    r = int.from_bytes(sig[rs:re_], "big")
    _, ss, se = header(sig, re_)
    s = int.from_bytes(sig[ss:se], "big")
    assert 0 < s < n, "s is not below the curve's order: wrong curve?"
    new_sig = encode(0x30, der_int(r) + der_int(n - s))
    out = encode(0x30, tbs + alg + encode(0x03, b"\x00" + new_sig))
    assert out != cert
    open(sys.argv[2], "wb").write(out)


main()

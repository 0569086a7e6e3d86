#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Send one famfs RPC with hand-made protobuf fields (stdlib only).

For tests that need what famsctl never sends: the same request twice with
one request id (a client retry), or a peer message a deposed master could
still deliver late (famfs.peer.Grant over mutual TLS with a host's cert).

usage:
  famfs_raw.py [--after FIFO] unix SOCKET METHOD FIELD...
  famfs_raw.py [--after FIFO] tls HOST:PORT CERT KEY CA METHOD FIELD...
--after: connect first, then send once a line can be read from FIFO (a
message delivered at a chosen moment, without start-up and handshake time).
FIELD: NUM:s:TEXT (string), NUM:u:INT (varint), NUM:b:HEX (bytes), or
raw:HEX (bytes appended as they are: malformed payloads).
Prints "STATUS_NAME message" (the reply's status) and exits 0 on OK, 1 on any
other status, 2 on a usage or connection error.
"""
import socket
import ssl
import struct
import sys

STATUS = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
          "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
          "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
          "UNAUTHENTICATED"]


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, data):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(data)
    return key + varint(len(data)) + data


def parse_fields(specs):
    out = b""
    for spec in specs:
        if spec.startswith("raw:"):
            out += bytes.fromhex(spec[4:])
            continue
        num, kind, val = spec.split(":", 2)
        num = int(num)
        if kind == "s":
            out += field(num, 2, val.encode())
        elif kind == "u":
            out += field(num, 0, int(val))
        elif kind == "b":
            out += field(num, 2, bytes.fromhex(val))
        else:
            raise ValueError("field kind %r: s, u or b" % kind)
    return out


def decode(buf):
    """{field number: value} of a flat message (varints and length-delimited)."""
    i, out = 0, {}
    while i < len(buf):
        key, shift = 0, 0
        while True:
            b = buf[i]
            i += 1
            key |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, shift = 0, 0
            while True:
                b = buf[i]
                i += 1
                v |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            out[num] = v
        elif wire == 2:
            n, shift = 0, 0
            while True:
                b = buf[i]
                i += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            out[num] = buf[i:i + n]
            i += n
        else:
            raise ValueError("wire type %d" % wire)
    return out


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def call(s, method, payload):
    env = field(1, 0, 1) + field(2, 2, method.encode()) + field(3, 0, 10000) + field(6, 2, payload)
    s.sendall(struct.pack(">I", len(env)) + env)
    n = struct.unpack(">I", recv_exact(s, 4))[0]
    r = decode(recv_exact(s, n))
    status = r.get(4, 0)
    if status >= 1 << 63:
        status -= 1 << 64
    msg = r.get(5, b"").decode(errors="replace")
    return status, msg


def main(argv):
    after = None
    if len(argv) >= 2 and argv[0] == "--after":
        after, argv = argv[1], argv[2:]
    try:
        if len(argv) >= 3 and argv[0] == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(15)
            s.connect(argv[1])
            method, fields = argv[2], argv[3:]
        elif len(argv) >= 6 and argv[0] == "tls":
            host, port = argv[1].rsplit(":", 1)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            ctx.load_cert_chain(argv[2], argv[3])
            ctx.load_verify_locations(argv[4])
            ctx.check_hostname = False
            raw = socket.create_connection((host, int(port)), timeout=15)
            s = ctx.wrap_socket(raw)
            method, fields = argv[5], argv[6:]
        else:
            print(__doc__, file=sys.stderr)
            return 2
        payload = parse_fields(fields)
        if after:
            with open(after) as f:
                f.readline()
        status, msg = call(s, method, payload)
    except (OSError, ValueError, ConnectionError, ssl.SSLError) as e:
        print("famfs_raw: %s" % e, file=sys.stderr)
        return 2
    name = STATUS[status] if 0 <= status < len(STATUS) else str(status)
    print("%s %s" % (name, msg))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

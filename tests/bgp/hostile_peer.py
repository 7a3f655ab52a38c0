#!/usr/bin/python3
"""hostile_peer.py - a misbehaving BGP peer for the speaker's integration test.

Listens on ADDR PORT (inside the test's namespace), accepts the speaker's connection once per
case, sends something broken, and checks that the speaker answers with exactly the NOTIFICATION
(code, subcode) RFC 4271 / RFC 7606 ask for, or - for input that is legal or only
"treat-as-withdraw" - that the session stays up. Python 3 standard library only.

    hostile_peer.py ADDR PORT [CASE...]      exit 0 when every case passed
"""
import select
import socket
import struct
import sys
import time

LOCAL_AS = 65002  # what the driver is configured to expect from us
DRIVER_AS = 4200000001
MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4


def message(mtype, body=b"", marker=MARKER, length=None):
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, mtype) + body


def capability(code, value):
    return struct.pack("!BB", code, len(value)) + value


def open_body(version=4, my_as=LOCAL_AS, hold=3, bgp_id="10.0.0.3", caps=None, params=None):
    if caps is None:
        caps = [capability(1, struct.pack("!HBB", 1, 0, 1)),
                capability(65, struct.pack("!I", my_as))]
    if params is None:
        capbytes = b"".join(caps)
        params = struct.pack("!BB", 2, len(capbytes)) + capbytes
    return (struct.pack("!BHH", version, my_as if my_as < 65536 else 23456, hold)
            + socket.inet_aton(bgp_id) + struct.pack("!B", len(params)) + params)


def attr(flags, code, value):
    if flags & 0x10:
        return struct.pack("!BBH", flags, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def update_body(withdrawn=b"", attrs=b"", nlri=b""):
    return struct.pack("!H", len(withdrawn)) + withdrawn + struct.pack("!H", len(attrs)) + attrs + nlri


GOOD_ATTRS = (attr(0x40, 1, b"\x00")
              + attr(0x40, 2, struct.pack("!BBI", 2, 1, LOCAL_AS))
              + attr(0x40, 3, socket.inet_aton("10.0.0.3")))
NLRI = b"\x18\xc6\x33\x64"  # 198.51.100.0/24


class Closed(Exception):
    pass


class Session:
    def __init__(self, conn):
        self.conn = conn
        self.buf = b""

    def send(self, data):
        self.conn.sendall(data)

    def recv(self, timeout):
        """Next message as (type, body); None on timeout; Closed on EOF or reset."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 19:
                length = struct.unpack("!H", self.buf[16:18])[0]
                if length < 19:
                    raise Closed("speaker sent a bad length")
                if len(self.buf) >= length:
                    msg, self.buf = self.buf[:length], self.buf[length:]
                    return msg[18], msg[19:]
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.conn], [], [], left)
            if not ready:
                continue
            try:
                data = self.conn.recv(65536)
            except ConnectionResetError:
                raise Closed("reset")
            if not data:
                raise Closed("EOF")
            self.buf += data

    def expect_type(self, mtype, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.recv(deadline - time.monotonic())
            if m is None:
                break
            if m[0] == mtype:
                return m[1]
            if m[0] == NOTIFICATION:
                raise Closed("unexpected NOTIFICATION %d/%d" % (m[1][0], m[1][1]))
        raise Closed("no message of type %d within %ss" % (mtype, timeout))

    def expect_notification(self, timeout=5):
        """(code, subcode, data) of the speaker's NOTIFICATION, skipping other messages."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                m = self.recv(deadline - time.monotonic())
            except Closed as e:
                return None, "closed without NOTIFICATION (%s)" % e
            if m is None:
                break
            if m[0] == NOTIFICATION:
                return (m[1][0], m[1][1], m[1][2:]), None
        return None, "no NOTIFICATION within %ss" % timeout

    def establish(self):
        """Speaker's OPEN was consumed by accept_session; answer it and reach Established."""
        self.send(message(OPEN, open_body()))
        self.send(message(KEEPALIVE))
        self.expect_type(KEEPALIVE)
        body = self.expect_type(UPDATE)  # End-of-RIB follows Established
        return body

    def quiet_for(self, seconds):
        """True if the session stays up without a NOTIFICATION, us sending keepalives."""
        deadline = time.monotonic() + seconds
        got_keepalive = False
        while time.monotonic() < deadline:
            self.send(message(KEEPALIVE))
            m = self.recv(min(0.5, max(0.01, deadline - time.monotonic())))
            if m is None:
                continue
            if m[0] == NOTIFICATION:
                return False, "NOTIFICATION %d/%d" % (m[1][0], m[1][1])
            if m[0] == KEEPALIVE:
                got_keepalive = True
        # drain what the flood made the speaker send
        return got_keepalive, None if got_keepalive else "no KEEPALIVE from the speaker"

    def close(self, cease=True):
        try:
            if cease:
                self.send(message(NOTIFICATION, b"\x06\x02"))
            self.conn.close()
        except OSError:
            pass


def expect_open_error(s, body, subcode):
    s.send(message(OPEN, body))
    return ("notification", 2, subcode)


# Sessions use hold time 3 so that the speaker keepalives every second.
# Each case gets a fresh session (speaker's OPEN already read) and returns what must happen:
# ("notification", code, subcode[, data]) or ("stays_up", seconds).
def case_bad_marker(s):
    s.send(message(KEEPALIVE, marker=b"\xff" * 15 + b"\x00"))
    return ("notification", 1, 1)


def case_bad_length_short(s):
    s.send(message(KEEPALIVE, length=18))
    return ("notification", 1, 2, b"\x00\x12")


def case_bad_length_long(s):
    s.send(message(UPDATE, length=4097))
    return ("notification", 1, 2, b"\x10\x01")


def case_bad_type(s):
    s.send(message(7))
    return ("notification", 1, 3, b"\x07")


def case_open_version_3(s):
    s.send(message(OPEN, open_body(version=3)))
    return ("notification", 2, 1, b"\x00\x04")


def case_open_hold_time_1(s):
    return expect_open_error(s, open_body(hold=1), 6)


def case_open_bad_peer_as(s):
    return expect_open_error(s, open_body(my_as=65099), 2)


def case_open_bad_bgp_id(s):
    return expect_open_error(s, open_body(bgp_id="0.0.0.0"), 3)


def case_open_unsupported_opt_param(s):
    return expect_open_error(s, open_body(params=b"\x01\x02\x00\x00"), 4)


def case_open_without_as4(s):
    caps = [capability(1, struct.pack("!HBB", 1, 0, 1))]
    return expect_open_error(s, open_body(caps=caps), 7)


def case_keepalive_before_open(s):
    s.send(message(KEEPALIVE))
    return ("notification", 5, 1)


def case_truncated_update(s):
    s.establish()
    # withdrawn routes length says 10, the message ends after 2 bytes of them
    s.send(message(UPDATE, struct.pack("!H", 10) + b"\x18\xc6"))
    return ("notification", 3, 1)


def case_update_bad_attr_flags(s):
    s.establish()
    mp = attr(0xc0, 14, struct.pack("!HBB", 2, 1, 16) + b"\x20\x01\x0d\xb8" + b"\x00" * 11
              + b"\x03" + b"\x00" + b"\x30\x20\x01\x0d\xb8\x00\x01")
    s.send(message(UPDATE, update_body(attrs=GOOD_ATTRS[:4 + 9] + mp)))
    return ("notification", 3, 4)


def case_update_attr_length_overrun(s):
    s.establish()
    # NEXT_HOP claims 200 bytes; the path attribute length (and the message) end long before
    attrs = GOOD_ATTRS[:13] + b"\x40\x03\xc8\x0a\x00\x00\x03"
    body = struct.pack("!H", 0) + struct.pack("!H", len(attrs) + 193) + attrs
    s.send(message(UPDATE, body))
    return ("notification", 3, 1)


def case_update_unrecognized_well_known(s):
    s.establish()
    s.send(message(UPDATE, update_body(attrs=GOOD_ATTRS + attr(0x40, 99, b"x"), nlri=NLRI)))
    return ("notification", 3, 2)


def case_update_origin_flags_treat_as_withdraw(s):
    s.establish()
    bad = attr(0xc0, 1, b"\x00") + GOOD_ATTRS[4:]
    s.send(message(UPDATE, update_body(attrs=bad, nlri=NLRI)))
    return ("stays_up", 2.5)


def case_split_across_segments(s):
    s.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = message(OPEN, open_body()) + message(KEEPALIVE)
    for i in range(0, len(data), 7):
        s.send(data[i:i + 7])
        time.sleep(0.02)
    s.expect_type(KEEPALIVE)
    s.expect_type(UPDATE)  # End-of-RIB: Established
    upd = message(UPDATE, update_body(attrs=GOOD_ATTRS, nlri=NLRI))
    for b in range(len(upd)):
        s.send(upd[b:b + 1])
        time.sleep(0.005)
    return ("stays_up", 2.5)


def case_keepalive_flood(s):
    s.establish()
    s.send(message(KEEPALIVE) * 50000)
    return ("stays_up", 2.5)


CASES = [
    ("bad marker", case_bad_marker),
    ("length below 19", case_bad_length_short),
    ("length above 4096", case_bad_length_long),
    ("unknown message type", case_bad_type),
    ("OPEN version 3", case_open_version_3),
    ("OPEN hold time 1", case_open_hold_time_1),
    ("OPEN bad peer AS", case_open_bad_peer_as),
    ("OPEN bad BGP identifier", case_open_bad_bgp_id),
    ("OPEN unsupported optional parameter", case_open_unsupported_opt_param),
    ("OPEN without 4-octet AS capability", case_open_without_as4),
    ("KEEPALIVE in OpenSent", case_keepalive_before_open),
    ("truncated UPDATE", case_truncated_update),
    ("UPDATE bad attribute flags (MP_REACH_NLRI)", case_update_bad_attr_flags),
    ("UPDATE attribute length overrun", case_update_attr_length_overrun),
    ("UPDATE unrecognized well-known attribute", case_update_unrecognized_well_known),
    ("UPDATE ORIGIN flags error: treat-as-withdraw", case_update_origin_flags_treat_as_withdraw),
    ("message split across TCP segments", case_split_across_segments),
    ("keepalive flood", case_keepalive_flood),
]


def accept_session(listener):
    listener.settimeout(20)
    conn, _ = listener.accept()
    conn.settimeout(None)
    s = Session(conn)
    s.expect_type(OPEN)
    return s


def run_case(listener, name, fn):
    s = accept_session(listener)
    try:
        want = fn(s)
        if want[0] == "notification":
            got, err = s.expect_notification()
            if err:
                return False, err
            ok = got[:2] == want[1:3] and (len(want) < 4 or got[2] == want[3])
            detail = "NOTIFICATION %d/%d data=%s" % (got[0], got[1], got[2].hex())
            return ok, detail + ("" if ok else " (expected %d/%d)" % want[1:3])
        ok, err = s.quiet_for(want[1])
        return ok, "session stayed up" if ok else err
    except Closed as e:
        return False, "session ended: %s" % e
    finally:
        s.close(cease=True)


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    wanted = set(sys.argv[3:])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, port))
    listener.listen(4)
    failures = 0
    for name, fn in CASES:
        if wanted and fn.__name__[5:] not in wanted:
            continue
        try:
            ok, detail = run_case(listener, name, fn)
        except socket.timeout:
            ok, detail = False, "the speaker did not connect"
        print("%s: hostile %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)
        failures += 0 if ok else 1
    print("hostile_peer: %d failure(s)" % failures, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

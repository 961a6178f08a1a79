"""The C++ glue against libcapnp's own encoder, byte for byte.

For each vector (a capnp text value, encoded by the system `capnp encode`;
plus every vector of codegen/actorc/backends/testdata/bank_vectors.json
when that file exists), wire_reencode decodes the bytes with the generated
FromWire and encodes the C++ value again with ToWire: the output must be
the same bytes.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def runfile(*candidates):
    srcdir = os.environ.get("TEST_SRCDIR", "")
    for c in candidates:
        for p in (os.path.join(srcdir, "myrmidon", c), os.path.join(srcdir, c)):
            if os.path.exists(p):
                return p
    raise AssertionError("runfile not found: %s" % (candidates,))


REENCODE = runfile("tests/codegen/wire_reencode")
CAPNP = runfile("external/tool_capnp/bin/capnp", "tool_capnp/bin/capnp")
SCHEMAS = {n: runfile("schemas/examples/" + n) for n in ("bank.capnp", "common.capnp")}
VECTORS_JSON = os.path.join(os.environ.get("TEST_SRCDIR", ""), "myrmidon",
                            "codegen/actorc/backends/testdata/bank_vectors.json")

TX = ('(id = 18446744073709551615, kind = transfer, amount = (currency = usd, minorUnits = -5), '
      'at = 1700000000123456789, memo = "m\u00e9mo", tags = ["a", "", "b"], '
      'attributes = [(key = "alpha", value = ""), (key = "zeta", value = 0x"00ff")], '
      'settlementDelay = -1500000000, ratio = -0.1, flagged = true, legacyCode = -2147483648)')

TX_MIN = ('(id = 1, kind = deposit, amount = (currency = eur, minorUnits = 0), at = 0, memo = "", tags = [], '
          'attributes = [], settlementDelay = 0, ratio = 0, flagged = false, legacyCode = 0)')

# (schema, struct path, capnp text value): every field written in ordinal
# order (the C++ encoder writes every non-optional field, so an empty string
# or list is a non-null pointer), map entries sorted by key.
OWN = [
    ("common.capnp", "Money", "(currency = dem, minorUnits = -9223372036854775808)"),
    ("bank.capnp", "Transaction", TX),
    ("bank.capnp", "Transaction", TX_MIN),
    ("bank.capnp", "Scalars", '(b = true, i8 = -128, i16 = 32767, i32 = -1, i64 = 1, u8 = 255, u16 = 1, '
                              'u32 = 4294967295, u64 = 18446744073709551615, f32 = 1.5, f64 = -2.25, '
                              's = "x", data = 0x"0001", t = -1, d = 9223372036854775807, '
                              'nested = [[1, 2], [], [3]], byKey = [(key = -5, value = %s), '
                              '(key = 7, value = %s)])' % (TX, TX_MIN)),
    ("bank.capnp", "Account.DepositParams", '(amount = (currency = eur, minorUnits = 1999), memo = "rent")'),
    ("bank.capnp", "Account.DepositParams", "(amount = (currency = eur, minorUnits = 1))"),
    ("bank.capnp", "Account.DepositResults", "(balance = (currency = usd, minorUnits = -1), id = 9)"),
    ("bank.capnp", "Account.BalanceResults", "(amount = (currency = dem, minorUnits = 42))"),
    ("bank.capnp", "Account.BalanceParams", "()"),
    ("bank.capnp", "Account.AnnotateParams", '(text = "note")'),
    ("bank.capnp", "Account.HistoryParams", "(since = -1, limit = 4294967295)"),
    ("bank.capnp", "Account.HistoryItem", "(value = %s)" % TX),
    ("bank.capnp", "Bank.OpenParams", '(owner = "Ada", currency = dem)'),
    ("bank.capnp", "Bank.OpenResults", "(accountId = 18446744073709551615)"),
    # pids are their 64 bits: <1.42.7> = 1 << 48 | 7 << 27 | 42.
    ("bank.capnp", "Pids", '(owner = 281475916234794, standby = (value = 0), watchers = [1, 18446744073709551615], '
                           'byRole = [(key = "a", value = 281475916234794), (key = "b", value = 0)])'),
    ("bank.capnp", "Pids", "(owner = 0, watchers = [], byRole = [])"),
    ("bank.capnp", "Bank.LocateResults", "(account = 281475916234794)"),
    # A stream's request and events as they cross a process boundary: an
    # item (status OK: code 0, an empty message), an error end, an OK end.
    ("bank.capnp", "Account.HistoryOpen", "(subscriber = 281475916234794, stream = 7, "
                                          "params = (since = -1, limit = 3))"),
    ("bank.capnp", "Account.HistoryEvent", '(stream = 7, item = (value = %s), code = 0, message = "")' % TX),
    ("bank.capnp", "Account.HistoryEvent", '(stream = 18446744073709551615, code = 3, message = "limit m\u00e9")'),
    ("bank.capnp", "Account.HistoryEvent", '(stream = 0, code = 0, message = "")'),
]


def capnp_encode(schema, path, text):
    with tempfile.TemporaryDirectory() as d:
        for name, src in SCHEMAS.items():
            with open(src, "rb") as f, open(os.path.join(d, name), "wb") as g:
                g.write(f.read())
        r = subprocess.run([CAPNP, "encode", schema, path], cwd=d, input=text.encode("utf-8"),
                           capture_output=True, env=dict(os.environ, PATH="/usr/bin:/bin", PWD=d))
        if r.returncode != 0:
            raise AssertionError("capnp encode %s: %s" % (path, r.stderr.decode()))
        return r.stdout.hex()


def reencode(items):
    """[(struct path, hex)] -> [hex] through the C++ glue."""
    stdin = "".join("%s %s\n" % (p, h) for p, h in items)
    out = subprocess.run([REENCODE], input=stdin.encode(), capture_output=True, check=True).stdout.decode()
    return out.splitlines()


class WireVectorsTest(unittest.TestCase):
    def test_own_vectors(self):
        items = [(path, capnp_encode(schema, path, text)) for schema, path, text in OWN]
        for (path, want), got in zip(items, reencode(items)):
            self.assertEqual(got, want, path)

    def test_unsorted_map_entries_come_back_sorted(self):
        unsorted = TX.replace('[(key = "alpha", value = ""), (key = "zeta", value = 0x"00ff")]',
                              '[(key = "zeta", value = 0x"00ff"), (key = "alpha", value = "")]')
        self.assertNotEqual(unsorted, TX)
        got = reencode([("Transaction", capnp_encode("bank.capnp", "Transaction", unsorted))])
        self.assertEqual(got, [capnp_encode("bank.capnp", "Transaction", TX)])

    def test_malformed_is_an_error_line(self):
        self.assertEqual(reencode([("Transaction", "ff" * 16)])[0][:7], "error: ")

    def test_a_stream_event_with_a_status_code_beyond_16_is_an_error_line(self):
        bad = capnp_encode("bank.capnp", "Account.HistoryEvent", '(stream = 1, code = 17, message = "x")')
        got = reencode([("Account.HistoryEvent", bad)])[0]
        self.assertEqual(got[:7], "error: ")
        self.assertIn("status code outside absl's canonical 0..16", got)

    def test_shared_vectors(self):
        self.assertTrue(os.path.exists(VECTORS_JSON), VECTORS_JSON)
        with open(VECTORS_JSON, encoding="utf-8") as f:
            vectors = [v for v in json.load(f)["vectors"] if v["struct"] != "Account.PingResults"]
        got = reencode([(v["struct"], v["hex"]) for v in vectors])
        for v, g in zip(vectors, got):
            self.assertEqual(g, v["hex"], v["name"])


if __name__ == "__main__":
    unittest.main()

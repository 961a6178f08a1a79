"""Tests of actorc's Node backend and its JavaScript wire runtime.

- goldens: bank.actor (+ common.actor) -> .actor.js / .actor.d.ts, compared
  with testdata/golden/ (`python3 node_backend_test.py --update` rewrites them);
- the JS runtime against the Python runtime's vectors, malformed inputs and
  2,000 fuzzed messages (tests/wire_test.js; same bytes, same WireError texts);
- the generated bank module under Node (tests/bank_test.js): byte-exact
  vectors from an independent Python encoder (tests/bank_vectors.py),
  round trips, client/servicer over an in-memory transport;
- the .d.ts, checked structurally against the module Node loads (no
  TypeScript compiler is available offline).
Node: /usr/bin/node (v20) or $NODE.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testdata"))
import testutil  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "tests"))
import bank_vectors  # noqa: E402
import dump_wire_vectors  # noqa: E402

GOLDEN = testutil.golden_dir(__file__)
RUNTIME = os.path.join(HERE, "runtime")
NODE = os.environ.get("NODE", "/usr/bin/node")


def node(args, env_extra=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    r = subprocess.run([NODE] + args, capture_output=True, text=True, env=env, timeout=120)
    return r.returncode, r.stdout, r.stderr


def capture(fn):
    """stdout of fn() as a string."""
    import io
    old = sys.stdout
    sys.stdout = io.StringIO()
    try:
        fn()
        return sys.stdout.getvalue()
    finally:
        sys.stdout = old


class GoldenTest(unittest.TestCase):
    def test_goldens(self):
        testutil.check_backend_goldens(self, "node", GOLDEN)

    def test_output_names(self):
        _, out = testutil.generate("node", testutil.BANK)
        self.assertEqual(sorted(out), ["bank.actor.d.ts", "bank.actor.js", "common.actor.d.ts", "common.actor.js"])
        _, out = testutil.generate("node", testutil.EXTRA)
        self.assertEqual(sorted(out), ["extra.actor.d.ts", "extra.actor.js", "extra_dep.actor.d.ts", "extra_dep.actor.js"])

    def test_first_line_is_the_header(self):
        testutil.check_headers(self, "node", testutil.BANK, "//")
        testutil.check_headers(self, "node", testutil.EXTRA, "//")

    def test_doc_comments_carried(self):
        _, out = testutil.generate("node", testutil.BANK)
        js, dts = out["bank.actor.js"], out["bank.actor.d.ts"]
        for text in (js, dts):
            self.assertIn("   * Withdraws money; may wait on a fraud check.\n", text)
            self.assertIn(" * One entry of an account's history.\n", text)
        self.assertIn("  /**\n   * @deprecated use open\n   */\n  openLegacy(owner: string): void;\n", dts)
        self.assertIn("  /**\n   * Free text from the customer; absent when none was given.\n   */\n"
                      "  memo: string | null;\n", dts)


class NodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        _, out = testutil.generate("node", testutil.BANK)
        _, extra = testutil.generate("node", testutil.EXTRA)
        out.update(extra)
        cls.gen = os.path.join(cls.tmp.name, "gen")
        os.makedirs(cls.gen)
        testutil.write_all(out, cls.gen)
        cls.out = out

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_node(self, args):
        code, stdout, stderr = node(args, {"NODE_PATH": RUNTIME})
        self.assertEqual(code, 0, "node %s failed:\n%s\n%s" % (" ".join(args), stdout, stderr))
        return stdout

    def test_wire_runtime_matches_python(self):
        path = os.path.join(self.tmp.name, "wire_vectors.json")
        with open(path, "w") as f:
            f.write(capture(dump_wire_vectors.main))
        out = self.run_node([os.path.join(HERE, "tests", "wire_test.js"), path])
        self.assertIn("encode: 8 vectors byte-identical\n", out)
        self.assertIn("malformed: 24 cases, same WireError messages\n", out)
        self.assertIn("fuzz: 2000 mutated messages, same outcome", out)
        self.assertTrue(out.rstrip().splitlines()[-1].startswith("OK "), out)

    def test_generated_bank_module(self):
        own = os.path.join(self.tmp.name, "own_vectors.json")
        with open(own, "w") as f:
            f.write(capture(bank_vectors.main))
        # The shared vectors: bytes made by C++ `capnp encode` (testdata/bank_vectors.json).
        shared = os.path.join(self.tmp.name, "shared_vectors.json")
        shared_list = bank_vectors.shared_vectors()
        self.assertGreaterEqual(len(shared_list), 10)
        with open(shared, "w") as f:
            json.dump(shared_list, f)
        out = self.run_node([os.path.join(HERE, "tests", "bank_test.js"), self.gen, own, shared])
        self.assertIn("vectors own_vectors.json: 24 byte-identical, decoded and re-encoded\n", out)
        self.assertIn("vectors shared_vectors.json: %d byte-identical, decoded and re-encoded\n"
                      % len(shared_list), out)
        self.assertIn("client/servicer: ok\n", out)

    def test_dts_matches_module(self):
        """Structural check of the .d.ts (no tsc offline): every runtime
        export is declared and vice versa; every client/servicer method
        declared exists on the class with the declared parameter count."""
        script = ("const m = require(process.argv[1]); const out = {};"
                  "for (const [k, v] of Object.entries(m)) {"
                  "  out[k] = typeof v === 'function' ? Object.getOwnPropertyNames(v.prototype)"
                  "    .filter((n) => n !== 'constructor').map((n) => [n, v.prototype[n].length]) : typeof v; }"
                  "console.log(JSON.stringify(out));")
        for base in ("bank", "common", "extra", "extra_dep"):
            with self.subTest(base):
                exports = json.loads(self.run_node(["-e", script, os.path.join(self.gen, base + ".actor.js")]))
                dts = self.out[base + ".actor.d.ts"]
                declared = set(re.findall(r"^export declare (?:const|class) (\w+)", dts, re.M))
                self.assertEqual(declared, set(exports))
                for cls in re.findall(r"^export declare class (\w+) \{", dts, re.M):
                    body = dts.split("export declare class %s {" % cls, 1)[1].split("\n}\n", 1)[0]
                    methods = {}
                    for name, params in re.findall(r"^  (\w+)\((.*)\):", body, re.M):
                        n = len([p for p in params.split(", ") if p])
                        if "options?:" in params:
                            n -= 1  # optional trailing parameter: the JS default doesn't count
                        methods[name] = n
                    self.assertEqual(methods, dict(exports[cls]), cls)
                # Every struct interface field appears in the codec's decode output.
                for name, body in re.findall(r"^export interface (\w+) \{\n(.*?)^\}", dts, re.M | re.S):
                    if exports.get(name) != "object":
                        continue
                    fields = re.findall(r"^  (\w+): ", body, re.M)
                    keys = json.loads(self.run_node(["-e",
                        "const m = require(process.argv[1]); const c = m[process.argv[2]];"
                        "console.log(JSON.stringify(Object.keys(c.decode(c.encode({})))));",
                        os.path.join(self.gen, base + ".actor.js"), name]))
                    self.assertEqual(fields, keys, name)


if __name__ == "__main__":
    unittest.main()

"""Runs kv_node_test.js (the generated Node client and servicer of kv.actor)
with /usr/bin/node (or $NODE) on the actor_library's Node outputs.

    bazel test //services/kv:kv_node_test
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
NODE = os.environ.get("NODE", "/usr/bin/node")
RUNTIME = os.path.join(ROOT, "codegen", "actorc", "backends", "node", "runtime")


class KvNodeTest(unittest.TestCase):
    def test_node_client_and_servicer(self):
        gen = HERE
        if not os.path.exists(os.path.join(gen, "kv.actor.js")):  # from the source tree: generate it
            tmp = tempfile.TemporaryDirectory()
            self.addCleanup(tmp.cleanup)
            subprocess.run([sys.executable, "-m", "actorc", "generate", "--lang", "node", "-o", tmp.name,
                            os.path.join(HERE, "kv.actor")], check=True,
                           env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "codegen")))
            gen = tmp.name
        r = subprocess.run([NODE, os.path.join(HERE, "kv_node_test.js"), gen], capture_output=True, text=True,
                           env=dict(os.environ, NODE_PATH=RUNTIME), timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "kv_node_test: 23 checks ok\n")


if __name__ == "__main__":
    unittest.main()

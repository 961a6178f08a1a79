"""One test per diagnostic: testdata/errors/NAME.actor must produce exactly
testdata/errors/NAME.err on stderr and exit code 1 (`actorc check NAME.actor`
run in that folder). Files under testdata/errors/lib/ are imported helpers.
"""

import os
import unittest

import testutil  # noqa: F401  (sets sys.path)
from testutil import TESTDATA, UPDATE, read, run_cli, write

ERRORS = os.path.join(TESTDATA, "errors")


class DiagnosticsTest(unittest.TestCase):
    def check_case(self, name):
        code, out, err = run_cli(["check", name + ".actor"], ERRORS)
        expected_path = os.path.join(ERRORS, name + ".err")
        if UPDATE:
            write(expected_path, err)
        self.assertEqual(read(expected_path), err)
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertNotIn("Traceback", err)

    def test_every_case_has_expected_output(self):
        for f in os.listdir(ERRORS):
            if f.endswith(".actor"):
                self.assertTrue(os.path.exists(os.path.join(ERRORS, f[:-6] + ".err")), f)


def _add_cases():
    for f in sorted(os.listdir(ERRORS)):
        if not f.endswith(".actor"):
            continue
        name = f[: -len(".actor")]

        def test(self, name=name):
            self.check_case(name)

        setattr(DiagnosticsTest, "test_" + name, test)


_add_cases()

if __name__ == "__main__":
    unittest.main()

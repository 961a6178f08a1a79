"""actorc check-compat: one case per compatibility diagnostic, exact texts.

testdata/compat/NAME.old.actor and NAME.new.actor, run as
`actorc check-compat NAME.old.actor NAME.new.actor` in that folder, must
print exactly NAME.err on stderr (nothing on stdout). Cases named ok_* are
compatible evolutions: exit code 0 (their .err holds the notes, or is
empty); every other case breaks compatibility (or fails to load): exit 1.
Files under testdata/compat/lib/ are imported helpers.
Regenerate the .err files: python3 codegen/actorc/tests/compat_test.py --update
"""

import os
import unittest

import testutil  # noqa: F401  (sets sys.path)
from testutil import EXAMPLES, TESTDATA, UPDATE, read, run_cli, write

from actorc import compat

COMPAT = os.path.join(TESTDATA, "compat")


def _cases():
    return sorted(f[: -len(".old.actor")] for f in os.listdir(COMPAT) if f.endswith(".old.actor"))


class CompatCasesTest(unittest.TestCase):
    def check_case(self, name):
        code, out, err = run_cli(["check-compat", name + ".old.actor", name + ".new.actor"], COMPAT)
        expected_path = os.path.join(COMPAT, name + ".err")
        if UPDATE:
            write(expected_path, err)
        self.assertEqual(read(expected_path), err)
        self.assertEqual(code, 0 if name.startswith("ok_") else 1, err)
        self.assertEqual(out, "")
        self.assertNotIn("Traceback", err)
        if name.startswith("ok_"):
            self.assertNotIn(": error:", err)
        else:
            self.assertIn(": error:", err)

    def test_every_case_is_complete(self):
        for name in _cases():
            for ext in (".new.actor", ".err"):
                self.assertTrue(os.path.exists(os.path.join(COMPAT, name + ext)), name + ext)

    def test_there_are_enough_cases(self):
        names = _cases()
        self.assertGreaterEqual(len([n for n in names if not n.startswith("ok_")]), 25)
        self.assertGreaterEqual(len([n for n in names if n.startswith("ok_")]), 8)


def _add_cases():
    for name in _cases():
        def test(self, name=name):
            self.check_case(name)

        setattr(CompatCasesTest, "test_" + name, test)


_add_cases()


class CompatCommandTest(unittest.TestCase):
    def test_identical_schema_is_compatible_and_silent(self):
        self.assertEqual(run_cli(["check-compat", "bank.actor", "bank.actor"], EXAMPLES), (0, "", ""))

    def test_issue_spelling(self):
        want = run_cli(["check-compat", "removed_field.old.actor", "removed_field.new.actor"], COMPAT)
        self.assertEqual(want[0], 1)
        self.assertEqual(run_cli(["--check-compat", "removed_field.old.actor", "removed_field.new.actor"], COMPAT), want)
        ok = run_cli(["--check-compat", "ok_add_field.old.actor", "ok_add_field.new.actor"], COMPAT)
        self.assertEqual(ok, (0, "", ""))

    def test_include_dirs_apply_to_both_files(self):
        # The imports are written relative to testdata/compat; from another
        # folder they are found through -I.
        code, out, err = run_cli(["check-compat", "-I", COMPAT,
                                  os.path.join(COMPAT, "ok_unchanged_with_import.old.actor"),
                                  os.path.join(COMPAT, "ok_unchanged_with_import.new.actor")], EXAMPLES)
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertEqual(run_cli(["--check-compat", "-I", "no/such/dir", "a.actor", "b.actor"], COMPAT),
                         (2, "", "actorc: error: -I no/such/dir: not a directory\n"))

    def test_missing_new_is_usage_error(self):
        code, out, err = run_cli(["check-compat", "ok_add_field.old.actor"], COMPAT)
        self.assertEqual((code, out), (2, ""))
        self.assertTrue(err.endswith("actorc: error: the following arguments are required: NEW\n"), err)

    def test_unreadable_new_is_a_diagnostic(self):
        self.assertEqual(run_cli(["check-compat", "ok_add_field.old.actor", "nope.actor"], COMPAT),
                         (1, "", "actorc: error: cannot read 'nope.actor': No such file or directory\n"))

    def test_both_files_report_their_errors(self):
        code, out, err = run_cli(["check-compat", "old_has_errors.old.actor", "old_has_errors.old.actor"], COMPAT)
        self.assertEqual(code, 1)
        one = read(os.path.join(COMPAT, "old_has_errors.err"))
        self.assertEqual(err, one)  # the same file twice: each problem once

    def test_api(self):
        r = compat.check(os.path.join(COMPAT, "several_changes.old.actor"),
                         os.path.join(COMPAT, "several_changes.new.actor"))
        self.assertTrue(r.loaded)
        self.assertFalse(r.ok)
        self.assertEqual(r.breaking, 3)
        self.assertEqual([d.severity for d in r.sink.diagnostics], ["note", "error", "error", "error"])
        r = compat.check(os.path.join(COMPAT, "ok_rename.old.actor"), os.path.join(COMPAT, "ok_rename.new.actor"))
        self.assertEqual((r.ok, r.breaking, len(r.sink.diagnostics)), (True, 0, 4))

    def test_mutated_schemas_never_crash(self):
        # bank.actor against itself with each line deleted, and each line
        # deleted from OLD: always 0 or 1, never an internal error.
        import tempfile
        text = read(os.path.join(EXAMPLES, "bank.actor"))
        lines = text.split("\n")
        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        path = os.path.join(tmp, "mutated.actor")
        seen = set()
        for i in range(len(lines)):
            write(path, "\n".join(lines[:i] + lines[i + 1:]))
            for argv in (["bank.actor", path], [path, "bank.actor"]):
                code, _, err = run_cli(["check-compat", "-I", EXAMPLES] + argv, EXAMPLES)
                self.assertIn(code, (0, 1), err)
                self.assertNotIn("internal error", err)
                seen.add(code)
        self.assertEqual(seen, {0, 1})

    def test_format_duration(self):
        self.assertEqual([compat.format_duration(n) for n in (None, 5 * 10**9, 250 * 10**6, 90 * 10**9, 1500, 7, 7200 * 10**9)],
                         ["none", "5s", "250ms", "90s", "1500ns", "7ns", "2h"])


if __name__ == "__main__":
    unittest.main()

"""actorc command line: exit codes and exact messages."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import testutil
from testutil import CODEGEN, EXAMPLES, TESTDATA, run_cli

from actorc import model

ERRORS = os.path.join(TESTDATA, "errors")
COMPAT = os.path.join(TESTDATA, "compat")
USAGE = "usage: actorc [-h] COMMAND ...\n"


class CliTest(unittest.TestCase):
    def test_check_ok(self):
        self.assertEqual(run_cli(["check", "bank.actor", "common.actor"], EXAMPLES), (0, "", ""))

    def test_check_several_files_reports_each(self):
        code, out, err = run_cli(["check", "duplicate_field.actor", "ordinal_gap.actor"], ERRORS)
        self.assertEqual(code, 1)
        self.assertEqual(err, testutil.read(os.path.join(ERRORS, "duplicate_field.err"))
                         + testutil.read(os.path.join(ERRORS, "ordinal_gap.err")))

    def test_dump_ir(self):
        code, out, err = run_cli(["dump-ir", "bank.actor"], EXAMPLES)
        self.assertEqual((code, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(doc["root"], "bank.actor")
        self.assertEqual([m["package"] for m in doc["modules"]], ["myr.common", "myr.bank"])

    def test_include_flag(self):
        inc = os.path.join(TESTDATA, "include")
        self.assertEqual(run_cli(["check", "-I", "deps", "app.actor"], inc), (0, "", ""))
        code, _, err = run_cli(["check", "app.actor"], inc)
        self.assertEqual(code, 1)
        self.assertEqual(err, "app.actor:3:8: error: import not found: 'money.actor'\n"
                              'import "money.actor";\n'
                              "       ^~~~~~~~~~~~~\n"
                              "  hint: searched '.'; add a search directory with -I DIR\n")

    def test_missing_file_is_a_diagnostic(self):
        self.assertEqual(run_cli(["check", "nope.actor"], ERRORS),
                         (1, "", "actorc: error: cannot read 'nope.actor': No such file or directory\n"))

    def test_unreadable_inputs_are_diagnostics(self):
        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        with open(os.path.join(tmp, "latin1.actor"), "wb") as f:
            f.write(b"package t; // caf\xe9\n")
        testutil.write(os.path.join(tmp, "empty.actor"), "")
        self.assertEqual(run_cli(["check", "latin1.actor"], tmp),
                         (1, "", "actorc: error: cannot read 'latin1.actor': not valid UTF-8\n"))
        self.assertEqual(run_cli(["check", "empty.actor"], tmp),
                         (1, "", "empty.actor:1:1: error: expected 'package', found end of file\n\n^\n"
                                 "  hint: a file starts with its package, e.g. 'package myr.bank;'\n"))

    def test_no_command_is_usage_error(self):
        self.assertEqual(run_cli([], ERRORS),
                         (2, "", USAGE + "actorc: error: a COMMAND is required (check, check-compat, dump-ir, generate)\n"))

    def test_unknown_command_is_usage_error(self):
        code, out, err = run_cli(["compile", "x.actor"], ERRORS)
        self.assertEqual(code, 2)
        self.assertEqual(err, USAGE + "actorc: error: argument COMMAND: invalid choice: 'compile' "
                              "(choose from 'check', 'check-compat', 'dump-ir', 'generate')\n")

    def test_missing_file_argument_is_usage_error(self):
        code, out, err = run_cli(["check"], ERRORS)
        self.assertEqual(code, 2)
        self.assertTrue(err.endswith("actorc: error: the following arguments are required: FILE\n"), err)

    def test_bad_include_dir_is_usage_error(self):
        self.assertEqual(run_cli(["check", "-I", "no/such/dir", "x.actor"], ERRORS),
                         (2, "", "actorc: error: -I no/such/dir: not a directory\n"))

    def test_internal_error_is_one_line_exit_3(self):
        with mock.patch.object(model, "load", side_effect=RuntimeError("boom\nsecond line")):
            code, out, err = run_cli(["check", "bank.actor"], EXAMPLES)
        self.assertEqual(code, 3)
        self.assertEqual(err, "actorc: internal error: RuntimeError: boom (set ACTORC_DEBUG=1 for a traceback)\n")

    def test_subprocess_never_prints_traceback(self):
        # The real entry point, as users run it.
        env = dict(os.environ, PYTHONPATH=CODEGEN)
        env.pop("ACTORC_DEBUG", None)
        for args, want in [(["check", "multiple_errors.actor"], 1), (["check"], 2), (["check", "tabs_in_line.actor"], 1)]:
            p = subprocess.run([sys.executable, "-m", "actorc"] + args, cwd=ERRORS, env=env,
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, want, p.stderr)
            self.assertNotIn("Traceback", p.stderr)
        p = subprocess.run([sys.executable, "-m", "actorc", "check", "multiple_errors.actor"], cwd=ERRORS,
                           env=env, capture_output=True, text=True)
        self.assertEqual(p.stderr, testutil.read(os.path.join(ERRORS, "multiple_errors.err")))

    def test_check_compat_exit_codes(self):
        # 0 compatible (notes on stderr), 1 breaking, 2 usage; both spellings.
        code, out, err = run_cli(["check-compat", "ok_rename.old.actor", "ok_rename.new.actor"], COMPAT)
        self.assertEqual((code, out), (0, ""))
        self.assertEqual(err.count(": note: "), 4)
        self.assertEqual(run_cli(["--check-compat", "removed_field.old.actor", "removed_field.new.actor"], COMPAT),
                         (1, "", testutil.read(os.path.join(COMPAT, "removed_field.err"))))
        self.assertTrue(testutil.read(os.path.join(COMPAT, "removed_field.err")).endswith(
            "actorc: removed_field.new.actor breaks compatibility with removed_field.old.actor: "
            "1 incompatible change\n"))
        code, out, err = run_cli(["--check-compat", "only_one.actor"], COMPAT)
        self.assertEqual((code, out), (2, ""))
        self.assertEqual(err, USAGE + "actorc: error: the following arguments are required: NEW\n")

    def test_front_end_works_without_backends(self):
        # A checkout with the front end only (no backends package): check and
        # check-compat work, generate says what is missing.
        from actorc import cli
        with mock.patch.object(cli, "_backends", return_value=None):
            self.assertEqual(run_cli(["check", "bank.actor"], EXAMPLES), (0, "", ""))
            self.assertEqual(run_cli(["check-compat", "bank.actor", "bank.actor"], EXAMPLES), (0, "", ""))
            self.assertEqual(run_cli(["generate", "--lang", "all", "-o", "out", "bank.actor"], EXAMPLES),
                             (2, "", "actorc: error: --lang all: no backend is installed "
                                     "(bazel: use //codegen:actorc_tool)\n"))
            self.assertEqual(run_cli(["generate", "--lang", "cpp", "-o", "out", "bank.actor"], EXAMPLES),
                             (2, "", "actorc: error: --lang cpp: backend not installed (installed: none)\n"))

    def test_check_compat_subprocess(self):
        env = dict(os.environ, PYTHONPATH=CODEGEN)
        env.pop("ACTORC_DEBUG", None)
        p = subprocess.run([sys.executable, "-m", "actorc", "--check-compat", "several_changes.old.actor",
                            "several_changes.new.actor"], cwd=COMPAT, env=env, capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr, testutil.read(os.path.join(COMPAT, "several_changes.err")))

    def test_check_compat_internal_error_is_exit_3(self):
        with mock.patch.object(model, "load", side_effect=RuntimeError("boom")):
            code, out, err = run_cli(["check-compat", "bank.actor", "bank.actor"], EXAMPLES)
        self.assertEqual((code, err), (3, "actorc: internal error: RuntimeError: boom (set ACTORC_DEBUG=1 for a traceback)\n"))

    def test_fuzzed_inputs_never_crash(self):
        # Every prefix of the example schema is bad input or valid; never a crash.
        text = testutil.read(os.path.join(EXAMPLES, "bank.actor"))
        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        path = os.path.join(tmp, "prefix.actor")
        for cut in range(0, len(text), 7):
            testutil.write(path, text[:cut])
            code, _, err = run_cli(["check", "-I", EXAMPLES, "prefix.actor"], tmp)
            self.assertIn(code, (0, 1), err)
            self.assertNotIn("internal error", err)


if __name__ == "__main__":
    unittest.main()

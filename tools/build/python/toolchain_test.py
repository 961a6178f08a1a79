"""The Python toolchain runs tests with Debian's python3 (and its jinja2)."""
import sys
import unittest


class ToolchainTest(unittest.TestCase):
    def test_python3_from_debian(self):
        self.assertEqual(sys.version_info.major, 3)
        self.assertTrue(sys.executable.startswith("/usr/bin/python3"), sys.executable)

    def test_jinja2_importable(self):
        import jinja2  # noqa: F401  (python3-jinja2, the schema compiler's templates)


if __name__ == "__main__":
    unittest.main()

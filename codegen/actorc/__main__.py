"""Entry point: `python3 -m actorc ...` (with codegen/ on sys.path) or run directly."""

import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from actorc import cli  # noqa: E402
else:
    from . import cli

if __name__ == "__main__":
    sys.exit(cli.main())

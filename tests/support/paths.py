"""Where things are, for every test and helper."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]      # the repository
TESTS = ROOT / "tests"
DATA = TESTS / "data"                            # the one data folder of the tests
EXAMPLES = ROOT / "examples"

"""Only what pyproject.toml cannot say.

- The top-level prompts/ folder ships inside the package as `extractor.prompts`, so an installed wheel reads its
  prompt templates from site-packages.
- With `JOURNEY_MYPYC=1` in the environment, the rules extractor's per-token loop (the modules in `COMPILED`) is
  compiled to C with mypyc, as Black and mypy ship theirs: the same Python source, about 1.3x faster records
  (README, "Speed"). The wheel is then specific to the platform and Python version that built it, and its records
  equal the pure-Python ones (tests/test_wheel.py checks). Without it (editable installs, the sdist, any platform)
  the package is pure Python.
"""

import os
import sys

from setuptools import find_namespace_packages, setup

COMPILED = ["extractor/extractors/rules/cues.py", "extractor/extractors/rules/extractor.py"]
MYPYC = os.environ.get("JOURNEY_MYPYC", "") == "1"

extra = {}
if MYPYC:
    try:
        from mypyc.build import mypycify
    except ImportError:
        # pip asks for the build requirements first (setup_requires below) and runs this again with mypy installed
        if {"bdist_wheel", "build_ext", "build", "install"} & set(sys.argv):
            raise SystemExit("JOURNEY_MYPYC=1 needs mypy (which carries mypyc): pip install 'mypy>=1.10'")
    else:
        # spaCy ships no type stubs; the modules the compiled ones import are type-checked quietly, not compiled
        extra["ext_modules"] = mypycify(["--ignore-missing-imports", "--follow-imports=silent", *COMPILED],
                                        opt_level="3", group_name="journey_extractor")

setup(
    # namespace packages too: the shipped model's and the name lists' data folders are package data
    packages=find_namespace_packages(include=["extractor", "extractor.*"], exclude=["*.__pycache__"])
    + ["extractor.prompts"],
    package_dir={"extractor.prompts": "prompts"},
    setup_requires=["mypy>=1.10"] if MYPYC else [],
    **extra,
)

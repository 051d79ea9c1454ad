"""Only what pyproject.toml cannot say: the top-level prompts/ folder ships inside the package as
`extractor.prompts`, so an installed wheel reads its prompt templates from site-packages."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["extractor", "extractor.*"]) + ["extractor.prompts"],
    package_dir={"extractor.prompts": "prompts"},
)

"""Only what pyproject.toml cannot say: the packages are those found under src/
plus octavo.templates, the top-level templates/ folder, shipped inside the
package (pyproject.toml maps it there and includes every file in it)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages("src"), "octavo.templates"])

"""The project's own files: license, citation, changelog, and what pyproject.toml promises."""

import hashlib
import importlib.metadata
import pathlib
import re
import tomllib

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from blur_keras import citation

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the text the license requires.
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def lowest_python() -> Version:
    """The lowest Python `requires-python` admits (a `>=X.Y` bound)."""
    bound = re.fullmatch(r">=\s*(\d+\.\d+)", PROJECT["project"]["requires-python"].strip())
    assert bound, "requires-python is a single lower bound, '>=X.Y'"
    return Version(bound.group(1))


def test_the_license_file_is_the_apache_2_text_that_pyproject_declares():
    assert PROJECT["project"]["license"] == "Apache-2.0"
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_SHA256
    # An SPDX license string (PEP 639) needs setuptools >= 77 to build.
    setuptools = [Requirement(r) for r in PROJECT["build-system"]["requires"]
                  if Requirement(r).name == "setuptools"]
    assert setuptools and not setuptools[0].specifier.contains("76.9"), setuptools
    assert setuptools[0].specifier.contains("77.0")


def test_every_dependency_installs_on_the_lowest_supported_python():
    """The installed (requirements.txt) versions' own Requires-Python admit the lowest Python
    pyproject.toml claims; keras >= 3.13.1 needs 3.11, so 3.10 cannot be claimed."""
    lowest = lowest_python()
    needs = {}
    for text in PROJECT["project"]["dependencies"]:
        name = Requirement(text).name
        requires = importlib.metadata.metadata(name).get("Requires-Python") or ""
        if not SpecifierSet(requires).contains(str(lowest)):
            needs[name] = requires
    assert not needs, f"requires-python admits {lowest}, but these need more: {needs}"
    readme = (ROOT / "README.md").read_text()
    assert f"Python >= {lowest.major}.{lowest.minor} " in readme


def test_requirements_pin_every_declared_dependency_within_its_bounds():
    """requirements.txt (what `make` installs) pins each dependency and extra of pyproject.toml,
    pytest-xdist of the test extra (`make test`'s two workers) among them."""
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        requirement = Requirement(line)
        (pin,) = requirement.specifier
        pinned[canonicalize_name(requirement.name)] = pin.version
    declared = [Requirement(text) for text in PROJECT["project"]["dependencies"]]
    for extra in PROJECT["project"]["optional-dependencies"].values():
        declared += [Requirement(text) for text in extra]
    assert "pytest-xdist" in {r.name for r in declared}
    for requirement in declared:
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"requirements.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(version), (str(requirement), version)


def test_citation_cff_is_generated_from_the_one_citation_source():
    expected = citation.citation_cff(PROJECT["project"]["version"],
                                     PROJECT["project"]["urls"]["Repository"])
    assert (ROOT / "CITATION.cff").read_text() == expected, (
        "regenerate it: python -c \"import tomllib; from blur_keras import citation; "
        "p = tomllib.load(open('pyproject.toml', 'rb'))['project']; "
        "open('CITATION.cff', 'w').write(citation.citation_cff(p['version'], "
        "p['urls']['Repository']))\"")
    assert "arXiv:2105.12639" in expected and 'family-names: "Park"' in expected


def test_zoo_cards_cite_the_paper_from_the_same_source():
    from blur_keras.publishing.card_readme import card_readme
    bibtex = citation.paper_bibtex()
    assert bibtex.startswith("@inproceedings{park2022blurs,") and "Kim, Songkuk" in bibtex
    for readme in (ROOT / "zoo").glob("*/README.md"):       # the shipped cards
        assert bibtex in readme.read_text(), readme
    import json
    card = json.loads(next((ROOT / "zoo").glob("*/metadata.json")).read_text())
    assert bibtex in card_readme(card)
    assert card["citation"] == citation.paper_reference()


def test_the_changelog_starts_with_unreleased_changes_then_this_release():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (.+)$", changelog, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    assert headings[1].startswith(f"[{PROJECT['project']['version']}]")
    unreleased = changelog.split("## [Unreleased]")[1].split("\n## ")[0]
    assert unreleased.count("\n- ") >= 5
    kinds = re.findall(r"^### (.+)$", unreleased, re.MULTILINE)
    assert len(kinds) == len(set(kinds)), f"a kind of change has two sections: {kinds}"

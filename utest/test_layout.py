"""The project's layout: its libraries are an installed package, imported by name everywhere."""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ROOT / "libraries"
DISTRIBUTION = "livekit-auth-acceptance"


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in (ROOT / folder).rglob("*.py") if "__pycache__" not in path.parts]


def test_the_project_is_installed_editable_from_this_folder():
    direct_url = json.loads(metadata.distribution(DISTRIBUTION).read_text("direct_url.json"))
    assert direct_url["dir_info"] == {"editable": True}
    installed_from = Path(unquote(urlsplit(direct_url["url"]).path.lstrip("/" if sys.platform == "win32" else "")))
    assert installed_from.resolve() == ROOT


def test_pyproject_names_every_module_and_package_of_the_libraries_folder():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"": "libraries"}
    modules = sorted(path.stem for path in LIBRARIES.glob("*.py"))
    assert sorted(setuptools["py-modules"]) == modules
    packages = sorted(path.parent.name for path in LIBRARIES.glob("*/__init__.py"))
    included = setuptools["packages"]["find"]["include"]
    assert included == ["livekit_*"]
    assert all(name.startswith("livekit_") for name in packages), packages


def test_no_file_of_the_project_edits_the_import_path():
    edits = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in [*_python_files("libraries", "tools", "examples", "utest"), ROOT / "run.py"]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bsys\.path\.(insert|append)\(", line)
    ]
    assert edits == []


@pytest.mark.parametrize("resource", sorted((ROOT / "resources").glob("*.resource")), ids=lambda path: path.name)
def test_resources_import_the_libraries_and_settings_by_name(resource):
    imports = re.findall(r"^(Library|Variables) +(\S+)", resource.read_text(encoding="utf-8"), re.MULTILINE)
    assert imports, resource.name
    for kind, name in imports:
        assert "/" not in name and not name.endswith(".py"), f"{kind} {name}"
        module = LIBRARIES.joinpath(*name.split(".")).with_suffix(".py")
        assert module.is_file() or name in ("RequestsLibrary", "DateTime", "Collections", "String"), f"{kind} {name}"

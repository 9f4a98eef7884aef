"""The registry: adding a node kind is one new file, and a broken kind file fails by name."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nodes import Registry, RegistryError, default_registry
from nodes.kit.spec import Go

KIND_SOURCE = '''"""A throw-away kind for registry tests."""

import msgspec

from nodes.kit.spec import Category, Go, NodeSpec


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A note on the canvas."""

    text: str = ""


def run(config, ctx):
    """Let customers through."""
    return Go("next")


SPEC = NodeSpec(key={key!r}, version=1, label="Note", category=Category.{category},
                description="A note.", config=Config, run=run, example=Config(text="hi"))
'''

MakePackage = Callable[[dict[str, str]], str]


def kind_source(key: str, category: str = "FLOW") -> str:
    """The text of a kind module declaring `key`."""
    return KIND_SOURCE.format(key=key, category=category)


@pytest.fixture
def kinds_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakePackage]:
    """Write a throw-away kinds package `extra_kinds` on sys.path; forget it afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(files: dict[str, str]) -> str:
        package = tmp_path / "extra_kinds"
        package.mkdir()
        (package / "__init__.py").write_text('"""Kinds written by a test."""\n')
        for name, text in files.items():
            path = package / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
        return "extra_kinds"

    yield make
    for name in [name for name in sys.modules if name.split(".")[0] == "extra_kinds"]:
        del sys.modules[name]


def test_a_new_kind_is_one_file(kinds_package: MakePackage) -> None:
    package = kinds_package({"flow_note.py": kind_source("flow.note")})
    registry = Registry.discover("nodes", package)
    assert "flow.note" in registry
    assert set(registry.keys()) == {*default_registry().keys(), "flow.note"}
    assert registry.origin("flow.note").endswith("extra_kinds/flow_note.py")
    assert registry["flow.note"].run(registry["flow.note"].example, None) == Go("next")


def test_private_modules_and_subpackages_are_not_kinds(kinds_package: MakePackage) -> None:
    package = kinds_package({
        "flow_note.py": kind_source("flow.note"),
        "_shared.py": '"""Helpers, not a kind."""\n',
        "kit/__init__.py": '"""Not a kind either."""\n',
    })
    assert Registry.discover(package).keys() == ["flow.note"]


def test_a_module_without_spec_is_refused_by_name(kinds_package: MakePackage) -> None:
    package = kinds_package({"flow_note.py": '"""Forgot the SPEC."""\n'})
    with pytest.raises(RegistryError, match=r"flow_note\.py: a node-kind module must define SPEC"):
        Registry.discover("nodes", package)


def test_a_spec_of_the_wrong_type_is_refused(kinds_package: MakePackage) -> None:
    package = kinds_package({"flow_note.py": '"""Not a spec."""\nSPEC = {"key": "flow.note"}\n'})
    with pytest.raises(RegistryError, match=r"flow_note\.py: SPEC must be a NodeSpec, not dict"):
        Registry.discover(package)


def test_a_duplicate_key_names_both_files(kinds_package: MakePackage) -> None:
    package = kinds_package({"flow_pause.py": kind_source("flow.delay")})
    with pytest.raises(RegistryError) as raised:
        Registry.discover("nodes", package)
    message = str(raised.value)
    assert "extra_kinds/flow_pause.py" in message
    assert "nodes/flow_delay.py" in message
    assert "'flow.delay'" in message


@pytest.mark.parametrize("key", ["flow.Note", "flow-note", "note", "flow.", "flow.9note"])
def test_a_badly_formed_key_is_refused(kinds_package: MakePackage, key: str) -> None:
    package = kinds_package({"flow_note.py": kind_source(key)})
    with pytest.raises(RegistryError, match=r"flow_note\.py: key .* must look like 'flow\.delay'"):
        Registry.discover(package)


def test_a_key_must_start_with_its_category(kinds_package: MakePackage) -> None:
    package = kinds_package({"flow_note.py": kind_source("entry.note", category="FLOW")})
    with pytest.raises(RegistryError, match="must start with its category 'flow'"):
        Registry.discover(package)


def test_the_default_registry_is_discovered_once() -> None:
    assert default_registry() is default_registry()
    assert len(default_registry()) == len(Registry.discover("nodes"))

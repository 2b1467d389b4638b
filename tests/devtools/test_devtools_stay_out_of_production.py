"""The fake X API and the simulator are test and demo tools: production neither installs nor imports them."""

import ast
import json
from pathlib import Path

import pytest
from django.conf import settings

from tests.seva.test_production_settings import PRODUCTION_ENV, run_python

ROOT = Path(settings.BASE_DIR)
DEVTOOLS_COMMANDS = {"fake_x_api", "simulate_tweets"}
# Where devtools may be named: itself, the tests, the benchmarks, and the settings that install it.
ALLOWED = {"devtools", "tests", "bench", "seva/settings/local.py", "seva/settings/test.py"}
SKIPPED_DIRS = {".venv", "node_modules", "staticfiles", "__pycache__"}

LIST_APPS_AND_COMMANDS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "from django.core.management import get_commands; "
    "print(json.dumps({'apps': settings.INSTALLED_APPS, 'commands': sorted(get_commands())}))"
)


def apps_and_commands(settings_module: str) -> dict:
    env = PRODUCTION_ENV if settings_module.endswith("production") else {}
    result = run_python(LIST_APPS_AND_COMMANDS, env={**env, "DJANGO_SETTINGS_MODULE": settings_module})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_install_neither_the_fake_x_api_nor_the_simulator():
    production = apps_and_commands("seva.settings.production")

    assert not [app for app in production["apps"] if app.startswith("devtools")]
    assert DEVTOOLS_COMMANDS.isdisjoint(production["commands"])


@pytest.mark.parametrize("settings_module", ["seva.settings.local", "seva.settings.test"])
def test_local_and_test_settings_have_the_fake_x_api_and_the_simulator(settings_module):
    assert set(apps_and_commands(settings_module)["commands"]) >= DEVTOOLS_COMMANDS


def python_files_outside_devtools_users():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS.intersection(relative.parts) or any(part.startswith(".") for part in relative.parts):
            continue
        if relative.parts[0] in ALLOWED or relative.as_posix() in ALLOWED:
            continue
        yield relative, path


def devtools_names(source: str) -> list[str]:
    """Every import of devtools, and every string naming it (an app label, a dotted path to import)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return [name for name in found if name == "devtools" or name.startswith("devtools.")]


def test_nothing_in_the_product_imports_devtools():
    files = list(python_files_outside_devtools_users())
    offenders = {
        str(relative): names for relative, path in files if (names := devtools_names(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}
    # The scan saw the product: every app's models and the production settings.
    scanned = {str(relative) for relative, _ in files}
    assert {"ingestion/models.py", "tickets/models.py", "seva/settings/production.py"} <= scanned


def test_the_scan_finds_an_import_of_devtools():
    assert devtools_names("from devtools.fake_x import FakeXApi\nimport devtools.simulator\n") == [
        "devtools.fake_x",
        "devtools.simulator",
    ]
    assert devtools_names('INSTALLED_APPS = ["ingestion", "devtools"]') == ["devtools"]

"""The top level shows the architecture: the README's Layout names every module, the pure rules
import no Flask, and no import is put off into a function to dodge a cycle."""
import ast
import os
import re

from efaktur import PROJECT_ROOT

PACKAGE = os.path.join(PROJECT_ROOT, "efaktur")
PURE = ["rules", "formats", "language/lang.py", "auth/accounts.py", "files/uploads.py", "settings/threshold.py",
        "numbers/allocation.py", "activity/wording.py"]
# Imports that stay inside a function on purpose: heavy libraries loaded only by the few requests that need them.
LAZY_LIBRARIES = {"openpyxl", "pypdf", "pypdf.errors", "pycountry", "gettext", "flask_migrate"}


def modules():
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(folder, name), PACKAGE)


def _tree(relative):
    with open(os.path.join(PACKAGE, relative), encoding="utf-8") as source:
        return ast.parse(source.read())


def test_the_readme_layout_names_every_module():
    with open(os.path.join(PROJECT_ROOT, "README.md"), encoding="utf-8") as readme:
        layout = readme.read().split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = []
    for relative in modules():
        folder, name = os.path.split(relative)
        if name == "__init__.py" and folder:
            if f"{os.path.basename(folder)}/" not in layout:
                missing.append(relative)
        elif not re.search(rf"(?<![\w/]){re.escape(name)}\b", layout):
            missing.append(relative)
    assert missing == []


def test_the_pure_modules_import_no_flask_and_no_database():
    offenders = []
    for relative in modules():
        if not any(relative == pure or relative.startswith(pure + "/") for pure in PURE):
            continue
        for node in ast.walk(_tree(relative)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.split(".")[0] in ("flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug") or name in (
                        "efaktur.extensions", "efaktur.database"):
                    offenders.append(f"{relative}: {name}")
    assert offenders == []


def test_no_module_of_the_app_is_imported_inside_a_function():
    deferred = []
    for relative in modules():
        for node in ast.walk(_tree(relative)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("efaktur")):
                    deferred.append(f"{relative}:{inner.lineno} {inner.module}")
                elif isinstance(inner, (ast.Import, ast.ImportFrom)):
                    module = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                    if module not in LAZY_LIBRARIES and module.split(".")[0] not in ("flask", "babel"):
                        deferred.append(f"{relative}:{inner.lineno} {module}")
    assert deferred == []


def test_views_do_not_import_each_other():
    crossing = []
    for relative in modules():
        if not relative.endswith("views.py"):
            continue
        for node in ast.walk(_tree(relative)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".views"):
                crossing.append(f"{relative}: {node.module}")
    assert crossing == []

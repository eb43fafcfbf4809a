"""Every error code the source raises is in its app's catalogue (gongzhi/<app>/errors.py, issue 20 item 4).

The walk reads the source with `ast`: calls of the ServiceError family (and of DRF's and Django's exceptions) with
their `code=` (or the class's default_code), `default_code = "…"` in class bodies, and `{"code": …, "detail": …}`
answers built by hand. A code missing from the catalogue fails here, named with its file and line."""

import ast
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import gongzhi
from gongzhi.core.errors import (
    COMMON,
    DOC_END,
    DOC_START,
    ErrorCode,
    catalogue_markdown,
    catalogues,
    codes_for,
)

ROOT = Path(gongzhi.__file__).resolve().parent

# The refusals' classes and the code each answers when no `code=` is given (core.api.exception_handler).
BASE_CODES = {
    "ServiceError": "invalid",
    "IllegalTransition": "illegal_transition",
    "PermissionDeniedError": "permission_denied",
    "RateLimited": "rate_limited",
    "NotFoundError": "not_found",
}
FRAMEWORK_CODES = {  # DRF's and Django's exceptions as the handler renders them; their `code=` is not the answer's
    "ValidationError": "invalid",
    "ParseError": "parse_error",
    "NotFound": "not_found",
    "Http404": "not_found",
    "PermissionDenied": "permission_denied",
    "NotAuthenticated": "not_authenticated",
    "AuthenticationFailed": "authentication_failed",
    "Throttled": "throttled",
}


def source_files() -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob("*.py")
        if not {"tests", "migrations"} & set(p.relative_to(ROOT).parts) and p.name != "errors.py"
    )


def app_of(path: Path) -> str:
    """gongzhi/<app>/…: that app; the project's own modules (gongzhi/urls.py …) count as core's."""
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else "core"


def _name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def refusal_classes(trees: dict) -> dict[str, str]:
    """{class name: default code} for ServiceError and every subclass defined anywhere in the source."""
    classes = dict(BASE_CODES)
    changed = True
    while changed:
        changed = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef) or node.name in classes:
                    continue
                parent = next((_name(b) for b in node.bases if _name(b) in classes), None)
                if parent is None:
                    continue
                code = classes[parent]
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(_name(t) == "default_code" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                    ):
                        code = str(statement.value.value)
                classes[node.name] = code
                changed = True
    return classes


def _code_value(node):
    """A literal code, `ErrorCode.NAME` as ("ErrorCode", NAME), or None when it is computed (a re-raise)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and _name(node.value) == "ErrorCode":
        return ("ErrorCode", node.attr)
    return None


def raised_codes(tree, classes: dict[str, str]) -> list[tuple[int, object]]:
    """(line, code) for every refusal in one module's tree."""
    found: list[tuple[int, object]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in classes:
                keyword = next((k.value for k in node.keywords if k.arg == "code"), None)
                if keyword is None and len(node.args) >= 2:
                    keyword = node.args[1]
                if keyword is None:
                    found.append((node.lineno, classes[name]))
                elif (code := _code_value(keyword)) is not None:
                    found.append((node.lineno, code))
            elif name in FRAMEWORK_CODES and (
                isinstance(node.func, ast.Attribute) or name not in ("ValidationError", "PermissionDenied")
            ):
                found.append((node.lineno, FRAMEWORK_CODES[name]))
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(_name(t) == "default_code" for t in statement.targets)
                    and (code := _code_value(statement.value)) is not None
                ):
                    found.append((statement.lineno, code))
        elif isinstance(node, ast.Dict):
            keys = {
                k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)
            }
            if "code" in keys and "detail" in keys and (code := _code_value(keys["code"])) is not None:
                found.append((node.lineno, code))
    return found


def missing(files: list[Path], registered: dict) -> list[str]:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    classes = refusal_classes(trees)
    problems = []
    for path, tree in trees.items():
        app = app_of(path)
        catalogue = registered.get(app)
        for line, code in raised_codes(tree, classes):
            where = f"{path.relative_to(ROOT.parent)}:{line}"
            if catalogue is None:
                problems.append(
                    f"{where}: {app} raises {code!r} but has no catalogue (gongzhi/{app}/errors.py)"
                )
            elif isinstance(code, tuple):
                if code[1] not in catalogue.__members__:
                    problems.append(f"{where}: ErrorCode.{code[1]} is not in gongzhi/{app}/errors.py")
            elif code not in catalogue.values:
                problems.append(
                    f"{where}: code {code!r} is raised but not in gongzhi/{app}/errors.py ErrorCode"
                )
    return problems


def test_every_raised_code_is_in_its_apps_catalogue():
    problems = missing(source_files(), catalogues())
    assert not problems, "\n".join(problems)


def test_the_walk_finds_every_form_of_refusal():
    app = ROOT / "credit"  # a path inside an app; the text is ours
    source = (
        "class Gone(ServiceError):\n"
        "    default_code = 'gone'\n"
        "def f():\n"
        "    raise ServiceError('x', code='spelled')\n"
        "    raise ServiceError('x', 'positional')\n"
        "    raise Gone('x')\n"
        "    raise IllegalTransition('x')\n"
        "    raise exceptions.ParseError()\n"
        "    return Response({'code': 'by_hand', 'detail': 'x'})\n"
        "    raise ServiceError('x', code=ErrorCode.NO_SUCH)\n"
        "    raise ServiceError(exc.message, code=exc.code)\n"
    )
    tree = ast.parse(source)
    codes = {code for _line, code in raised_codes(tree, refusal_classes({app: tree}))}
    assert codes == {
        "gone",
        "spelled",
        "positional",
        "illegal_transition",
        "parse_error",
        "by_hand",
        ("ErrorCode", "NO_SUCH"),
    }


def test_an_unlisted_code_is_named_with_its_file_and_line(tmp_path, monkeypatch):
    package = tmp_path / "gongzhi"
    (package / "credit").mkdir(parents=True)
    module = package / "credit" / "services.py"
    module.write_text("def f():\n    raise ServiceError('x', code='not_listed')\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", package)
    problems = missing([module], catalogues())
    assert problems == [
        "gongzhi/credit/services.py:2: code 'not_listed' is raised but not in gongzhi/credit/errors.py ErrorCode"
    ]
    assert missing([module], {}) == [
        "gongzhi/credit/services.py:2: credit raises 'not_listed' but has no catalogue (gongzhi/credit/errors.py)"
    ]


@pytest.mark.parametrize("app", sorted(catalogues()))
def test_every_code_says_in_chinese_when_it_happens(app):
    for code in catalogues()[app]:
        assert code.value.isidentifier() and code.value == code.value.lower(), (app, code.value)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(code.label)), (app, code.value, code.label)


def test_every_app_with_an_api_has_a_catalogue():
    apps_with_api = {p.parent.name for p in ROOT.glob("*/api.py")} - {"core"}
    assert apps_with_api <= set(catalogues()), apps_with_api - set(catalogues())


def test_an_apps_codes_in_the_schema_are_its_own_then_the_common_ones():
    codes = [code for code, _label in codes_for("credit")]
    assert codes[: len(catalogues()["credit"])] == list(catalogues()["credit"].values)
    assert set(COMMON) <= set(codes) and len(codes) == len(set(codes))
    assert [code for code, _label in codes_for("no_such_app")] == list(ErrorCode.values)


def test_docs_api_md_lists_every_apps_codes():
    """docs/api.md holds the catalogues as they are: after changing one, run `gongzhi error_codes --write docs/api.md`."""
    text = (ROOT.parent / "docs" / "api.md").read_text(encoding="utf-8")
    start, end = text.index(DOC_START), text.index(DOC_END) + len(DOC_END)
    assert text[start:end] == catalogue_markdown(), "run: gongzhi error_codes --write docs/api.md"
    for label, codes in catalogues().items():
        assert f"#### {label} (" in text
        for code in codes:
            assert f"| `{code.value}` | {code.label} |" in text, (label, code.value)


def test_the_command_rewrites_only_its_block(tmp_path):
    doc = tmp_path / "api.md"
    doc.write_text(f"# before\n\n{DOC_START}\nstale\n{DOC_END}\n\n# after\n", encoding="utf-8")
    call_command("error_codes", write=str(doc), stdout=StringIO())
    assert doc.read_text(encoding="utf-8") == f"# before\n\n{catalogue_markdown()}\n\n# after\n"
    (tmp_path / "none.md").write_text("# nothing to replace\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("error_codes", write=str(tmp_path / "none.md"), stdout=StringIO())

"""The tests need nothing outside the repository: Slack's reference data is vendored."""

from pathlib import Path

from tests.fakeslack.reference import DEFAULT_REFERENCE_DIR

ROOT = Path(__file__).resolve().parents[1]
# What reading the folder beside the checkout looks like. The path is joined from its parts so
# that this guard (the one file allowed to name the folder) does not spell the path it forbids.
NEEDLES = ("/".join(("..", "shared")), '"shared"', "slack-reference")


def test_the_slack_reference_is_inside_the_repository_with_its_licences():
    reference = DEFAULT_REFERENCE_DIR.resolve()
    assert reference.is_relative_to(ROOT)
    for licence in ("methods/LICENSE.md", "payloads/LICENSE", "manifest-schema/LICENSE"):
        assert (reference / licence).is_file(), licence
    assert (reference / "methods" / "chat.postMessage.json").is_file()
    assert (reference / "events.json").is_file()


def test_no_code_reads_the_shared_folder_beside_the_checkout():
    offenders = []
    for folder in ("bot", "commands", "storage", "migrations", "tests", "bench", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if not path.is_file() or path.suffix not in {".py", ".toml", ".ini", ""}:
                continue
            if "reference" in path.relative_to(ROOT).parts[:2] or path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(needle in text for needle in NEEDLES):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []

"""`safetynet policy check`: every shipped pack validates; a broken one is named with what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from services import policy_check
from services.cli import main

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_the_shipped_packs_all_validate() -> None:
    report: list[str] = []
    assert policy_check.check(POLICIES, report)
    checked = [line for line in report if line.startswith("✓")]
    assert len(checked) == len(list(POLICIES.glob("*.yaml"))) >= 5
    assert any("pending figure — monitoring_standard" in line for line in report)  # Pengshui's 防止返贫监测标准


def test_a_pack_referring_to_an_undefined_figure_fails_naming_it(tmp_path: Path) -> None:
    text = (POLICIES / "shanxi-2022.yaml").read_text(encoding="utf-8")
    broken = text.replace('threshold: "6000.00"', "threshold: {figure: provincial_income_2021, share: '0.25'}")
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    report: list[str] = []
    assert not policy_check.check(tmp_path, report)
    assert report[0] == "✗ broken.yaml"
    assert "provincial_income_2021" in report[1]


def test_the_command_exits_non_zero_on_a_broken_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty-rules.yaml").write_text("id: x\nname: x\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["policy", "check", str(tmp_path)])
    assert exited.value.code == 1
    output = capsys.readouterr().out
    assert "✗ empty-rules.yaml" in output and "region_code: Field required" in output

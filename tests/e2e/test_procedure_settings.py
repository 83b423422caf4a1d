"""kb.yml's settings that name the documents accounts are worked from: `kb check` holds them to
documents that exist and are in force."""

from __future__ import annotations

import pytest

from conftest import codes, only


@pytest.mark.parametrize("setting", ["account_review_checklist", "account_transition_checklist"])
def test_a_setting_naming_an_unknown_document_is_an_error_on_its_line(kb, setting):
    kb.write("kb.yml", kb.read("kb.yml") + f"\n{setting}: SOP-OPS-002\n")
    line = kb.read("kb.yml").splitlines().index(f"{setting}: SOP-OPS-002") + 1
    result = kb.check()
    assert result.code == 1
    assert (f"kb.yml:{line}:{len(setting) + 3}: error: {setting} names unknown document 'SOP-OPS-002', "
            "did you mean 'SOP-OPS-001'? [unknown-document]") in result.out
    assert "Traceback" not in result.out + result.err


def test_a_setting_naming_a_document_that_exists_is_fine(kb):
    kb.write("kb.yml", kb.read("kb.yml") + "\naccount_transition_checklist: SOP-OPS-001\n")
    assert "unknown-document" not in codes(kb.findings())
    assert kb.check().code == 0


def test_a_setting_naming_a_retired_document_is_a_warning(kb):
    kb.write("kb.yml", kb.read("kb.yml") + "\naccount_transition_checklist: SOP-OPS-001\n")
    kb.edit("sops/ops/SOP-OPS-001.md", "status: approved", "status: retired")
    found = only([f for f in kb.findings() if f["path"] == "kb.yml"], "retired-reference")
    assert found["severity"] == "warning"
    assert found["message"] == "account_transition_checklist: SOP-OPS-001 is retired"

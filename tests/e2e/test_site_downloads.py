"""Files the site publishes beside its pages: blank checklists and /api/pages.json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from conftest import SITE_TODAY, run_kb
from kbtools.reviews import review_items


def test_documents_with_steps_offer_their_blank_checklist(sites, capsys):
    page = sites.page("internal", "sops/tpl-care-001.md")
    for fmt in ("md", "csv", "html"):
        assert f'href="../../checklists/tpl-care-001.{fmt}"' in page
    published = (sites.internal / "checklists" / "tpl-care-001.md").read_text(encoding="utf-8")
    cli = run_kb(["checklist", "TPL-CARE-001", "--root", str(sites.kb), "--today", SITE_TODAY], capsys)
    assert published == cli.out
    rows = list(csv.DictReader(io.StringIO((sites.internal / "checklists" / "tpl-care-001.csv").read_text())))
    assert {r["step"] for r in rows} == {str(n) for n in range(1, 12)}
    printable = (sites.internal / "checklists" / "tpl-care-001.html").read_text(encoding="utf-8")
    assert printable.startswith("<!DOCTYPE html>") and "@media print" in printable
    assert "default-src 'none'" in printable and "<script" not in printable


def test_a_document_divided_into_runs_offers_each_runs_checklist(sites, capsys):
    page = sites.page("internal", "sops/tpl-care-001.md")
    for run in ("setup", "review"):
        for fmt in ("md", "csv", "html"):
            assert f'href="../../checklists/tpl-care-001.{run}.{fmt}"' in page
        published = (sites.internal / "checklists" / f"tpl-care-001.{run}.md").read_text(encoding="utf-8")
        cli = run_kb(["checklist", "TPL-CARE-001", "--run", run, "--root", str(sites.kb), "--today", SITE_TODAY],
                     capsys)
        assert published == cli.out
    review = (sites.internal / "checklists" / "tpl-care-001.review.md").read_text(encoding="utf-8")
    assert "Compare the quarter with the baseline" in review and "Record the baseline" not in review
    assert "First set-up only" in page and "Periodic review only" in page


def test_account_pages_offer_the_periodic_review_checklist(sites):
    page = sites.page("internal", "accounts/acc-00202.md")
    assert 'href="../../checklists/tpl-care-001.review.md"' in page
    assert "kb checklist TPL-CARE-001 --account ACC-00202 --run review" in page
    assert "Every 6 months: the policy&#39;s longest for tier 2." in page


def test_documents_without_steps_offer_none(sites, site_kb):
    assert not site_kb.docs["POL-CARE-001"].model.steps
    assert "checklists/" not in sites.page("internal", "sops/pol-care-001.md")
    assert not (sites.internal / "checklists" / "pol-care-001.md").exists()


def test_public_build_publishes_checklists_of_public_documents_only(sites, site_kb):
    published = {p.name.split(".")[0].upper() for p in (sites.public / "checklists").glob("*")}
    assert published == {"ART-DSK-002"}  # the one public document with steps
    assert all(site_kb.docs[i].model.audience == "public" for i in published)
    assert not (sites.public / "checklists" / "tpl-care-001.md").exists()


def test_pages_api_lists_every_page_with_its_review_state(sites, site_kb):
    api = json.loads((sites.internal / "api" / "pages.json").read_text())
    assert api["version"] == 1 and api["today"] == SITE_TODAY
    pages = {(p["kind"], p["id"]): p for p in api["pages"]}
    published = {i for i, e in site_kb.docs.items() if e.model.audience != "restricted"}
    assert {i for k, i in pages if k == "sop"} == published
    assert {i for k, i in pages if k == "account"} == set(site_kb.accounts)
    for item in review_items(site_kb, dt.date.fromisoformat(SITE_TODAY)):
        if item.kind == "account-plan" or (item.kind == "sop" and site_kb.docs[item.id].model.audience == "restricted"):
            continue
        page = pages[(item.kind, item.id)]
        assert (page["state"], page["due"], page["owner"]) == (item.state, item.due.isoformat(), item.owner)
    page = pages[("sop", "SOP-FLD-001")]
    assert page["url"] == "/sops/sop-fld-001/" and page["title"] == site_kb.docs["SOP-FLD-001"].model.title
    assert (sites.internal / "sops" / "sop-fld-001" / "index.html").exists()


def test_public_pages_api_holds_public_documents_only(sites, site_kb):
    api = json.loads((sites.public / "api" / "pages.json").read_text())
    assert api["audience"] == "public"
    # and the retired ART-DSK-004, whose page sends readers to its public successor
    assert {p["id"] for p in api["pages"]} == {"ART-DSK-001", "ART-DSK-002", "ART-DSK-004"}
    assert all(p["kind"] == "sop" for p in api["pages"])
    assert all(site_kb.docs[p["id"]].model.audience == "public" for p in api["pages"])

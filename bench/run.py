#!/usr/bin/env python3
"""Benchmark `kb check` on a large synthetic knowledge base.

    .venv/bin/python bench/run.py [--sops N] [--accounts N] [--out DIR] [--keep]

Generates a deterministic, valid knowledge base (default 5,000 SOPs and
20,000 accounts, plus the org registry, glossary and the repository's kb.yml)
under DIR (default `.bench/` in the repository root, which git ignores), then
measures, each the best of --repeat runs of a fresh subprocess (wall clock,
`time.perf_counter`; peak RSS from `os.wait4`):

  (a) baseline: read every SOP, account and org file once and parse it with
      bare `yaml.load(text, Loader=yaml.CSafeLoader)`;
  (b) `kb check` over the whole knowledge base;
  (c) `check-jsonschema --schemafile schemas/account.schema.json` over every
      account file (extrapolated from a subset when a full run would take
      longer than --jsonschema-budget seconds; the report says so);
  (d) `kb check` over a second knowledge base holding only the same accounts
      (plus org/ and kb.yml), so that (c) and (d) compare the same files.

(a), (b) and (d) run interleaved (a b d a b d ...), so that load from other
work on the machine hits them alike; the load average is recorded, and a
warning is printed if the kbtools sources change while the benchmark runs.

Targets: (b)/(a) <= 1.5, (c)/(d) >= 5, peak RSS of (b) <= 500 MB. A missed
target is reported, not an error. Exit codes: 0 the benchmark ran (targets
met or not), 1 the generated knowledge base is not valid or a measured command
failed, 2 wrong usage or the benchmark could not run.

Results are printed and written to DIR/results.json. The generated knowledge
bases are deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The venv's bin: the repository's .venv if there is one, else this interpreter's.
BIN = REPO / ".venv" / "bin" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.executable).parent
TODAY = "2026-11-22"
MARKER = ".kb-bench"  # marks a folder this script generated (safe to delete)

TARGET_CHECK_VS_BASELINE = 1.5  # (b)/(a) at most
TARGET_JSONSCHEMA_VS_CHECK = 5.0  # (c)/(d) at least
TARGET_PEAK_MB = 500.0  # peak RSS of (b) at most


class BenchError(Exception):
    """An expected failure: printed without a traceback, exit code `code`."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


# =============================================================================
# Generation
# =============================================================================
#
# Everything below derives from `random.Random(<string seed>)` per record, so a
# record's content depends only on the seed and its index (string seeds are
# hashed with SHA-512, independent of PYTHONHASHSEED). The same --seed and
# sizes always give byte-identical files.

D0 = dt.date(2026, 1, 1)

# (slug, id code, name)
DEPARTMENTS = [
    ("csc", "CSC", "Customer Solutions Center"),
    ("cs", "CS", "Customer Success"),
    ("sales", "SAL", "Sales"),
    ("am", "AM", "Account Management"),
    ("strategic", "SAD", "Strategic Accounts Delivery"),
    ("support", "SUP", "Technical Support"),
    ("ops", "OPS", "Operations"),
    ("finance", "FIN", "Finance"),
    ("people", "HR", "People and Culture"),
    ("it", "IT", "Information Technology"),
    ("legal", "LEG", "Legal and Compliance"),
    ("marketing", "MKT", "Marketing"),
]
DOC_TYPES_CYCLE = ["sop", "sop", "process", "sop", "policy", "template", "sop", "article", "process", "sop"]
DOC_PREFIX = {"sop": "SOP", "policy": "POL", "process": "PRC", "template": "TPL", "article": "ART"}

# (id, name, abbreviation, department)
ROLES = [
    ("am", "Account Manager", "AM", "am"),
    ("im", "Implementation Manager", "IM", "csc"),
    ("ssm", "Sales Support Manager", "SSM", "csc"),
    ("csm", "Customer Success Manager", "CSM", "cs"),
    ("kam", "Key Account Manager", "KAM", "am"),
    ("nam", "National Account Manager", "NAM", "sales"),
    ("ram", "Regional Account Manager", "RAM", "sales"),
    ("manager", "Manager", None, None),
    ("director", "Director", None, None),
    ("support-agent", "Support Agent", None, "support"),
    ("support-engineer", "Support Engineer", None, "support"),
    ("analyst", "Analyst", None, "finance"),
    ("trainer", "Trainer", None, "people"),
    ("auditor", "Internal Auditor", None, "legal"),
    ("it-admin", "IT Administrator", None, "it"),
]
ROLE_IDS = [r[0] for r in ROLES]
WORK_ROLES = ["am", "im", "ssm", "csm", "kam", "nam", "ram", "support-agent", "support-engineer", "analyst"]
TEAM_SUFFIXES = ["core", "ops"]  # two teams per department

FIRST = ["Maya", "Tomas", "Lena", "Rohan", "Wei", "Jonas", "Amara", "Felix", "Sofia", "Diego",
         "Hana", "Ivan", "Nora", "Omar", "Priya", "Lucas", "Elif", "Marco", "Ines", "Kofi",
         "Yara", "Pavel", "Greta", "Tariq", "Mila", "Oscar", "Leila", "Bruno", "Anya", "Chen",
         "Rosa", "Emil", "Zara", "Hugo", "Keiko", "Nils", "Aisha", "Viktor", "Clara", "Ravi"]
LAST = ["Okafor", "Brandt", "Chen", "Patel", "Tan", "Lindqvist", "Voss", "Moreau", "Garcia", "Novak",
        "Kowalski", "Haddad", "Silva", "Nakamura", "Jensen", "Rossi", "Dubois", "Yilmaz", "Costa", "Mensah",
        "Petrov", "Schmidt", "Larsen", "Ali", "Fischer", "Romero", "Ivanova", "Kim", "Byrne", "Sato",
        "Weber", "Horvat", "Ahmed", "Keller", "Olsen", "Ruiz", "Meyer", "Banda", "Quinn", "Varga"]

GLOSSARY = [
    ("SOP", "Standard Operating Procedure", "A written, step-by-step procedure for a recurring task."),
    ("IM", "Implementation Manager", "Keeps account data in iSeries and Salesforce in step."),
    ("SSM", "Sales Support Manager", "Produces account reporting and supports established accounts."),
    ("CSM", "Customer Success Manager", "Looks after a customer after the sale."),
    ("KAM", "Key Account Manager", "Owns the relationship with a key account."),
    ("NAM", "National Account Manager", "Owns national accounts."),
    ("RAM", "Regional Account Manager", "Owns regional accounts."),
    ("NA", "National Account", "A customer operating sites in several regions."),
    ("RA", "Regional Account", "A customer operating sites in one region."),
    ("CSC", "Customer Solutions Center", "The team that runs account changes and reporting."),
    ("SF", "Salesforce", "The CRM that holds accounts, opportunities and cases."),
    ("iSeries", None, "The back-office system of record for account and billing data."),
    ("POS", "Point of Sale", "The in-store system that rings up sales."),
    ("SLA", "Service Level Agreement", "The response and resolution times promised to a customer."),
    ("QBR", "Quarterly Business Review", "A review meeting held with a customer every quarter."),
    ("KPI", "Key Performance Indicator", "A measure tracked against a target."),
    ("RCA", "Root Cause Analysis", "A written analysis of why an incident happened."),
    ("PO", "Purchase Order", "A buyer's document authorising a purchase."),
    ("EDI", "Electronic Data Interchange", "Structured documents exchanged between systems."),
    ("ETA", "Estimated Time of Arrival", "When something is expected to be ready."),
    ("MSA", "Master Services Agreement", "The framework contract with a customer."),
    ("SOW", "Statement of Work", "The scope, deliverables and schedule of one engagement."),
    ("NPS", "Net Promoter Score", "A loyalty measure from a single survey question."),
    ("ARR", "Annual Recurring Revenue", "Revenue a customer pays every year."),
    ("CRM", "Customer Relationship Management", "Software that tracks customer interactions."),
    ("PII", "Personally Identifiable Information", "Data that identifies a person."),
    ("RFP", "Request for Proposal", "A customer's invitation to bid."),
    ("UAT", "User Acceptance Testing", "Testing by the customer before go-live."),
    ("KT", "Knowledge Transfer", "Handing over what one team knows to another."),
    ("T1", "Tier 1 escalation", "An escalation handled by the first support line."),
    ("Pricebook", None, "The list of item prices pushed to the stores."),
    ("Scan Data", None, "Item-level sales data sent to manufacturer programs."),
    ("Loyalty", None, "The points and rewards program offered to shoppers."),
    ("Fleet Card", None, "A payment card for commercial vehicle fleets."),
    ("Forecourt", None, "The fuel-pump area of a fuel station."),
    ("Go-live", None, "The day a customer starts using a new system in production."),
    ("Health", None, "The green, yellow or red status of an account."),
    ("Tier", None, "How strategic an account is: 1 strategic, 2 key, 3 standard."),
    ("Account plan", None, "The yearly plan agreed for a tier 1 or 2 account."),
    ("Escalation", None, "A customer issue raised above normal handling."),
]
TERM_ALIASES = {"SF": ["Salesforce"], "iSeries": ["AS400", "IBM i"], "Go-live": ["go live"], "T1": ["Tier-1"]}

PRODUCTS = ["POS", "Pricebook", "Scan Data", "Loyalty", "Customer Portal", "Fleet Cards", "Back Office",
            "Fuel Pricing", "Inventory", "Payments", "Car Wash", "Mobile App"]
SEGMENTS = ["NA", "RA"]

VERBS = ["Gather", "Confirm", "Update", "Review", "Record", "Notify", "Prepare", "Check", "Send",
         "Reconcile", "Schedule", "Verify", "Archive", "Escalate", "Approve", "Hand over", "Publish", "Train"]
OBJECTS = ["account records", "site list", "billing data", "price changes", "contract terms", "inventory load",
           "customer contacts", "report package", "support tickets", "escalation notes", "access rights",
           "product configuration", "go-live checklist", "invoice batch", "training plan", "data export",
           "service levels", "renewal quote", "handover notes", "change request"]
CONTEXTS = ["for national accounts", "for regional accounts", "after a go-live", "before the quarterly review",
            "for a new site", "when a customer leaves", "for a price update", "at month end",
            "for a bid", "after an escalation", "for strategic accounts", "during onboarding"]
ITEM_TEXTS = ["Requester and account identified", "Request type confirmed", "Sites and effective date confirmed",
              "Changes checked against the original request", "Records match in both systems",
              "Owner told about the outcome", "Evidence attached to the case", "Customer informed by email",
              "Data gaps sent back to the requester", "Approval recorded in the ticket",
              "Follow-up date set in the calendar", "Account health updated", "Open tickets reviewed",
              "Contract and invoices attached", "Risks written down with an owner", "Checklist saved with the account",
              "Second person checked the totals", "Discrepancies logged with the affected sites",
              "Summary posted in the team channel", "Next review date agreed"]
GUIDANCE = ["Confirm what is asked before changing anything; a wrong change costs more than a short delay.",
            "Only continue once every account in the request has been updated in both systems.",
            "Use whichever channel fits the situation, but write down anything that changes an account.",
            "If the customer is tier 1, tell the account manager the same day.",
            "Keep the original request attached so the next person can see why the change was made.",
            "Stop and escalate when the numbers do not reconcile after a second check.",
            "Give enough detail that someone unfamiliar with the account could pick it up tomorrow.",
            "This step can happen at any point in the week; the owner keeps it until it is settled."]
RESPONSIBILITIES = ["Runs the procedure end to end", "Keeps the records accurate and current",
                    "Tells the other roles when data is ready", "Settles discrepancies that surface",
                    "Approves the result before it reaches the customer", "Keeps the team's procedure current",
                    "Sends requests with complete information", "Flags risks as early as possible",
                    "Owns the relationship with the customer", "Reviews the outcome every quarter"]
BODY_SENTENCES = [
    "This procedure makes sure everyone involved works as one team and the customer sees a single, consistent answer.",
    "It covers the everyday coordination between the roles listed above and the hand-offs between them.",
    "Clear and timely communication is what keeps day-to-day operations predictable.",
    "It does not cover new-customer implementations, which start from the intake process.",
    "Anything that changes an account or a report should also be written down so the other person has a record.",
    "When in doubt, ask the owner of this document before improvising a new step.",
    "The checklist generated from the steps above is the record that the work was done.",
    "Deviations are allowed in an emergency, but they must be written up within two working days.",
    "Reports are only generated once the data has been confirmed complete.",
    "The owner reviews this document at least once a year and after any serious incident.",
    "Customers are told about changes that affect them before the change takes effect.",
    "Keep personal data out of tickets and chat messages; link to the account record instead.",
    "Every approval names the person who approved and the date it happened.",
    "Escalate to the team lead when a step cannot be completed within its due date.",
    "Use the templates in the knowledge base rather than copies saved on a laptop.",
    "Training for new team members walks through this procedure with a real example.",
]
TAGS = ["csc", "implementation", "sales-support", "national-accounts", "regional-accounts", "billing",
        "reporting", "onboarding", "offboarding", "escalation", "pricing", "inventory", "support", "training",
        "compliance", "security", "finance", "quarterly", "customer-success", "data-quality"]
COMPANY_A = ["Harborline", "Summit", "Prairie", "Bluewater", "Redrock", "Northgate", "Silverleaf", "Eastport",
             "Pinecrest", "Goldfield", "Riverside", "Ironwood", "Lakeshore", "Westbrook", "Stonebridge", "Clearview"]
COMPANY_B = ["Fuel", "Travel", "Market", "Petroleum", "Energy", "Food", "Convenience", "Express", "Gas", "Retail"]
COMPANY_C = ["Stations", "Centers", "Co", "Group", "Stores", "Partners", "Holdings", "Stops", "Ltd", "Inc"]
TICKET_SUMMARIES = ["Scan data export format mismatch", "Loyalty points not posting for split tenders",
                    "Custom fleet card report", "Price book not syncing to three sites",
                    "Receipt printer drops the logo", "Back office login loops after update",
                    "Car wash codes not accepted", "Mobile app offers not shown at POS",
                    "Inventory counts off after month end", "Payment terminal timeouts at peak hours"]
ESCALATION_SUMMARIES = ["Fuel price changes not reaching forecourt POS", "Scan data files rejected by program",
                        "Truck diesel pump authorisation delays", "Loyalty outage during promotion weekend",
                        "Invoice totals disagree with contract pricing"]
OPP_NAMES = ["Loyalty rollout", "Scan Data program expansion", "Fleet card add-on", "Mobile app pilot",
             "Back office upgrade", "Car wash integration", "Pricebook automation"]
OPP_STAGES = [("Prospecting", "open"), ("Proposal", "open"), ("Negotiation", "open"),
              ("Closed", "closed-won"), ("Closed", "closed-lost")]
CONTACT_TITLES = ["Director of Retail Technology", "IT Manager", "Operations Manager", "Head of Finance",
                  "Store Systems Lead", "Procurement Manager", "VP Operations"]
TRANSITION_REASONS = ["Owner moved to another region", "Workload rebalanced across the team",
                      "Account moved to the strategic segment", "Owner on extended leave"]

SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/{}.schema.json\n"


def _plain_ok(s: str) -> bool:
    """True when `s` can be written as a plain YAML scalar in block context."""
    if not s or s != s.strip() or s[0] in "!&*-?:,[]{}#|>@`\"'%":
        return False
    if ": " in s or " #" in s or s.endswith(":"):
        return False
    low = s.lower()
    if low in ("yes", "no", "on", "off", "true", "false", "null", "~", "y", "n"):
        return False
    try:
        float(s)
        return False
    except ValueError:
        pass
    return True


def q(s: str) -> str:
    """A YAML scalar for `s`: plain when safe, else double-quoted."""
    return s if _plain_ok(s) else json.dumps(s)


def flow(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def slug(s: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in s.lower()).strip("-").replace("--", "-")


def rdate(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


@dataclass
class Org:
    people: list[dict]
    teams: list[dict]
    am_people: list[str]  # active people holding role am (account owners)
    active_people: list[str]
    inactive_people: list[str]
    people_by_role: dict[str, list[str]]
    term_names: list[str]


def build_org(seed: str, n_people: int) -> Org:
    rng = random.Random(f"{seed}:org")
    teams = []
    for slug_, _code, name in DEPARTMENTS:
        for suffix in TEAM_SUFFIXES:
            teams.append({"id": f"{slug_}-{suffix}", "name": f"{name} {suffix}", "department": slug_})
    # The Knowledge Management Team (kmt_team in kb.yml) governs every document.
    teams.append({"id": "kmt", "name": "Knowledge Management Team", "department": "ops"})
    n_am = min(200, n_people)
    n_inactive = max(0, min(10, n_people - n_am - 5))
    people = []
    used: set[str] = set()
    for i in range(n_people):
        first = FIRST[i % len(FIRST)]
        last = LAST[(i // len(FIRST) * 7 + i * 3) % len(LAST)]
        base = (first[0] + last).lower()
        ident, k = base, 1
        while ident in used:
            k += 1
            ident = f"{base}{k}"
        used.add(ident)
        if i < n_am:
            roles = ["am"] + ([rng.choice(["kam", "nam", "ram", "manager"])] if rng.random() < 0.3 else [])
            title = "Account Manager"
        else:
            role = WORK_ROLES[1 + (i % (len(WORK_ROLES) - 1))]
            roles = [role] + (["manager"] if rng.random() < 0.2 else [])
            title = dict((r[0], r[1]) for r in ROLES)[role]
        active = i < n_people - n_inactive
        person = {"id": ident, "name": f"{first} {last}", "email": f"{ident}@northwind.example",
                  "title": title, "roles": roles, "team": teams[i % len(teams)]["id"], "active": active,
                  "github": f"nw-{ident}"}
        if not active:
            person["left"] = rdate(rng, dt.date(2025, 6, 1), dt.date(2026, 10, 31))
        people.append(person)
    # Every team gets an active lead (and active members: people are spread round-robin).
    for team in teams:
        members = [p for p in people if p["team"] == team["id"] and p["active"]]
        team["lead"] = members[0]["id"] if members else None
        team["github"] = f"northwind/{team['id']}"
        team["description"] = f"Runs the day-to-day work of {team['name'].lower()}."
    by_role: dict[str, list[str]] = {r: [] for r in ROLE_IDS}
    for p in people:
        if p["active"]:
            for r in p["roles"]:
                by_role[r].append(p["id"])
    term_names = [t[0] for t in GLOSSARY] + [a for al in TERM_ALIASES.values() for a in al]
    return Org(
        people=people, teams=teams,
        am_people=[p["id"] for p in people if p["active"] and "am" in p["roles"]],
        active_people=[p["id"] for p in people if p["active"]],
        inactive_people=[p["id"] for p in people if not p["active"]],
        people_by_role=by_role, term_names=term_names,
    )


def write_org(root: Path, org: Org, doc_ids: list[str], seed: str) -> int:
    d = root / "org"
    d.mkdir(parents=True, exist_ok=True)
    out = [SCHEMA_LINE.format("departments"), "departments:\n"]
    for slug_, code, name in DEPARTMENTS:
        out.append(f"  - id: {slug_}\n    name: {q(name)}\n")
        if code != slug_.upper():  # the department part of document ids
            out.append(f"    code: {code}\n")
        out.append(f"    description: {q('Everything ' + name + ' owns and runs.')}\n")
    (d / "departments.yaml").write_text("".join(out), encoding="utf-8")

    out = [SCHEMA_LINE.format("teams"), "teams:\n"]
    for t in org.teams:
        out.append(f"  - id: {t['id']}\n    name: {q(t['name'])}\n    department: {t['department']}\n")
        if t["lead"]:
            out.append(f"    lead: {t['lead']}\n")
        out.append(f"    github: {t['github']}\n    description: {q(t['description'])}\n")
    (d / "teams.yaml").write_text("".join(out), encoding="utf-8")

    out = [SCHEMA_LINE.format("roles"), "roles:\n"]
    for ident, name, abbr, dept in ROLES:
        out.append(f"  - id: {ident}\n    name: {q(name)}\n")
        if abbr:
            out.append(f"    abbreviation: {abbr}\n")
        if dept:
            out.append(f"    department: {dept}\n")
        out.append(f"    description: >-\n      The {name.lower()} role as used in the procedures of this knowledge base.\n")
    (d / "roles.yaml").write_text("".join(out), encoding="utf-8")

    out = [SCHEMA_LINE.format("people"), "people:\n"]
    for p in org.people:
        out.append(
            f"  - id: {p['id']}\n    name: {q(p['name'])}\n    email: {p['email']}\n    title: {q(p['title'])}\n"
            f"    roles: {flow(p['roles'])}\n    team: {p['team']}\n    active: {'true' if p['active'] else 'false'}\n"
        )
        if "left" in p:
            out.append(f"    left: {p['left'].isoformat()}\n")
        out.append(f"    github: {p['github']}\n")
    (d / "people.yaml").write_text("".join(out), encoding="utf-8")

    rng = random.Random(f"{seed}:glossary")
    out = [SCHEMA_LINE.format("glossary"), "terms:\n"]
    for term, expansion, definition in GLOSSARY:
        out.append(f"  - term: {q(term)}\n")
        if expansion:
            out.append(f"    expansion: {q(expansion)}\n")
        out.append(f"    definition: {q(definition)}\n")
        if term in TERM_ALIASES:
            out.append(f"    aliases: {flow(q(a) for a in TERM_ALIASES[term])}\n")
        if doc_ids:
            out.append(f"    related: {flow(rng.sample(doc_ids, min(2, len(doc_ids))))}\n")
    (d / "glossary.yaml").write_text("".join(out), encoding="utf-8")
    return 5


def doc_ids_for(n: int) -> list[tuple[str, str, str]]:
    """(id, type, department slug) of document i, by index arithmetic."""
    counters: dict[tuple[str, str], int] = {}
    result = []
    for i in range(n):
        slug_, code, _name = DEPARTMENTS[i % len(DEPARTMENTS)]
        typ = DOC_TYPES_CYCLE[(i // len(DEPARTMENTS)) % len(DOC_TYPES_CYCLE)]
        k = counters.get((slug_, typ), 0) + 1
        if k > 999:
            raise BenchError(f"--sops {n} is too many: document ids have three digits per department and type")
        counters[(slug_, typ)] = k
        result.append((f"{DOC_PREFIX[typ]}-{code}-{k:03d}", typ, slug_))
    return result


def write_doc(root: Path, i: int, docs: list[tuple[str, str, str]], org: Org, seed: str) -> None:
    rng = random.Random(f"{seed}:doc:{i}")
    ident, typ, dept = docs[i]
    roll = rng.random()
    status = "approved" if roll < 0.8 else "in-review" if roll < 0.92 else "draft"
    team_ids = [t["id"] for t in org.teams]
    if rng.random() < 0.6:
        owner = f"team:{dept}-{rng.choice(TEAM_SUFFIXES)}"
    else:
        owner = f"person:{rng.choice(org.active_people)}"
    title = f"{rng.choice(VERBS)} the {rng.choice(OBJECTS)} {rng.choice(CONTEXTS)}"
    major, minor = rng.randint(1, 4), rng.randint(0, 9)
    version = f"{major}.{minor}"
    # 12-month review (6 for articles): reviewed recently enough that nothing
    # is overdue or due soon on 2026-11-22.
    last_reviewed = rdate(rng, dt.date(2026, 7, 1) if typ == "article" else D0, dt.date(2026, 11, 15))
    effective = last_reviewed - dt.timedelta(days=rng.randrange(0, 60))
    lines = [
        "---",
        f"id: {ident}",
        f"title: {q(title)}",
        f"type: {typ}",
        f"status: {status}",
        f"department: {dept}",
        f"owner: {owner}",
        f"approvers: {flow(['team:' + rng.choice(team_ids), 'person:' + rng.choice(org.active_people)])}",
        f"audience: {rng.choice(['internal', 'internal', 'internal', 'public', 'restricted'])}",
        f'version: "{version}"',
        f"effective: {effective.isoformat()}",
    ]
    if status != "draft":
        lines.append(f"last_reviewed: {last_reviewed.isoformat()}")
    if typ != "article" and rng.random() < 0.15:
        lines.append(f"review_every: {rng.choice(['18 months', '24 months'])}")
    lines += [
        "summary: >-",
        f"  {' '.join(rng.sample(BODY_SENTENCES, 2))}",
        f"tags: {flow(rng.sample(TAGS, rng.randint(2, 5)))}",
    ]
    others = [docs[j][0] for j in rng.sample(range(len(docs)), min(len(docs), 5)) if j != i][:rng.randint(1, 4)]
    if others:
        lines.append(f"related: {flow(others)}")
    lines.append(f"terms: {flow(q(t) for t in rng.sample(org.term_names, rng.randint(3, 8)))}")
    duty_roles = rng.sample(WORK_ROLES + ["manager"], rng.randint(2, 4))
    lines.append("roles:")
    for r in duty_roles:
        lines.append(f"  - role: {r}")
        lines.append("    responsibilities:")
        for text in rng.sample(RESPONSIBILITIES, rng.randint(1, 3)):
            lines.append(f"      - {q(text)}")
    # Steps: 6-10, one or two approval gates covering earlier steps.
    n_steps = rng.randint(6, 10)
    gates = {n_steps - 1}
    if n_steps >= 8 and rng.random() < 0.5:
        gates.add(n_steps // 2)
    step_ids: list[str] = []
    lines.append("steps:")
    for s in range(n_steps):
        if s in gates:
            sid = f"approve-{len(step_ids) + 1}"
            covers = rng.sample(step_ids, min(len(step_ids), rng.randint(2, 4)))
            by = rng.choice(["role:manager", "role:director", f"team:{dept}-core", f"person:{rng.choice(org.active_people)}"])
            lines += [f"  - id: {sid}", f"    title: {q('Approval: ' + rng.choice(OBJECTS))}",
                      f"    approval: {{by: {by}, covers: {flow(covers)}}}"]
            if rng.random() < 0.5:
                lines.append(f"    due: {rng.randint(2, 10)} days")
            step_ids.append(sid)
            continue
        verb, obj = rng.choice(VERBS), rng.choice(OBJECTS)
        sid = slug(f"{verb} {obj}")
        if sid in step_ids:
            sid = f"{sid}-{s + 1}"
        step_ids.append(sid)
        lines += [f"  - id: {sid}", f"    title: {q(verb + ' the ' + obj)}", f"    role: {rng.choice(duty_roles)}"]
        if rng.random() < 0.4:
            lines += ["    guidance: >-", f"      {rng.choice(GUIDANCE)}"]
        lines.append("    items:")
        for text in rng.sample(ITEM_TEXTS, rng.randint(2, 5)):
            if rng.random() < 0.15:
                lines += [f"      - text: {q(text)}", f"        when: {{tier: {flow(sorted(rng.sample([1, 2, 3], 2)))}}}"]
            else:
                lines.append(f"      - {q(text)}")
        if rng.random() < 0.2:
            lines += ["    fields:", "      - id: outcome", "        label: Outcome", "        kind: single",
                      "        options: [Done, Partly done, Not needed]",
                      "      - id: notes", "        label: Notes", "        kind: text"]
        if rng.random() < 0.3:
            lines.append(f"    due: {rng.randint(1, 4)} weeks")
        if rng.random() < 0.1:
            lines.append(f"    when: {{segment: [{rng.choice(SEGMENTS)}], status: [active, transitioning]}}")
    # Changelog: newest first, the newest matching `version`.
    lines.append("changelog:")
    v_major, v_minor, when = major, minor, effective
    for c in range(rng.randint(2, 4)):
        lines += [f'  - version: "{v_major}.{v_minor}"', f"    date: {when.isoformat()}",
                  f"    summary: {q(rng.choice(['Annual review', 'Added an approval gate', 'Split the steps into checklist items', 'Clarified the roles', 'First issue']))}"]
        if v_minor > 0:
            v_minor -= 1
        elif v_major > 1:
            v_major, v_minor = v_major - 1, 9
        else:
            break
        when -= dt.timedelta(days=rng.randint(60, 400))
    lines.append("---")
    body = [f"# {title}", "", "## Purpose", "", " ".join(rng.sample(BODY_SENTENCES, 3)), "",
            "## Scope", "", " ".join(rng.sample(BODY_SENTENCES, 3)), "",
            "## Notes", "", " ".join(rng.sample(BODY_SENTENCES, 2)),
            f"See {others[0]} for the related procedure." if others else "", ""]
    path = root / "sops" / dept / f"{ident}.md"
    path.write_text("\n".join(lines) + "\n\n" + "\n".join(body), encoding="utf-8")


def write_account(root: Path, i: int, org: Org, seed: str) -> None:
    rng = random.Random(f"{seed}:acc:{i}")
    ident = f"ACC-{i:05d}"
    a, b, c = rng.choice(COMPANY_A), rng.choice(COMPANY_B), rng.choice(COMPANY_C)
    name = f"{a} {b} {c}"
    domain = f"{a}{b}".lower() + ".example"
    r = rng.random()
    tier = 1 if r < 0.1 else 2 if r < 0.35 else 3
    r = rng.random()
    status = "active" if r < 0.9 else "transitioning" if r < 0.93 else "closed"
    owner = rng.choice(org.am_people)
    lines = [
        SCHEMA_LINE.format("account").rstrip("\n"),
        f"id: {ident}",
        f"name: {q(name)}",
        f"segment: {rng.choice(SEGMENTS)}",
        f"tier: {tier}",
        f"status: {status}",
        f"health: {rng.choice(['green', 'green', 'green', 'yellow', 'red'])}",
        f"owner: person:{owner}",
        "team:",
        f"  im: person:{rng.choice(org.people_by_role['im'] or org.active_people)}",
        f"  ssm: person:{rng.choice(org.people_by_role['ssm'] or org.active_people)}",
        f"  csm: person:{rng.choice(org.people_by_role['csm'] or org.active_people)}",
        f"  kam: person:{owner}",
        f"products: {flow(rng.sample(PRODUCTS, rng.randint(1, 6)))}",
    ]
    # Review cadence 3/6/12 months by tier; dates chosen so nothing is overdue
    # or due soon on 2026-11-22.
    start = {1: dt.date(2026, 9, 25), 2: dt.date(2026, 6, 25), 3: D0}[tier]
    if status != "closed" or rng.random() < 0.5:
        lines.append(f"last_review: {rdate(rng, start, dt.date(2026, 11, 20)).isoformat()}")
    if tier in (1, 2):
        lines.append(f"plan_updated: {rdate(rng, D0, dt.date(2026, 11, 15)).isoformat()}")
    lines.append(f"since: {rdate(rng, dt.date(2008, 1, 1), dt.date(2025, 12, 31)).isoformat()}")
    lines.append("contacts:")
    for _ in range(rng.randint(1, 3)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        lines += [f"  - name: {first} {last}", f"    email: {first.lower()}.{last.lower()}@{domain}",
                  f'    phone: "+1-555-{rng.randrange(10000):04d}"', f"    title: {q(rng.choice(CONTACT_TITLES))}"]
    lines.append(f"annual_revenue: {rng.randrange(50, 9000) * 1000}")
    n_esc = rng.choice([0, 0, 0, 1, 2])
    if n_esc:
        lines.append("escalations:")
        for _ in range(n_esc):
            lines += [f"  - id: ESC-{rng.randrange(1000, 9999)}", f"    summary: {q(rng.choice(ESCALATION_SUMMARIES))}",
                      f"    tier: T{rng.randrange(5)}", f"    opened: {rdate(rng, dt.date(2025, 1, 1), dt.date(2026, 11, 20)).isoformat()}",
                      f"    status: {rng.choice(['open', 'closed'])}"]
    n_opp = rng.choice([0, 0, 1, 1, 2])
    if n_opp:
        lines.append("opportunities:")
        for _ in range(n_opp):
            stage, st = rng.choice(OPP_STAGES)
            lines += [f"  - id: OPP-{rng.randrange(1000, 9999)}", f"    name: {q(rng.choice(OPP_NAMES))}",
                      f"    stage: {stage}", f"    status: {st}"]
    n_tck = rng.randint(0, 4)
    if n_tck:
        lines.append("tickets:")
        for _ in range(n_tck):
            lines += [f"  - id: TCK-{rng.randrange(10000, 99999)}", f"    summary: {q(rng.choice(TICKET_SUMMARIES))}",
                      f"    kind: {rng.choice(['support', 'support', 'integration', 'customization'])}",
                      f"    status: {rng.choice(['open', 'closed', 'closed'])}"]
    if status == "transitioning":
        new_owner = rng.choice(org.am_people)
        lines += ["transition:", f"  from: person:{owner}", f"  to: person:{new_owner}",
                  f"  reason: {q(rng.choice(TRANSITION_REASONS))}",
                  f"  started: {rdate(rng, dt.date(2026, 9, 1), dt.date(2026, 11, 20)).isoformat()}"]
    if rng.random() < 0.4:
        lines += ["notes: >-", f"  {rng.choice(BODY_SENTENCES)}"]
    (root / "accounts" / f"{ident}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare_dir(path: Path) -> None:
    """Empty `path` for generation; refuse to delete anything this script did not make."""
    if path.exists():
        if not (path / MARKER).is_file():
            raise BenchError(f"{path} exists and was not made by this benchmark; choose another --out")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("generated by bench/run.py; safe to delete\n", encoding="utf-8")


def generate(root: Path, n_sops: int, n_accounts: int, n_people: int, seed: str) -> dict:
    """Write a knowledge base; returns counts of files by kind."""
    prepare_dir(root)
    kb_yml = REPO / "kb.yml"
    try:
        shutil.copyfile(kb_yml, root / "kb.yml")
    except OSError as exc:
        raise BenchError(f"cannot copy {kb_yml}: {exc.strerror}") from None
    org = build_org(seed, n_people)
    docs = doc_ids_for(n_sops)
    write_org(root, org, [d[0] for d in docs], seed)
    for slug_, _code, _name in DEPARTMENTS:
        if any(d[2] == slug_ for d in docs):
            (root / "sops" / slug_).mkdir(parents=True)
    for i in range(n_sops):
        write_doc(root, i, docs, org, seed)
    (root / "accounts").mkdir()
    for i in range(1, n_accounts + 1):
        write_account(root, i, org, seed)
    return {"sops": n_sops, "accounts": n_accounts, "org": 5, "kb.yml": 1, "people": n_people}


def dir_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


# =============================================================================
# Measuring
# =============================================================================


@dataclass
class Run:
    wall: float
    maxrss_kb: int
    rc: int
    stdout: str
    stderr: str


@dataclass
class Measure:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024


def run_child(cmd: list[str], cwd: Path, env: dict | None = None) -> Run:
    """Run `cmd` to completion; wall time and the child's own peak RSS (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        except OSError as exc:
            raise BenchError(f"cannot run {cmd[0]}: {exc.strerror}") from None
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
        t1 = time.perf_counter()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Run(t1 - t0, usage.ru_maxrss, proc.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def tail(text: str, n: int = 15) -> str:
    lines = text.strip().splitlines()
    return "\n".join("    " + line for line in lines[-n:])


def measure_interleaved(specs: list[tuple[str, str, list[str], Path]], repeat: int) -> list[Measure]:
    """Run each command once per round, `repeat` rounds: (tag, label, cmd, cwd) -> Measure each."""
    ms = [Measure(label) for _tag, label, _cmd, _cwd in specs]
    for k in range(repeat):
        for (tag, label, cmd, cwd), m in zip(specs, ms):
            run = run_child(cmd, cwd)
            if run.rc != 0:
                raise BenchError(
                    f"{label}: `{' '.join(cmd[:3])} ...` exited {run.rc} (run {k + 1})\n{tail(run.stderr or run.stdout)}",
                    code=1,
                )
            m.runs.append(run)
            print(f"    ({tag}) run {k + 1}/{repeat}: {run.wall:8.3f} s  peak {run.maxrss_kb / 1024:7.1f} MB", flush=True)
    return ms


def loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


BASELINE = r"""
import os, sys, yaml
L = yaml.CSafeLoader
root = sys.argv[1]
n = 0
for folder in ("sops", "accounts", "org"):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            if name.endswith(".md"):
                end = text.index("\n---\n", 3)
                text = text[4:end]
            elif not name.endswith((".yaml", ".yml")):
                continue
            yaml.load(text, Loader=L)
            n += 1
print(n)
"""


def kb_check_json(kb_bin: Path, root: Path) -> dict:
    """Run `kb check --format json`; the parsed report (not timed)."""
    run = run_child([str(kb_bin), "check", "--today", TODAY, "--root", str(root), "--format", "json"], root)
    if run.rc not in (0, 1):
        raise BenchError(f"kb check on {root} could not run (exit {run.rc}):\n{tail(run.stderr or run.stdout)}", code=1)
    try:
        report = json.loads(run.stdout)
        report["summary"]["errors"]
    except (ValueError, KeyError, TypeError):
        raise BenchError(f"kb check --format json printed no usable report:\n{tail(run.stdout + run.stderr)}", code=1) from None
    report["_wall"] = run.wall
    return report


def validate(kb_bin: Path, root: Path, expected_files: int, what: str) -> dict:
    report = kb_check_json(kb_bin, root)
    s = report["summary"]
    print(f"  {what}: kb check --today {TODAY}: {s['files']} files, {s['errors']} errors, {s['warnings']} warnings"
          f"  ({report['_wall']:.1f} s)")
    if s["errors"] > 0:
        errors = [f for f in report["findings"] if f.get("severity") == "error"]
        shown = "\n".join(f"    {f['path']}:{f['line']}:{f['col']}: {f['message']} [{f['code']}]" for f in errors[:10])
        raise BenchError(f"the generated knowledge base in {root} is not valid: {s['errors']} errors, first ones:\n{shown}", code=1)
    if s["files"] != expected_files:
        raise BenchError(f"kb check saw {s['files']} files in {root}, expected {expected_files}", code=1)
    return s


def arg_chunks(args: list[str], fixed: list[str]) -> list[list[str]]:
    """Split `args` into as few command lines as ARG_MAX allows (like xargs)."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        limit = 131072
    env = sum(len(k) + len(v) + 2 + 8 for k, v in os.environ.items())
    budget = limit - env - sum(len(a) + 1 + 8 for a in fixed) - 16384  # margin for the loader
    budget = max(budget, 32768)
    chunks, current, size = [], [], 0
    for a in args:
        cost = len(a.encode()) + 1 + 8
        if current and size + cost > budget:
            chunks.append(current)
            current, size = [], 0
        current.append(a)
        size += cost
    if current:
        chunks.append(current)
    return chunks


def jsonschema_runs(exe: Path, schema: Path, files: list[str], cwd: Path, repeat: int, quiet=False) -> tuple[Measure, int, dict]:
    """check-jsonschema over `files` in ARG_MAX-sized invocations; per repetition the sum of their times."""
    fixed = [str(exe), "--schemafile", str(schema)]
    chunks = arg_chunks(files, fixed)
    m = Measure("check-jsonschema")
    info = {"invocations": len(chunks), "exit_codes": set(), "output": ""}
    for k in range(repeat):
        total, peak = 0.0, 0
        for chunk in chunks:
            run = run_child(fixed + chunk, cwd)
            if run.rc not in (0, 1):  # 1: some file failed validation; anything else: it could not run
                raise BenchError(f"check-jsonschema exited {run.rc}:\n{tail(run.stderr or run.stdout)}", code=1)
            info["exit_codes"].add(run.rc)
            if run.rc and not info["output"]:
                info["output"] = (run.stdout + run.stderr).strip()
            total += run.wall
            peak = max(peak, run.maxrss_kb)
        m.runs.append(Run(total, peak, 0, "", ""))
        if not quiet:
            print(f"    run {k + 1}/{repeat}: {total:8.3f} s  ({len(chunks)} invocation(s) of {len(files)} files)"
                  f"  peak {peak / 1024:7.1f} MB", flush=True)
    return m, len(chunks), info


def phase_breakdown(python: Path, root: Path) -> dict | None:
    """Best effort: time load / checks / report inside one process (uses kbtools internals).

    The garbage collector is paused, as `kb` itself does (kbtools.cli.main).
    """
    code = r"""
import datetime as dt, gc, json, sys, time
from pathlib import Path
gc.disable()
t0 = time.perf_counter()
from kbtools.loader import load
from kbtools.checks import run_checks
from kbtools.report import REPORTERS
t1 = time.perf_counter()
kb = load(Path(sys.argv[1]).resolve())
t2 = time.perf_counter()
findings = run_checks(kb, dt.date.fromisoformat(sys.argv[2]))
t3 = time.perf_counter()
files = kb.files + ["kb.yml"]
REPORTERS["text"](findings, len(files), today=sys.argv[2], file_names=files, strict=False)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "checks": t3 - t2, "report": t4 - t3}))
"""
    try:
        run = run_child([str(python), "-c", code, str(root), TODAY], root)
        return json.loads(run.stdout) if run.rc == 0 else None
    except (BenchError, ValueError):
        return None


def kbtools_fingerprint() -> str:
    """A hash of the kbtools sources, to notice edits made while the benchmark runs."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((REPO / "kbtools").rglob("*.py")):
        try:
            h.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()[:16]


def git_state() -> dict:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=20)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "kbtools"], capture_output=True, text=True, timeout=20)
        return {"commit": head.stdout.strip() or None, "kbtools_modified": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "kbtools_modified": None}


# =============================================================================
# Main
# =============================================================================


def positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/run.py", description="Benchmark kb check on a large synthetic knowledge base.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--sops", type=positive, default=5000, help="number of SOP/policy/... documents")
    p.add_argument("--accounts", type=positive, default=20000, help="number of account files (at most 99999)")
    p.add_argument("--people", type=positive, default=240, help="people in org/people.yaml (the first 200 hold role am)")
    p.add_argument("--out", type=Path, default=REPO / ".bench", help="working folder")
    p.add_argument("--keep", action="store_true", help="keep the generated knowledge bases")
    p.add_argument("--repeat", type=positive, default=3, help="repetitions per measurement (best is reported)")
    p.add_argument("--seed", default="kb-bench-1", help="seed of the generator")
    p.add_argument("--jsonschema-budget", type=float, default=600.0, metavar="SECONDS",
                   help="measure check-jsonschema on a subset and extrapolate when one full run is projected to take longer")
    p.add_argument("--jsonschema-subset", type=positive, default=2000, metavar="N",
                   help="size of that subset (the first N accounts)")
    p.add_argument("--skip-jsonschema", action="store_true", help="skip (c) (and its ratio)")
    args = p.parse_args(argv)
    if args.accounts > 99999:
        p.error("--accounts: account ids have five digits, so at most 99999")
    if args.people < 40:
        p.error("--people: at least 40 (every team needs an active member)")
    return args


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "PASS" if ok else "FAIL"


def main(argv=None) -> int:
    args = parse_args(argv)
    python = BIN / "python"
    kb_bin = BIN / "kb"
    cj_bin = BIN / "check-jsonschema"
    schema = REPO / "schemas" / "account.schema.json"
    for need in (python, kb_bin, *(() if args.skip_jsonschema else (cj_bin, schema))):
        if not need.exists():
            raise BenchError(f"{need} not found; run with the repository's venv: .venv/bin/python bench/run.py (make start sets it up)")
    out = args.out.resolve()
    full, acc_only = out / "kb", out / "kb-accounts"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BenchError(f"cannot create {out}: {exc.strerror}") from None

    fingerprint = kbtools_fingerprint()
    load_start = loadavg()

    # -- generate -------------------------------------------------------------
    print(f"Generating {args.sops} documents and {args.accounts} accounts in {full} (seed {args.seed!r}) ...", flush=True)
    t0 = time.perf_counter()
    try:
        generate(full, args.sops, args.accounts, args.people, args.seed)
        generate(acc_only, 0, args.accounts, args.people, args.seed)
    except OSError as exc:
        raise BenchError(f"generation failed: {exc}", code=1) from None
    size_mb = dir_size(full) / 1e6
    print(f"  done in {time.perf_counter() - t0:.1f} s; {size_mb:.1f} MB on disk", flush=True)
    n_full = args.sops + args.accounts + 5 + 1  # + org files + kb.yml
    n_acc = args.accounts + 5 + 1

    print("Checking that the generated knowledge bases are valid ...", flush=True)
    summary_full = validate(kb_bin, full, n_full, "full")
    summary_acc = validate(kb_bin, acc_only, n_acc, "accounts only")

    results: dict = {
        "version": 1,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "params": {"sops": args.sops, "accounts": args.accounts, "people": args.people, "repeat": args.repeat,
                   "seed": args.seed, "today": TODAY, "kb_size_mb": round(size_mb, 1)},
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": os.cpu_count(), **git_state(), "kbtools_fingerprint": fingerprint},
        "validity": {"full": summary_full, "accounts_only": summary_acc},
        "measurements": {},
    }
    meas = results["measurements"]

    # -- (a), (b), (d): interleaved, so that background load hits them alike ------
    print(f"(a) baseline: read + yaml.load(CSafeLoader) every file, fresh interpreter\n"
          f"(b) kb check over the whole knowledge base\n"
          f"(d) kb check over the accounts alone ({args.accounts} accounts + org + kb.yml)\n"
          f"    interleaved a, b, d; best of {args.repeat}", flush=True)
    a, b, d = measure_interleaved([
        ("a", "baseline", [str(python), "-c", BASELINE, str(full)], full),
        ("b", "kb check (full)", [str(kb_bin), "check", "--today", TODAY, "--root", str(full)], full),
        ("d", "kb check (accounts)", [str(kb_bin), "check", "--today", TODAY, "--root", str(acc_only)], acc_only),
    ], args.repeat)
    parsed = int(a.runs[0].stdout.strip() or 0)
    if parsed != args.sops + args.accounts + 5:
        raise BenchError(f"the baseline parsed {parsed} files, expected {args.sops + args.accounts + 5}", code=1)
    meas["a_baseline"] = {"seconds": round(a.best, 3), "peak_mb": round(a.peak_mb, 1), "files": parsed,
                          "runs": [round(r.wall, 3) for r in a.runs]}
    meas["b_kb_check"] = {"seconds": round(b.best, 3), "peak_mb": round(b.peak_mb, 1),
                          "runs": [round(r.wall, 3) for r in b.runs]}
    meas["d_kb_check_accounts"] = {"seconds": round(d.best, 3), "peak_mb": round(d.peak_mb, 1),
                                   "runs": [round(r.wall, 3) for r in d.runs]}
    phases = phase_breakdown(python, full)
    if phases:
        meas["b_phases_one_run"] = {k: round(v, 3) for k, v in phases.items()}
        print("    (b) phases, one in-process run: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))

    # -- (c) check-jsonschema ---------------------------------------------------
    c_seconds = None
    if not args.skip_jsonschema:
        files = sorted(f"accounts/{p.name}" for p in (acc_only / "accounts").iterdir() if p.suffix == ".yaml")
        full_chunks = len(arg_chunks(files, [str(cj_bin), "--schemafile", str(schema)]))
        print("(c) check-jsonschema over the account files", flush=True)
        # Calibrate: one file (start-up) and a small sample, to project a full run.
        probe_n = min(len(files), 200)
        one, _, _ = jsonschema_runs(cj_bin, schema, files[:1], acc_only, 1, quiet=True)
        probe, _, _ = jsonschema_runs(cj_bin, schema, files[:probe_n], acc_only, 1, quiet=True)
        startup = one.best
        per_file = max(probe.best - startup, 0.0) / max(probe_n - 1, 1)
        projected = full_chunks * startup + per_file * len(files)
        print(f"    calibration: start-up {startup:.2f} s, {per_file * 1000:.2f} ms per file -> "
              f"one full run projected at {projected:.0f} s", flush=True)
        subset = projected > args.jsonschema_budget and args.jsonschema_subset < len(files)
        if subset:
            n_sub = args.jsonschema_subset
            print(f"    projected run exceeds the {args.jsonschema_budget:.0f} s budget: measuring the first {n_sub} "
                  f"accounts and extrapolating linearly", flush=True)
            one, _, _ = jsonschema_runs(cj_bin, schema, files[:1], acc_only, args.repeat, quiet=True)
            c, n_inv, info = jsonschema_runs(cj_bin, schema, files[:n_sub], acc_only, args.repeat)
            startup = one.best
            per_file = (c.best - n_inv * startup) / max(n_sub - n_inv, 1)
            c_seconds = full_chunks * startup + per_file * (len(files) - full_chunks)
            meas["c_check_jsonschema"] = {
                "seconds": round(c_seconds, 3), "extrapolated": True, "measured_files": n_sub,
                "measured_seconds": round(c.best, 3), "startup_seconds": round(startup, 3),
                "per_file_ms": round(per_file * 1000, 3), "invocations": full_chunks,
                "method": "startup x invocations + per-file time x files, from best-of-repeat runs on 1 file and on the subset",
                "peak_mb": round(c.peak_mb, 1), "runs": [round(r.wall, 3) for r in c.runs],
            }
        else:
            c, n_inv, info = jsonschema_runs(cj_bin, schema, files, acc_only, args.repeat)
            c_seconds = c.best
            meas["c_check_jsonschema"] = {"seconds": round(c_seconds, 3), "extrapolated": False,
                                          "measured_files": len(files), "invocations": n_inv,
                                          "peak_mb": round(c.peak_mb, 1), "runs": [round(r.wall, 3) for r in c.runs]}
        meas["c_check_jsonschema"]["all_files_valid"] = info["exit_codes"] == {0}
        if info["exit_codes"] != {0}:
            print("    note: check-jsonschema reported invalid files (exit 1); first lines:\n" + tail(info["output"], 8))

    # -- report -----------------------------------------------------------------
    r_ba = b.best / a.best
    r_cd = (c_seconds / d.best) if c_seconds is not None else None
    targets = [
        {"name": "kb check vs baseline parse, (b)/(a)", "value": round(r_ba, 2), "target": f"<= {TARGET_CHECK_VS_BASELINE}",
         "pass": r_ba <= TARGET_CHECK_VS_BASELINE},
        {"name": "check-jsonschema vs kb check on the accounts, (c)/(d)"
                 + (" [(c) extrapolated]" if meas.get("c_check_jsonschema", {}).get("extrapolated") else ""), "value": None if r_cd is None else round(r_cd, 2),
         "target": f">= {TARGET_JSONSCHEMA_VS_CHECK}", "pass": None if r_cd is None else r_cd >= TARGET_JSONSCHEMA_VS_CHECK},
        {"name": "peak RSS of kb check (b), MB", "value": round(b.peak_mb, 1), "target": f"<= {TARGET_PEAK_MB:.0f}",
         "pass": b.peak_mb <= TARGET_PEAK_MB},
    ]
    results["ratios"] = {"b_over_a": round(r_ba, 3), "c_over_d": None if r_cd is None else round(r_cd, 3)}
    results["targets"] = targets

    print()
    print(f"Results ({args.sops} documents, {args.accounts} accounts, best of {args.repeat}; wall clock incl. interpreter start-up)")
    rows = [
        ("(a) baseline: read + CSafeLoader parse, all files", a.best, a.peak_mb, ""),
        ("(b) kb check, whole knowledge base", b.best, b.peak_mb, ""),
        ("(c) check-jsonschema, account files", c_seconds, meas.get("c_check_jsonschema", {}).get("peak_mb"),
         "EXTRAPOLATED from the first %d accounts" % meas["c_check_jsonschema"]["measured_files"]
         if meas.get("c_check_jsonschema", {}).get("extrapolated") else ("skipped" if c_seconds is None else "")),
        ("(d) kb check, accounts + org only", d.best, d.peak_mb, ""),
    ]
    for label, secs, mb, note in rows:
        s = "      n/a" if secs is None else f"{secs:9.3f} s"
        m = "" if mb is None else f"  peak {mb:7.1f} MB"
        print(f"  {label:<52} {s}{m}  {note}".rstrip())
    print()
    for t in targets:
        v = "n/a" if t["value"] is None else t["value"]
        print(f"  {verdict(t['pass']):4}  {t['name']:<70} {v!s:>8}   target {t['target']}")
    results["environment"]["loadavg_1min"] = {"start": load_start, "end": loadavg()}
    busy = max((v for v in results["environment"]["loadavg_1min"].values() if v is not None), default=0)
    if busy > 0.5 * (os.cpu_count() or 1):
        print(f"\n  note: the machine was busy (1-minute load average up to {busy} on {os.cpu_count()} CPUs);"
              " wall-clock figures are noisy.")
    changed = kbtools_fingerprint() != fingerprint
    results["environment"]["kbtools_changed_during_run"] = changed
    if changed:
        print("\n  WARNING: the kbtools sources changed while the benchmark ran; the figures may mix versions. Run it again.")
    if results["environment"].get("kbtools_modified"):
        print("\n  note: kbtools/ has uncommitted changes; the figures are for the working tree, not the commit.")

    res_path = out / "results.json"
    try:
        res_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BenchError(f"cannot write {res_path}: {exc.strerror}") from None
    print(f"\nWrote {res_path}")

    if not args.keep:
        for path in (full, acc_only):
            shutil.rmtree(path, ignore_errors=True)
    else:
        print(f"Kept {full} and {acc_only}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)

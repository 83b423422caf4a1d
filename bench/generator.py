"""Deterministic knowledge bases for the benchmarks to measure.

The benchmarks time `kb check` and the site build on thousands of documents and
accounts, far more than the repository holds, so they generate them. The
figures in README.md stay comparable from one run (and one commit) to the next
only if every run measures the same files, so generation here is a pure
function of its arguments: each record draws from its own
`random.Random(f"{seed}:<kind>:<index>")` (string seeds are hashed with
SHA-512, independent of PYTHONHASHSEED), and the same seed and sizes always
give byte-identical trees. Change what a seed produces only together with the
figures.

Two kinds of tree, one per benchmark:

- `synthetic`: an org registry, glossary, documents (steps, approval gates,
  roles, changelogs, bodies) and accounts, all made up, with no error and no
  warning from `kb check --today TODAY` (bench/check.py);
- `from_repo`: documents derived from the repository's own (same bodies, steps
  and front matter; new ids, titles and review dates) next to its org/,
  accounts/, docs/, kb.yml and mkdocs.yml, so that the site is measured on
  realistic pages (bench/site.py).

Only the standard library is imported at module level: bench/check.py drives
the venv's `kb` as a child process and may itself run under another Python;
`from_repo` imports kbtools and PyYAML when called.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from harness import REPO, BenchError

TODAY = "2026-11-22"  # the date every generated tree is made for
MARKER = ".kb-bench"  # marks a folder `synthetic` made (safe to delete)


# -- vocabulary -----------------------------------------------------------------------
#
# What the records are made of. Appending to a list changes what `rng.choice`
# picks, and so every tree: treat these lists as part of the seed.

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
ROLE_TITLE = {ident: name for ident, name, _abbr, _dept in ROLES}
TERM_NAMES = [t[0] for t in GLOSSARY] + [a for aliases in TERM_ALIASES.values() for a in aliases]
CHANGE_SUMMARIES = ["Annual review", "Added an approval gate", "Split the steps into checklist items",
                    "Clarified the roles", "First issue"]
FIELD_LINES = ["    fields:", "      - id: outcome", "        label: Outcome", "        kind: single",
               "        options: [Done, Partly done, Not needed]",
               "      - id: notes", "        label: Notes", "        kind: text"]


# -- YAML text --------------------------------------------------------------------------
#
# The synthetic files are written as text, not dumped, so that they look like
# hand-written ones (comments, flow lists, folded strings) and are quick to make.


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


def flow(values: Iterable[object]) -> str:
    """A YAML flow list of `values`, written as they are."""
    return "[" + ", ".join(str(v) for v in values) + "]"


def slug(s: str) -> str:
    """`s` as a lower-case id with hyphens."""
    return "".join(c if c.isalnum() else "-" for c in s.lower()).strip("-").replace("--", "-")


def rdate(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from `start` to `end`, both included."""
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


# -- the org registry -------------------------------------------------------------------


@dataclass
class Team:
    id: str
    name: str
    department: str
    lead: str | None = None
    github: str = ""
    description: str = ""


@dataclass
class Person:
    id: str
    name: str
    email: str
    title: str
    roles: list[str]
    team: str
    active: bool
    github: str
    left: dt.date | None = None


@dataclass
class Org:
    people: list[Person]
    teams: list[Team]
    am_people: list[str]  # active people holding role am (account owners)
    active_people: list[str]
    people_by_role: dict[str, list[str]]


def make_teams() -> list[Team]:
    """Two teams per department, and the Knowledge Management Team (kmt_team in kb.yml),
    which governs every document."""
    teams = [Team(f"{slug_}-{suffix}", f"{name} {suffix}", slug_)
             for slug_, _code, name in DEPARTMENTS for suffix in TEAM_SUFFIXES]
    teams.append(Team("kmt", "Knowledge Management Team", "ops"))
    return teams


def person_names(n: int) -> list[tuple[str, str, str]]:
    """(first name, last name, id) of each person, by index arithmetic; ids are made unique with a number."""
    used: set[str] = set()
    names = []
    for i in range(n):
        first = FIRST[i % len(FIRST)]
        last = LAST[(i // len(FIRST) * 7 + i * 3) % len(LAST)]
        base = (first[0] + last).lower()
        ident, k = base, 1
        while ident in used:
            k += 1
            ident = f"{base}{k}"
        used.add(ident)
        names.append((first, last, ident))
    return names


def roles_and_title(rng: random.Random, i: int, n_am: int) -> tuple[list[str], str]:
    """Person i's roles and job title: the first `n_am` are account managers."""
    if i < n_am:
        return (["am"] + ([rng.choice(["kam", "nam", "ram", "manager"])] if rng.random() < 0.3 else []),
                "Account Manager")
    role = WORK_ROLES[1 + (i % (len(WORK_ROLES) - 1))]
    return [role] + (["manager"] if rng.random() < 0.2 else []), ROLE_TITLE[role]


def make_people(rng: random.Random, n_people: int, teams: list[Team]) -> list[Person]:
    """The people, spread round-robin over the teams; up to 10 at the end have left."""
    n_am = min(200, n_people)
    n_inactive = max(0, min(10, n_people - n_am - 5))
    people = []
    for i, (first, last, ident) in enumerate(person_names(n_people)):
        roles, title = roles_and_title(rng, i, n_am)
        active = i < n_people - n_inactive
        people.append(Person(
            id=ident, name=f"{first} {last}", email=f"{ident}@northwind.example", title=title, roles=roles,
            team=teams[i % len(teams)].id, active=active, github=f"nw-{ident}",
            left=None if active else rdate(rng, dt.date(2025, 6, 1), dt.date(2026, 10, 31)),
        ))
    return people


def staff_teams(teams: list[Team], people: list[Person]) -> None:
    """Give every team its first active member as lead, a GitHub team and a description."""
    for team in teams:
        members = [p for p in people if p.team == team.id and p.active]
        team.lead = members[0].id if members else None
        team.github = f"northwind/{team.id}"
        team.description = f"Runs the day-to-day work of {team.name.lower()}."


def build_org(seed: str, n_people: int) -> Org:
    """The teams and people, and the lists the documents and accounts draw owners from."""
    rng = random.Random(f"{seed}:org")
    teams = make_teams()
    people = make_people(rng, n_people, teams)
    staff_teams(teams, people)
    active = [p for p in people if p.active]
    by_role: dict[str, list[str]] = {r: [] for r in ROLE_IDS}
    for p in active:
        for r in p.roles:
            by_role[r].append(p.id)
    return Org(people=people, teams=teams, am_people=[p.id for p in active if "am" in p.roles],
               active_people=[p.id for p in active], people_by_role=by_role)


def fields(*pairs: tuple[str, object]) -> list[str]:
    """`key: value` lines of one registry record, leaving out the keys whose value is None."""
    return [f"{key}: {value}" for key, value in pairs if value is not None]


def registry_yaml(schema: str, key: str, records: Iterable[list[str]]) -> str:
    """A registry file: the schema line and, under `key`, one list item per record."""
    return "".join([SCHEMA_LINE.format(schema), f"{key}:\n"] + ["  - " + "\n    ".join(r) + "\n" for r in records])


def departments_yaml() -> str:
    return registry_yaml("departments", "departments", (fields(
        ("id", slug_), ("name", q(name)),
        ("code", None if code == slug_.upper() else code),  # the department part of document ids
        ("description", q("Everything " + name + " owns and runs.")),
    ) for slug_, code, name in DEPARTMENTS))


def teams_yaml(teams: list[Team]) -> str:
    return registry_yaml("teams", "teams", (fields(
        ("id", t.id), ("name", q(t.name)), ("department", t.department), ("lead", t.lead),
        ("github", t.github), ("description", q(t.description)),
    ) for t in teams))


def roles_yaml() -> str:
    return registry_yaml("roles", "roles", (fields(
        ("id", ident), ("name", q(name)), ("abbreviation", abbr), ("department", dept),
        ("description", f">-\n      The {name.lower()} role as used in the procedures of this knowledge base."),
    ) for ident, name, abbr, dept in ROLES))


def people_yaml(people: list[Person]) -> str:
    return registry_yaml("people", "people", (fields(
        ("id", p.id), ("name", q(p.name)), ("email", p.email), ("title", q(p.title)), ("roles", flow(p.roles)),
        ("team", p.team), ("active", "true" if p.active else "false"), ("left", p.left.isoformat() if p.left else None),
        ("github", p.github),
    ) for p in people))


def glossary_yaml(doc_ids: list[str], seed: str) -> str:
    """The glossary; each term relates to two random documents (when there are any)."""
    rng = random.Random(f"{seed}:glossary")
    return registry_yaml("glossary", "terms", [fields(
        ("term", q(term)), ("expansion", None if expansion is None else q(expansion)), ("definition", q(definition)),
        ("aliases", flow(q(a) for a in TERM_ALIASES[term]) if term in TERM_ALIASES else None),
        ("related", flow(rng.sample(doc_ids, min(2, len(doc_ids)))) if doc_ids else None),
    ) for term, expansion, definition in GLOSSARY])


def write_org(root: Path, org: Org, doc_ids: list[str], seed: str) -> int:
    """Write org/; returns the number of files."""
    files = {"departments": departments_yaml(), "teams": teams_yaml(org.teams), "roles": roles_yaml(),
             "people": people_yaml(org.people), "glossary": glossary_yaml(doc_ids, seed)}
    folder = root / "org"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return len(files)


# -- documents --------------------------------------------------------------------------


class DocId(NamedTuple):
    id: str
    type: str
    department: str  # slug


@dataclass
class DocHead:
    """The first part of a document's front matter, and what later parts repeat of it."""

    lines: list[str]
    title: str
    major: int
    minor: int
    effective: dt.date


def doc_ids_for(n: int) -> list[DocId]:
    """The id, type and department of each document, by index arithmetic."""
    counters: Counter[tuple[str, str]] = Counter()
    result = []
    for i in range(n):
        slug_, code, _name = DEPARTMENTS[i % len(DEPARTMENTS)]
        typ = DOC_TYPES_CYCLE[(i // len(DEPARTMENTS)) % len(DOC_TYPES_CYCLE)]
        counters[(slug_, typ)] += 1
        k = counters[(slug_, typ)]
        if k > 999:
            raise BenchError(f"--sops {n} is too many: document ids have three digits per department and type")
        result.append(DocId(f"{DOC_PREFIX[typ]}-{code}-{k:03d}", typ, slug_))
    return result


def doc_head(rng: random.Random, doc: DocId, org: Org) -> DocHead:
    """id to tags. Reviewed recently enough (12 months, 6 for articles) that nothing is overdue or due soon on TODAY."""
    roll = rng.random()
    status = "approved" if roll < 0.8 else "in-review" if roll < 0.92 else "draft"
    owner = f"team:{doc.department}-{rng.choice(TEAM_SUFFIXES)}" if rng.random() < 0.6 \
        else f"person:{rng.choice(org.active_people)}"
    title = f"{rng.choice(VERBS)} the {rng.choice(OBJECTS)} {rng.choice(CONTEXTS)}"
    major, minor = rng.randint(1, 4), rng.randint(0, 9)
    last_reviewed = rdate(rng, dt.date(2026, 7, 1) if doc.type == "article" else D0, dt.date(2026, 11, 15))
    effective = last_reviewed - dt.timedelta(days=rng.randrange(0, 60))
    lines = [
        f"id: {doc.id}", f"title: {q(title)}", f"type: {doc.type}", f"status: {status}",
        f"department: {doc.department}", f"owner: {owner}",
        "approvers: "
        f"{flow(['team:' + rng.choice([t.id for t in org.teams]), 'person:' + rng.choice(org.active_people)])}",
        f"audience: {rng.choice(['internal', 'internal', 'internal', 'public', 'restricted'])}",
        f'version: "{major}.{minor}"', f"effective: {effective.isoformat()}",
    ]
    if status != "draft":
        lines.append(f"last_reviewed: {last_reviewed.isoformat()}")
    if doc.type != "article" and rng.random() < 0.15:
        lines.append(f"review_every: {rng.choice(['18 months', '24 months'])}")
    lines += ["summary: >-", f"  {' '.join(rng.sample(BODY_SENTENCES, 2))}",
              f"tags: {flow(rng.sample(TAGS, rng.randint(2, 5)))}"]
    return DocHead(lines, title, major, minor, effective)


def related_ids(rng: random.Random, i: int, docs: list[DocId]) -> list[str]:
    """One to four other documents that document i relates to."""
    return [docs[j].id for j in rng.sample(range(len(docs)), min(len(docs), 5)) if j != i][:rng.randint(1, 4)]


def roles_lines(rng: random.Random, duty_roles: list[str]) -> list[str]:
    lines = ["roles:"]
    for r in duty_roles:
        lines += [f"  - role: {r}", "    responsibilities:"]
        lines += [f"      - {q(text)}" for text in rng.sample(RESPONSIBILITIES, rng.randint(1, 3))]
    return lines


def approval_step(rng: random.Random, sid: str, earlier: list[str], dept: str, org: Org) -> list[str]:
    """An approval gate covering two to four of the `earlier` steps."""
    covers = rng.sample(earlier, min(len(earlier), rng.randint(2, 4)))
    by = rng.choice(["role:manager", "role:director", f"team:{dept}-core", f"person:{rng.choice(org.active_people)}"])
    lines = [f"  - id: {sid}", f"    title: {q('Approval: ' + rng.choice(OBJECTS))}",
             f"    approval: {{by: {by}, covers: {flow(covers)}}}"]
    if rng.random() < 0.5:
        lines.append(f"    due: {rng.randint(2, 10)} days")
    return lines


def item_lines(rng: random.Random) -> list[str]:
    """Two to five checklist items, some only for some tiers."""
    lines = ["    items:"]
    for text in rng.sample(ITEM_TEXTS, rng.randint(2, 5)):
        if rng.random() < 0.15:
            lines += [f"      - text: {q(text)}", f"        when: {{tier: {flow(sorted(rng.sample([1, 2, 3], 2)))}}}"]
        else:
            lines.append(f"      - {q(text)}")
    return lines


def work_step(rng: random.Random, s: int, earlier: list[str], duty_roles: list[str]) -> tuple[str, list[str]]:
    """Step number `s` (from 0), done by one of `duty_roles`: its id and its lines."""
    verb, obj = rng.choice(VERBS), rng.choice(OBJECTS)
    sid = slug(f"{verb} {obj}")
    if sid in earlier:
        sid = f"{sid}-{s + 1}"
    lines = [f"  - id: {sid}", f"    title: {q(verb + ' the ' + obj)}", f"    role: {rng.choice(duty_roles)}"]
    if rng.random() < 0.4:
        lines += ["    guidance: >-", f"      {rng.choice(GUIDANCE)}"]
    lines += item_lines(rng)
    if rng.random() < 0.2:
        lines += FIELD_LINES
    if rng.random() < 0.3:
        lines.append(f"    due: {rng.randint(1, 4)} weeks")
    if rng.random() < 0.1:
        lines.append(f"    when: {{segment: [{rng.choice(SEGMENTS)}], status: [active, transitioning]}}")
    return sid, lines


def steps_lines(rng: random.Random, dept: str, duty_roles: list[str], org: Org) -> list[str]:
    """Six to ten steps; the last but one, and sometimes the middle one, is an approval gate."""
    n_steps = rng.randint(6, 10)
    gates = {n_steps - 1}
    if n_steps >= 8 and rng.random() < 0.5:
        gates.add(n_steps // 2)
    step_ids: list[str] = []
    lines = ["steps:"]
    for s in range(n_steps):
        if s in gates:
            sid = f"approve-{len(step_ids) + 1}"
            lines += approval_step(rng, sid, step_ids, dept, org)
        else:
            sid, step = work_step(rng, s, step_ids, duty_roles)
            lines += step
        step_ids.append(sid)
    return lines


def changelog_lines(rng: random.Random, head: DocHead) -> list[str]:
    """Two to four entries, newest first, the newest matching the document's version."""
    lines = ["changelog:"]
    v_major, v_minor, when = head.major, head.minor, head.effective
    for _ in range(rng.randint(2, 4)):
        lines += [f'  - version: "{v_major}.{v_minor}"', f"    date: {when.isoformat()}",
                  f"    summary: {q(rng.choice(CHANGE_SUMMARIES))}"]
        if v_minor > 0:
            v_minor -= 1
        elif v_major > 1:
            v_major, v_minor = v_major - 1, 9
        else:
            break
        when -= dt.timedelta(days=rng.randint(60, 400))
    return lines


def body_lines(rng: random.Random, title: str, others: list[str]) -> list[str]:
    return [f"# {title}", "", "## Purpose", "", " ".join(rng.sample(BODY_SENTENCES, 3)), "",
            "## Scope", "", " ".join(rng.sample(BODY_SENTENCES, 3)), "",
            "## Notes", "", " ".join(rng.sample(BODY_SENTENCES, 2)),
            f"See {others[0]} for the related procedure." if others else "", ""]


def doc_text(i: int, docs: list[DocId], org: Org, seed: str) -> str:
    """Document i: front matter and Markdown body."""
    rng = random.Random(f"{seed}:doc:{i}")
    head = doc_head(rng, docs[i], org)
    others = related_ids(rng, i, docs)
    lines = ["---", *head.lines]
    if others:
        lines.append(f"related: {flow(others)}")
    lines.append(f"terms: {flow(q(t) for t in rng.sample(TERM_NAMES, rng.randint(3, 8)))}")
    duty_roles = rng.sample([*WORK_ROLES, "manager"], rng.randint(2, 4))
    lines += roles_lines(rng, duty_roles)
    lines += steps_lines(rng, docs[i].department, duty_roles, org)
    lines += changelog_lines(rng, head)
    lines.append("---")
    return "\n".join(lines) + "\n\n" + "\n".join(body_lines(rng, head.title, others))


# -- accounts ---------------------------------------------------------------------------


@dataclass
class AccountHead:
    """The first part of an account file, and what later parts depend on."""

    lines: list[str]
    tier: int
    status: str
    owner: str
    domain: str


def account_head(rng: random.Random, i: int, org: Org) -> AccountHead:
    """Schema line to products."""
    a, b, c = rng.choice(COMPANY_A), rng.choice(COMPANY_B), rng.choice(COMPANY_C)
    r = rng.random()
    tier = 1 if r < 0.1 else 2 if r < 0.35 else 3
    r = rng.random()
    status = "active" if r < 0.9 else "transitioning" if r < 0.93 else "closed"
    owner = rng.choice(org.am_people)
    lines = [
        SCHEMA_LINE.format("account").rstrip("\n"), f"id: ACC-{i:05d}", f"name: {q(f'{a} {b} {c}')}",
        f"segment: {rng.choice(SEGMENTS)}", f"tier: {tier}", f"status: {status}",
        f"health: {rng.choice(['green', 'green', 'green', 'yellow', 'red'])}", f"owner: person:{owner}", "team:",
    ]
    lines += [f"  {role}: person:{rng.choice(org.people_by_role[role] or org.active_people)}"
              for role in ("im", "ssm", "csm")]
    lines += [f"  kam: person:{owner}", f"products: {flow(rng.sample(PRODUCTS, rng.randint(1, 6)))}"]
    return AccountHead(lines, tier, status, owner, f"{a}{b}".lower() + ".example")


def review_lines(rng: random.Random, head: AccountHead) -> list[str]:
    """Review, plan and since dates: the cadence is 3/6/12 months by tier,
    so nothing is overdue or due soon on TODAY."""
    start = {1: dt.date(2026, 9, 25), 2: dt.date(2026, 6, 25), 3: D0}[head.tier]
    lines = []
    if head.status != "closed" or rng.random() < 0.5:
        lines.append(f"last_review: {rdate(rng, start, dt.date(2026, 11, 20)).isoformat()}")
    if head.tier in (1, 2):
        lines.append(f"plan_updated: {rdate(rng, D0, dt.date(2026, 11, 15)).isoformat()}")
    lines.append(f"since: {rdate(rng, dt.date(2008, 1, 1), dt.date(2025, 12, 31)).isoformat()}")
    return lines


def contact_lines(rng: random.Random, domain: str) -> list[str]:
    lines = ["contacts:"]
    for _ in range(rng.randint(1, 3)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        lines += [f"  - name: {first} {last}", f"    email: {first.lower()}.{last.lower()}@{domain}",
                  f'    phone: "+1-555-{rng.randrange(10000):04d}"', f"    title: {q(rng.choice(CONTACT_TITLES))}"]
    return lines


def escalation_lines(rng: random.Random) -> list[str]:
    lines = []
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        lines += [f"  - id: ESC-{rng.randrange(1000, 9999)}", f"    summary: {q(rng.choice(ESCALATION_SUMMARIES))}",
                  f"    tier: T{rng.randrange(5)}",
                  f"    opened: {rdate(rng, dt.date(2025, 1, 1), dt.date(2026, 11, 20)).isoformat()}",
                  f"    status: {rng.choice(['open', 'closed'])}"]
    return ["escalations:", *lines] if lines else []


def opportunity_lines(rng: random.Random) -> list[str]:
    lines = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        stage, status = rng.choice(OPP_STAGES)
        lines += [f"  - id: OPP-{rng.randrange(1000, 9999)}", f"    name: {q(rng.choice(OPP_NAMES))}",
                  f"    stage: {stage}", f"    status: {status}"]
    return ["opportunities:", *lines] if lines else []


def ticket_lines(rng: random.Random) -> list[str]:
    lines = []
    for _ in range(rng.randint(0, 4)):
        lines += [f"  - id: TCK-{rng.randrange(10000, 99999)}", f"    summary: {q(rng.choice(TICKET_SUMMARIES))}",
                  f"    kind: {rng.choice(['support', 'support', 'integration', 'customization'])}",
                  f"    status: {rng.choice(['open', 'closed', 'closed'])}"]
    return ["tickets:", *lines] if lines else []


def transition_lines(rng: random.Random, owner: str, org: Org) -> list[str]:
    """A hand-over from `owner` to another account manager, started lately."""
    new_owner = rng.choice(org.am_people)
    return ["transition:", f"  from: person:{owner}", f"  to: person:{new_owner}",
            f"  reason: {q(rng.choice(TRANSITION_REASONS))}",
            f"  started: {rdate(rng, dt.date(2026, 9, 1), dt.date(2026, 11, 20)).isoformat()}"]


def account_text(i: int, org: Org, seed: str) -> str:
    """Account ACC-<i>, owned by an active account manager."""
    rng = random.Random(f"{seed}:acc:{i}")
    head = account_head(rng, i, org)
    lines = head.lines + review_lines(rng, head) + contact_lines(rng, head.domain)
    lines.append(f"annual_revenue: {rng.randrange(50, 9000) * 1000}")
    lines += escalation_lines(rng) + opportunity_lines(rng) + ticket_lines(rng)
    if head.status == "transitioning":
        lines += transition_lines(rng, head.owner, org)
    if rng.random() < 0.4:
        lines += ["notes: >-", f"  {rng.choice(BODY_SENTENCES)}"]
    return "\n".join(lines) + "\n"


# -- the synthetic knowledge base -------------------------------------------------------


def prepare_dir(path: Path) -> None:
    """Empty `path` for generation; refuse to delete anything `synthetic` did not make."""
    if path.exists():
        if not (path / MARKER).is_file():
            raise BenchError(f"{path} exists and was not made by this benchmark; choose another --out")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("generated by bench/generator.py; safe to delete\n", encoding="utf-8")


def without_help_centre(text: str) -> str:
    """kb.yml without its `help_centre:` section, whose topics name the repository's own articles
    (the generated ones all go under "Other articles")."""
    lines = text.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if line.startswith("help_centre:")), None)
    if start is None:
        return text
    end = next((n for n in range(start + 1, len(lines)) if lines[n][:1] not in ("", " ", "\n", "#")), len(lines))
    return "".join(lines[:start] + lines[end:])


def _own_documents(kb_yml: str, doc_id: str | None) -> str:
    """kb.yml with its settings that name a document (the account review and transition checklists)
    naming `doc_id`, one of the synthetic tree's (the repository's are not in it); left out without one."""
    from kbtools.config import DOC_SETTINGS

    lines = []
    for line in kb_yml.splitlines(keepends=True):
        key = line.partition(":")[0]
        if key in DOC_SETTINGS:
            if doc_id is None:
                continue
            line = f"{key}: {doc_id}\n"
        lines.append(line)
    return "".join(lines)


def synthetic(root: Path, n_sops: int, n_accounts: int, n_people: int, seed: str) -> int:
    """Write a knowledge base with the repository's kb.yml into `root`; returns its number of files."""
    prepare_dir(root)
    kb_yml = REPO / "kb.yml"
    docs = doc_ids_for(n_sops)
    try:
        text = kb_yml.read_text(encoding="utf-8")
    except OSError as exc:
        raise BenchError(f"cannot copy {kb_yml}: {exc.strerror}") from None
    text = _own_documents(without_help_centre(text), docs[0].id if docs else None)
    (root / "kb.yml").write_text(text, encoding="utf-8")
    org = build_org(seed, n_people)
    n_org = write_org(root, org, [d.id for d in docs], seed)
    for slug_, _code, _name in DEPARTMENTS:
        if any(d.department == slug_ for d in docs):
            (root / "sops" / slug_).mkdir(parents=True)
    for i, doc in enumerate(docs):
        (root / "sops" / doc.department / f"{doc.id}.md").write_text(doc_text(i, docs, org, seed), encoding="utf-8")
    (root / "accounts").mkdir()
    for i in range(1, n_accounts + 1):
        (root / "accounts" / f"ACC-{i:05d}.yaml").write_text(account_text(i, org, seed), encoding="utf-8")
    return n_sops + n_accounts + n_org + 1


# -- documents derived from the repository's ---------------------------------------------


@functools.cache
def _tuple_dumper() -> type:
    """A YAML dumper that writes the models' tuples as lists."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)
    return Dumper


def front_matter(data: dict[str, Any]) -> str:
    import yaml

    return yaml.dump(data, Dumper=_tuple_dumper(), sort_keys=False, allow_unicode=True)


def copy_repo_files(root: Path) -> None:
    """The repository's org/, accounts/, docs/, kb.yml (but its help centre) and mkdocs.yml, into `root`."""
    for name in ("org", "accounts", "docs"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    (root / "kb.yml").write_text(without_help_centre((REPO / "kb.yml").read_text(encoding="utf-8")), encoding="utf-8")


def derived_doc(entry: Any, ident: str, title: str, last_reviewed: dt.date, related: list[str]) -> str:
    """The text of `entry` (a kbtools DocEntry) under a new id, title, review date and related documents."""
    data = entry.model.model_dump(mode="python", by_alias=True, exclude_none=True, exclude_defaults=True)
    data.update(id=ident, title=title, last_reviewed=last_reviewed, related=related)
    data["effective"] = min(data["effective"], last_reviewed)
    return f"---\n{front_matter(data)}---\n{entry.body}"


def from_repo(root: Path, count: int, seed: str = "site-bench") -> None:
    """`count` documents made from the repository's in turn, into `root`, next to `copy_repo_files`.

    Review dates go back up to 420 days, so some documents are overdue or due
    soon and the site shows every review banner.
    """
    from kbtools.load.loader import load

    copy_repo_files(root)
    templates = sorted(load(REPO).docs.values(), key=lambda e: e.model.id)
    rng = random.Random(seed)
    today = dt.date.fromisoformat(TODAY)
    made: list[str] = []
    numbers: Counter[str] = Counter()
    for n in range(count):
        entry = templates[n % len(templates)]
        series = entry.model.id.rsplit("-", 1)[0]
        numbers[series] += 1
        ident = f"{series}-{numbers[series]:03d}"  # the originals' ids come first
        text = derived_doc(entry, ident, f"{entry.model.title} ({n + 1})",
                           today - dt.timedelta(days=rng.randrange(0, 420)), [d for d in made[-3:] if d != ident])
        folder = root / "sops" / entry.model.department
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ident}.md").write_text(text, encoding="utf-8")
        made.append(ident)

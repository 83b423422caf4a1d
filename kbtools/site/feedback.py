"""What the feedback widget and the knowledge-gap page know of a page, and the links they fall back to.

The widget ("Was this page helpful?", docs/overrides/partials/feedback.html and
docs/assets/javascripts/feedback.js) posts to `kb serve`'s API. When no service
answers (the site on plain static hosting), it offers a link instead. On the
staff site that is a pre-filled issue in the repository
(`.github/ISSUE_TEMPLATE/feedback.yml`, `knowledge-gap.yml`) or an e-mail to the
page's owner, as `feedback.fallback` in kb.yml says. Customers cannot use the
repository's issues (it may well be private): the customers' site offers the
help centre's contact instead (`help_centre.contact`: an e-mail to its address,
else its support page), else, with `fallback: mailto`, an e-mail to the owner,
else no link at all. Those links are built here, at build time, from values any
pull request can set: every value is folded to one line, shortened and
percent-encoded, so no value can add a query parameter, a header of the
e-mail or a line of its body. The browser's script only ever copies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from ..config import Config
from .view import SiteView

FEEDBACK_FORM = "feedback.yml"  # .github/ISSUE_TEMPLATE/, field ids: document version owner page missing
GAP_FORM = "knowledge-gap.yml"  # field ids: question kind product account document
MAX_VALUE = 300  # characters of one pre-filled value; links stay far below the length browsers and GitHub take

# The e-mail's body: one line per field the issue form has (an empty one for the reader to fill in).
LABELS = {
    "document": "Document", "version": "Version", "owner": "Owner", "page": "Page",
    "missing": "What was missing or wrong", "question": "What was asked",
    "kind": "I do not know (missing knowledge) or I cannot (a limitation)",
    "product": "Product", "account": "Account",
}
FEEDBACK_FIELDS = ("document", "version", "owner", "page", "missing")
GAP_FIELDS = ("question", "kind", "product", "account", "document")


def one_line(value: str) -> str:
    """`value` with every run of white space (line breaks too) as one space, at most MAX_VALUE long."""
    folded = " ".join(value.split())
    return folded if len(folded) <= MAX_VALUE else folded[:MAX_VALUE - 1] + "\u2026"


def _encoded(value: str, safe: str = "") -> str:
    # Everything but unreserved characters (and `safe`) encoded; a lone surrogate (not UTF-8) becomes "?".
    return quote(value, safe=safe, errors="replace")


def _query(params: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{_encoded(name)}={_encoded(value)}" for name, value in params)


def fallback_url(config: Config, form: str, title: str, fields: Mapping[str, str],
                 recipients: Iterable[str] = ()) -> str:
    """The link that stands in for the service: the issue form `form` of the repository, with its
    title and `fields` (issue-form field id -> value) filled in, or, for `fallback: mailto`, an
    e-mail to `recipients` whose subject is the title and whose body lists the form's fields."""
    values = {name: one_line(value) for name, value in fields.items()}
    if config.feedback.fallback == "github" and config.repository is not None:
        params = [("template", form), ("title", one_line(title))]
        params += [(name, value) for name, value in values.items() if value]
        return f"{config.repository.url}/issues/new?{_query(params)}"
    names = FEEDBACK_FIELDS if form == FEEDBACK_FORM else GAP_FIELDS
    return _mailto(recipients, title, [(LABELS[name], values.get(name, "")) for name in names])


def _mailto(recipients: Iterable[str], subject: str, lines: Iterable[tuple[str, str]]) -> str:
    """An e-mail to `recipients` whose body has one `label: value` line each (values already one line)."""
    body = "\r\n".join(f"{label}: {value}" for label, value in lines) + "\r\n"
    to = ",".join(_encoded(one_line(address), safe="@") for address in recipients)  # `,` separates them
    return f"mailto:{to}?{_query([('subject', one_line(subject)), ('body', body)])}"


def customer_fallback(view: SiteView, title: str, page: str, owner: str) -> tuple[str, str]:
    """The customers' way to give feedback without the service, and its kind: an e-mail to the help
    centre's contact address (`mailto`), else its support page (`contact`), else, with `fallback:
    mailto`, an e-mail to the page's owner (`mailto`); ("", "") when there is none. The e-mail says
    which page it is about, in the customers' words; never a link to the repository's issues."""
    contact = view.config.help_centre.contact
    if contact is not None and contact.email:
        to: Iterable[str] = [contact.email]
    elif contact is not None and contact.url:
        return contact.url, "contact"
    elif view.config.feedback.fallback == "mailto" and view.recipients.get(owner):
        to = view.recipients[owner]
    else:
        return "", ""
    lines = [("Page", one_line(title)), ("Address", one_line(page)), ("What I was looking for", "")]
    return _mailto(to, f"Feedback on {title}", lines), "mailto"


def page_data(view: SiteView, doc_id: str | None, page_url: str, title: str) -> dict[str, str]:
    """The widget's data on one page (`data-kb-*` attributes): the document it is about (none on
    a hand-written page, whose feedback goes to the governing team), its version, its owner's
    name and the fallback link; and whether to show the service's helpfulness figures (internal
    document pages)."""
    config = view.config
    page = config.url(page_url)
    if doc_id is None:
        owner, owner_name = f"team:{config.kmt_team}", view.kmt_name
        fields = {"page": page}
        subject = f"Feedback on {title or page}"
        data = {"doc": "", "version": ""}
    else:
        doc = view.docs[doc_id].model
        owner, owner_name = doc.owner, view.display_name(doc.owner)
        fields = {"document": doc.id, "version": doc.version, "owner": f"{owner_name} ({owner})", "page": page}
        subject = f"Feedback on {doc.id}: {doc.title}"
        data = {"doc": doc.id, "version": doc.version}
    data["owner"] = owner_name
    if view.internal:
        data["fallback"] = fallback_url(config, FEEDBACK_FORM, subject, fields, view.recipients.get(owner, ()))
        data["fallback_kind"] = config.feedback.fallback
    else:  # the customers' words (kb.yml help_centre.feedback) in place of mkdocs.yml's, and their way to us
        shown = title or page if doc_id is None else view.docs[doc_id].model.title
        data["fallback"], data["fallback_kind"] = customer_fallback(view, shown, page, owner)
        data.update(customer_wording(config))
    data["helpfulness"] = "yes" if view.internal and doc_id is not None else ""  # the service's live figures
    return data


def customer_wording(config: Config) -> dict[str, str]:
    """The widget's words on the customers' site: its question, the two answers, the comment box's
    label, what is said once sent, what is said where nothing can be sent and the fallback link's text."""
    words = config.help_centre.feedback
    return {"title": words.title, "helpful": words.helpful, "unhelpful": words.unhelpful, "ask": words.ask,
            "sent_helpful": words.sent_helpful, "sent_unhelpful": words.sent_unhelpful,
            "unavailable": words.unavailable, "fallback_text": words.fallback}


def gap_fallback(view: SiteView, doc_id: str | None) -> str:
    """The gap page's link without the service: an issue (or e-mail to the governing team) about
    the document the gap came from, when there is one."""
    kmt = f"team:{view.config.kmt_team}"
    title = f"Knowledge gap: {doc_id}" if doc_id else "Knowledge gap"
    fields = {"document": doc_id} if doc_id else {}
    return fallback_url(view.config, GAP_FORM, title, fields, view.recipients.get(kmt, ()))

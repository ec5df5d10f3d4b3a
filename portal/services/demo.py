"""The demo workspace `demo`: accounts, contacts, a customer admin and a staff admin.

Idempotent: running it again refreshes what is missing and changes nothing else.
"""

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Contact
from portal.services import contacts, staff, workspaces
from portal.tenancy import use_workspace

DEMO_SLUG = "demo"
DEMO_ADMIN = ("admin@demo.helpport.local", "demo-admin-pass")
DEMO_AGENT = ("agent@demo.helpport.local", "demo-agent-pass")
ACCOUNTS = [
    ("Acme Corporation", ["acme.example"]),
    ("Globex Inc.", ["globex.example"]),
]
CONTACTS = [
    ("alice@acme.example", "Alice Anders", "Acme Corporation", True),
    ("bob@acme.example", "Bob Brown", "Acme Corporation", False),
    ("carol@globex.example", "Carol Chen", "Globex Inc.", True),
    ("dave@globex.example", "Dave Dietrich", "Globex Inc.", False),
    ("erin@example.org", "Erin Evans", None, False),
]


def seed(progress=None) -> list[str]:
    """Create or refresh the demo; `progress(contacts)` wraps the list (the CLI's tqdm bar:
    services print nothing themselves)."""
    ws = workspaces.by_slug(DEMO_SLUG)
    if ws is None:
        ws = workspaces.create_workspace(DEMO_SLUG, "Helpport Demo", jit_provisioning=True,
                                         kb_access="public")
    with use_workspace(ws.id):
        admins = workspaces.ensure_system_groups(ws)
        by_name = {}
        for name, domains in ACCOUNTS:
            account = db.session.scalar(select(Account).where(Account.name == name))
            if account is None:
                account = Account(workspace_id=ws.id, name=name, domains=domains)
                db.session.add(account)
            by_name[name] = account
        db.session.flush()
        for email, name, account_name, is_admin in (progress(CONTACTS) if progress
                                                     else CONTACTS):
            contact = contacts.by_email(ws, email)
            if contact is None:
                contact = Contact(workspace_id=ws.id, email=email, name=name, verified=True,
                                  account=by_name.get(account_name))
                db.session.add(contact)
            if is_admin and contact not in admins.members:
                admins.members.append(contact)
        db.session.commit()
        _demo_tickets(ws)
        _demo_articles(ws)
    staff.create_staff(*DEMO_ADMIN, "admin", DEMO_SLUG, name="Demo Admin")
    staff.create_staff(*DEMO_AGENT, "agent", DEMO_SLUG, name="Demo Agent")
    base = current_app.config["BASE_URL"].rstrip("/")
    return [
        f"Portal:  {base}/{ws.default_locale}/{ws.slug}/directories",
        f"Admin:   {base}/admin/  (email {DEMO_ADMIN[0]}, password {DEMO_ADMIN[1]})",
        f"Agent:   {DEMO_AGENT[0]} / {DEMO_AGENT[1]}",
        "Customers: alice@acme.example (customer admin), bob@acme.example, carol@globex.example",
        f"Sign-in codes: {base}/outbox  or  flask --app app portal outbox",
    ]


DEMO_TICKETS = [
    ("alice@acme.example", "Laptop does not start after update", "It shows a black screen.",
     {"category": "hardware", "subcategory": "laptop", "item": "x1", "serial": "PF-2231"}),
    ("bob@acme.example", "Invoice shows the wrong VAT", "Invoice 2026-114 has 19% instead of 7%.",
     {"category": "billing", "subcategory": "invoice", "order_number": "SO-8812"}),
]


def _demo_tickets(ws) -> None:
    """The example form with dependent fields, and a ticket or two to look at."""
    import json

    from config import ROOT
    from portal.models import Ticket
    from portal.services import ticket_forms, tickets

    if not ticket_forms.versions(ws):
        example = ROOT / "forms_schema" / "examples" / "hardware-support.json"
        ticket_forms.save(ws, json.loads(example.read_text()))
    if db.session.scalar(select(Ticket.id).limit(1)) is not None:
        return
    for email, title, description, custom in DEMO_TICKETS:
        contact = contacts.by_email(ws, email)
        data, form = tickets.parse_input(ws, {"title": title, "description": description,
                                              "priority": "normal", "custom_fields": custom})
        tickets.open_ticket(ws, contact, data, form)


DEMO_ARTICLES = [
    ("Getting started", "Reset your password", "Sign in without a password.",
     "Forgot your password? Open the sign-in page, choose *Email me a code* and enter the "
     "6-digit code we send you. No password is needed any more.", "public"),
    ("Getting started", "Invite your colleagues", "Let colleagues follow your tickets.",
     "Customer admins can see every ticket of their organisation. Ask your account manager "
     "to add a colleague to the *Customer Admins* group.", "verified"),
    ("Billing", "Download an invoice", "Copies and corrections of invoices.",
     "Invoices are emailed every month. Open a ticket with the category *Billing* and the "
     "invoice number if you need a copy or a correction.", "public"),
    ("Hardware", "Laptop does not start", "Three steps before you open a ticket.",
     "1. Hold the power button for 15 seconds.\n2. Connect the charger.\n3. If the screen "
     "stays black, open a ticket with the serial number.", "public"),
]


def _demo_articles(ws) -> None:
    """A few published articles in directories, so the knowledge base has something in it."""
    from portal.models import Article
    from portal.services import articles

    if db.session.scalar(select(Article.id).limit(1)) is not None:
        return
    for directory, title, description, body, audience in DEMO_ARTICLES:
        folder = articles.directory_by_name(ws, directory, ws.default_locale)
        articles.save(ws, locale=ws.default_locale, title=title, body=body,
                      description=description, status="published",
                      audience=audience, directory_id=folder.id, author="Demo")
    db.session.commit()

"""The demo workspace `demo`: accounts, contacts, customer admins, a workspace admin, an
agent and a platform admin, and a table of who may do what for `portal seed-demo` to print.

Idempotent: running it again refreshes what is missing and changes nothing else.
"""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Contact
from portal.services import contacts, portal_settings, staff, workspaces
from portal.tenancy import use_workspace

DEMO_SLUG = "demo"
DEMO_ADMIN = ("admin@demo.helpport.local", "demo-admin-pass")
DEMO_AGENT = ("agent@demo.helpport.local", "demo-agent-pass")
DEMO_PLATFORM_ADMIN = ("platform@helpport.local", "demo-platform-pass")
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


def seed() -> list[str]:
    """Create or refresh the demo and say who may do what (the CLI prints it: services print
    nothing themselves)."""
    ws = workspaces.by_slug(DEMO_SLUG)
    if ws is None:
        ws = workspaces.create_workspace(DEMO_SLUG, "Helpport Demo", jit_provisioning=True,
                                         kb_access="public")
        # the Plug (help launcher) on every portal page, as a hosted demo shows it; only at
        # creation: running seed-demo again keeps what an admin chose since
        portal_settings.change(ws, {"features.plug": True})
        db.session.commit()
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
        for email, name, account_name, is_admin in CONTACTS:
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
    staff.create_staff(*DEMO_PLATFORM_ADMIN, "admin", None, name="Platform Admin")
    return summary(ws)


def summary(ws) -> list[str]:
    """What `seed-demo` prints: where things are, and each demo account with its role, what
    it may do and where it signs in. URLs start with workspaces.public_base (PORT)."""
    base = workspaces.public_base()
    portal = f"{base}/{ws.default_locale}/{ws.slug}"
    admin_login = f"{base}/admin/login/"
    staff_rows = [
        (*DEMO_PLATFORM_ADMIN, "platform admin", admin_login,
         "every workspace: create workspaces and staff, and all a workspace admin may"),
        (*DEMO_ADMIN, "workspace admin", admin_login,
         "demo: customers, groups, ticket form, articles; work and delete tickets"),
        (*DEMO_AGENT, "agent", admin_login,
         "demo: work tickets (reply, notes, stage, assignee); read customers and articles"),
    ]
    customer_rows = [
        (email, "code by email", "customer admin" if is_admin else "customer",
         f"{portal}/signin",
         f"portal: own tickets and every ticket of {account}" if is_admin and account
         else "portal: own tickets, the knowledge base")
        for email, _name, account, is_admin in CONTACTS
    ]
    header = ("email", "password", "role", "signs in at", "may")
    rows = [header, *staff_rows, *customer_rows]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    table = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
             + "  " + row[-1] for row in rows]
    return [
        f"Portal:  {portal}/directories",
        f"Admin:   {base}/admin/",
        "",
        *table,
        "",
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
    from portal.services import articles, directories

    if db.session.scalar(select(Article.id).limit(1)) is not None:
        return
    for directory, title, description, body, audience in DEMO_ARTICLES:
        folder = directories.directory_by_name(ws, directory, ws.default_locale)
        articles.save(ws, locale=ws.default_locale, title=title, body=body,
                      description=description, status="published",
                      audience=audience, directory_id=folder.id, author="Demo")

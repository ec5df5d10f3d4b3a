from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import UTCDateTime, utcnow
from portal.models.customer import Account, Contact
from portal.tenancy import WorkspaceScoped

STAGES = ("open", "in_progress", "awaiting_customer", "resolved", "closed")
FINISHED_STAGES = ("resolved", "closed")  # a reply reopens them; the home page omits them
OPEN_STAGES = tuple(stage for stage in STAGES if stage not in FINISHED_STAGES)
PRIORITIES = ("low", "normal", "high", "urgent")

ticket_reporters = Table(
    "ticket_reporter",
    Model.metadata,
    Column("ticket_id", ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True,
           index=True),
    # the ticket's created_at, copied (a ticket's never changes): a customer's "my tickets"
    # list reads the contact's rows newest first from the index below and stops after a
    # page, instead of walking the whole workspace's tickets. Ticket.reporters writes it
    # (its join names the column); the bench seed and migration 0013 too.
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_ticket_reporter_contact_created", "contact_id", "created_at", "ticket_id"),
)


class TicketForm(WorkspaceScoped, Model):
    """One saved version of a workspace's ticket form; tickets keep the version they used."""

    __tablename__ = "ticket_form"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))


class TicketCounter(WorkspaceScoped, Model):
    """The last ticket number of a workspace; incremented in the creating transaction, so
    numbers are unique and gap-free."""

    __tablename__ = "ticket_counter"
    __table_args__ = (UniqueConstraint("workspace_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Ticket(WorkspaceScoped, Model):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_ticket_ws_stage_id", "workspace_id", "stage", "id"),
        Index("ix_ticket_ws_account_id", "workspace_id", "account_id", "id"),
        # keyset pages: ORDER BY created_at/updated_at, id within a workspace (or account)
        Index("ix_ticket_ws_created_id", "workspace_id", "created_at", "id"),
        Index("ix_ticket_ws_updated_id", "workspace_id", "updated_at", "id"),
        Index("ix_ticket_ws_public_updated_id", "workspace_id", "public_updated_at", "id"),
        Index("ix_ticket_ws_account_created_id", "workspace_id", "account_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    category: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(20), default="open")
    custom_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_form.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True)
    created_by_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the last change customers can see (a public event): what their pages, API and
    # "updated" sort show, so that an internal note or assignment does not move it
    public_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account | None] = relationship()
    form: Mapped[TicketForm | None] = relationship()
    # the join names created_at so that the ORM copies it into every row it adds
    reporters: Mapped[list[Contact]] = relationship(
        secondary=ticket_reporters,
        primaryjoin=lambda: and_(Ticket.id == ticket_reporters.c.ticket_id,
                                 Ticket.created_at == ticket_reporters.c.created_at))

    @property
    def display_number(self) -> str:
        return f"#{self.number}"

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    __repr__ = __str__


class Comment(WorkspaceScoped, Model):
    """A message in a ticket's thread: public (the customer sees it) or an internal note."""

    __tablename__ = "ticket_comment"
    __table_args__ = (Index("ix_comment_ticket_id", "ticket_id", "id"),
                      Index("ix_comment_ws_ticket_id", "workspace_id", "ticket_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=True)
    author_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    author_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ticket: Mapped[Ticket] = relationship()


class Attachment(WorkspaceScoped, Model):
    __tablename__ = "ticket_attachment"
    # the guarded lookup of a ticket's attachments (workspace_id = ? AND ticket_id = ?):
    # without it SQLite took the workspace_id index and read every attachment of the workspace
    __table_args__ = (Index("ix_ticket_attachment_ws_ticket", "workspace_id", "ticket_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_comment.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(WorkspaceScoped, Model):
    """History of a ticket (created, stage, priority, assignee, comment, reporters); public
    events are what customers see and what live updates carry."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket_id", "ticket_id", "id"),
                      Index("ix_ticket_event_ws_ticket_id", "workspace_id", "ticket_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    public: Mapped[bool] = mapped_column(default=True)
    actor: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set on a new ticket's "created" event: both rows are written in one flush
    ticket: Mapped[Ticket] = relationship()


class TicketNotification(WorkspaceScoped, Model):
    """Changes waiting to be emailed to one recipient about one ticket. Changes that come
    while the row waits join it, so a burst of changes becomes one email."""

    __tablename__ = "ticket_notification"
    __table_args__ = (Index("ix_ticket_notification_due", "sent_at", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_locale: Mapped[str] = mapped_column(String(10), default="en-US")
    audience: Mapped[str] = mapped_column(String(10))  # customer | staff
    event_ids: Mapped[list] = mapped_column(JSON, default=list)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

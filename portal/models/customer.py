from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped

CUSTOMER_ADMINS = "Customer Admins"

group_members = Table(
    "customer_group_member",
    Model.metadata,
    Column("group_id", ForeignKey("customer_group.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
)


class Account(WorkspaceScoped, Model):
    """A customer organisation."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    domains: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contacts: Mapped[list["Contact"]] = relationship(back_populates="account")

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


class Contact(WorkspaceScoped, Model):
    """A customer user of one workspace."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    verified: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    account: Mapped[Account | None] = relationship(back_populates="contacts")
    groups: Mapped[list["CustomerGroup"]] = relationship(
        secondary=group_members, back_populates="members"
    )

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    __repr__ = __str__


class CustomerGroup(WorkspaceScoped, Model):
    """A group of contacts; `Customer Admins` is the system group of each workspace."""

    __tablename__ = "customer_group"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    system: Mapped[bool] = mapped_column(default=False)
    members: Mapped[list[Contact]] = relationship(secondary=group_members, back_populates="groups")

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__

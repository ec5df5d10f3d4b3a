"""Who acts: a customer (contact) or a staff member (FAB user). Services take one."""

from dataclasses import dataclass

from portal.models import Contact


@dataclass(frozen=True)
class Actor:
    contact: Contact | None = None
    staff: object | None = None  # a Flask-AppBuilder user

    @property
    def is_staff(self) -> bool:
        return self.staff is not None

    @property
    def name(self) -> str:
        if self.staff is not None:
            full = f"{self.staff.first_name} {self.staff.last_name}".strip(" -")
            return full or self.staff.username
        if self.contact is not None:
            return self.contact.name or self.contact.email
        return "system"


def customer(contact: Contact) -> Actor:
    return Actor(contact=contact)


def staff(user) -> Actor:
    return Actor(staff=user)

"""The command line's one error path: a command group whose commands' refusals (a
ServiceError: Invalid, NotFound, Conflict...) become their message and exit status 1, not a
traceback, as portal.errors does for the web. Every group uses it, so that a group works the
same whether it runs under `flask portal` or on its own."""

import click
from flask.cli import AppGroup

from portal.services.errors import ServiceError


class ServiceCommands(AppGroup):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None

"""The `flask --app app portal ...` commands."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, Contact, CustomerGroup, StaffMembership, Workspace
from portal.services import workspaces


def count(model, **opts):
    return db.session.scalar(
        select(func.count()).select_from(model).execution_options(all_workspaces=True)
    )


def test_create_workspace(runner):
    result = runner.invoke(args=["portal", "create-workspace", "--slug", "initech",
                                 "--name", "Initech", "--kb-access", "public"])
    assert result.exit_code == 0, result.output
    ws = workspaces.by_slug("initech")
    assert ws.name == "Initech" and ws.settings["features"]["knowledge_base"] == "public"
    groups = db.session.scalars(select(CustomerGroup).where(CustomerGroup.workspace_id == ws.id)
                                .execution_options(all_workspaces=True)).all()
    assert [(g.name, g.system) for g in groups] == [("Customer Admins", True)]


def test_create_workspace_rejects_bad_and_duplicate_slugs(runner, acme):
    for slug in ("acme", "Bad Slug", "admin", "en-us", "-x"):
        result = runner.invoke(args=["portal", "create-workspace", "--slug", slug, "--name", "X"])
        assert result.exit_code != 0, slug
        assert "Error" in result.output
    assert count(Workspace) == 1


def test_create_workspace_rejects_unknown_kb_access(runner):
    result = runner.invoke(args=["portal", "create-workspace", "--slug", "x1", "--name", "X",
                                 "--kb-access", "everyone"])
    assert result.exit_code == 2
    assert workspaces.by_slug("x1") is None


def memberships(user) -> dict:
    rows = db.session.execute(select(Workspace.slug, StaffMembership.role)
                              .join(Workspace, Workspace.id == StaffMembership.workspace_id)
                              .where(StaffMembership.user_id == user.id))
    return dict(rows.all())


def create_staff(runner, email, role, *workspace):
    args = ["portal", "create-staff", "--email", email, "--password", "long-password",
            "--role", role]
    result = runner.invoke(args=args + (["--workspace", *workspace] if workspace else []))
    assert result.exit_code == 0, result.output
    return result


def test_create_staff_admin_agent_and_platform_admin(runner, app, acme):
    create_staff(runner, "ann@acme.example", "admin", "acme")
    sm = app.appbuilder.sm
    ann = sm.find_user(email="ann@acme.example")
    assert ann.roles == []  # the role is the membership's, not global
    assert memberships(ann) == {"acme": "admin"}
    create_staff(runner, "al@acme.example", "agent", "acme")
    al = sm.find_user(email="al@acme.example")
    assert al.roles == [] and memberships(al) == {"acme": "agent"}
    create_staff(runner, "root@helpport.example", "admin")
    root = sm.find_user(email="root@helpport.example")
    assert [r.name for r in root.roles] == [app.config["AUTH_ROLE_ADMIN"]]
    assert memberships(root) == {}


def test_create_staff_replaces_the_role_in_that_workspace_only(runner, app, acme, globex):
    create_staff(runner, "ann@acme.example", "admin", "acme")
    create_staff(runner, "ann@acme.example", "admin", "globex")
    result = create_staff(runner, "ann@acme.example", "agent", "acme")
    assert "updated staff ann@acme.example (agent)" in result.output
    ann = app.appbuilder.sm.find_user(email="ann@acme.example")
    db.session.refresh(ann)
    assert memberships(ann) == {"acme": "agent", "globex": "admin"}
    assert ann.roles == []
    create_staff(runner, "ann@acme.example", "admin", "acme")  # and back up again
    assert memberships(ann) == {"acme": "admin", "globex": "admin"}


def test_a_demotion_calls_the_access_reduced_hook(runner, app, acme, monkeypatch):
    from portal.services import staff

    reduced = []
    monkeypatch.setattr(staff, "_access_reduced", reduced.append)
    create_staff(runner, "ann@acme.example", "agent", "acme")
    create_staff(runner, "ann@acme.example", "admin", "acme")
    assert reduced == []  # new memberships and promotions reduce nothing
    create_staff(runner, "ann@acme.example", "agent", "acme")
    assert [u.email for u in reduced] == ["ann@acme.example"]


def test_create_staff_refuses_bad_input(runner, acme):
    cases = [
        ["--email", "x@acme.example", "--password", "short", "--role", "admin"],
        ["--email", "x@acme.example", "--password", "long-password", "--role", "agent"],
        ["--email", "x@acme.example", "--password", "long-password", "--role", "admin",
         "--workspace", "nope"],
        ["--email", "not-an-email", "--password", "long-password", "--role", "admin"],
    ]
    for args in cases:
        result = runner.invoke(args=["portal", "create-staff", *args])
        assert result.exit_code != 0, args


def test_init_db_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["portal", "init-db"])
        assert result.exit_code == 0, result.output


def test_seed_demo_twice_changes_nothing_the_second_time(runner, app):
    first = runner.invoke(args=["portal", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "/en-US/demo/directories" in first.output and "/admin/" in first.output
    before = (count(Workspace), count(Account), count(Contact), count(StaffMembership))
    second = runner.invoke(args=["portal", "seed-demo"])
    assert second.exit_code == 0, second.output
    assert (count(Workspace), count(Account), count(Contact), count(StaffMembership)) == before
    assert before == (1, 2, 5, 2)
    from portal.models import Ticket

    assert count(Ticket) == 2  # demo tickets once, not again
    from portal.models import Article

    assert count(Article) == 4
    demo = workspaces.by_slug("demo")
    admins = db.session.scalars(select(CustomerGroup).where(
        CustomerGroup.workspace_id == demo.id).execution_options(all_workspaces=True)).one()
    assert sorted(c.email for c in admins.members) == ["alice@acme.example", "carol@globex.example"]

"""staff roles per workspace membership

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000

A staff member's role ("admin" or "agent") moves from the global FAB roles onto each
workspace membership. Existing members become admins where their global roles included
"Admin", agents otherwise; then the global "Admin"/"Agent" links of everyone who is not a
platform admin are dropped (they would otherwise still count in every workspace).
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app, has_app_context


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ADMIN, AGENT = "Admin", "Agent"


def _platform_role() -> str:
    if has_app_context():
        return current_app.config.get("AUTH_ROLE_ADMIN", "Platform Admin")
    return "Platform Admin"


def upgrade():
    with op.batch_alter_table('staff_membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), server_default='agent',
                                      nullable=False))
        batch_op.create_check_constraint('ck_staff_membership_role',
                                         "role IN ('admin', 'agent')")
    holders = ("SELECT ur.user_id FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id "
               "WHERE r.name = :name")
    op.execute(sa.text(f"UPDATE staff_membership SET role = 'admin' "
                       f"WHERE user_id IN ({holders})").bindparams(name=ADMIN))
    op.execute(sa.text(
        f"DELETE FROM ab_user_role "
        f"WHERE role_id IN (SELECT id FROM ab_role WHERE name IN (:admin, :agent)) "
        f"AND user_id NOT IN ({holders})"
    ).bindparams(admin=ADMIN, agent=AGENT, name=_platform_role()))


def downgrade():
    # Back to global roles: "Admin" for anyone who is an admin somewhere, else "Agent".
    for role, where in ((ADMIN, "m.role = 'admin'"),
                        (AGENT, "m.user_id NOT IN (SELECT user_id FROM staff_membership "
                                "WHERE role = 'admin')")):
        op.execute(sa.text(
            f"INSERT INTO ab_user_role (user_id, role_id) "
            f"SELECT DISTINCT m.user_id, r.id FROM staff_membership m, ab_role r "
            f"WHERE r.name = :role AND {where} AND NOT EXISTS ("
            f"SELECT 1 FROM ab_user_role ur WHERE ur.user_id = m.user_id AND ur.role_id = r.id)"
        ).bindparams(role=role))
    with op.batch_alter_table('staff_membership', schema=None) as batch_op:
        batch_op.drop_constraint('ck_staff_membership_role', type_='check')
        batch_op.drop_column('role')

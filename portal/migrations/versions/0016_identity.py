"""identity: SAML identity providers, application access tokens, spent single-use tokens,
how a customer session was proven, the workspace's sign-in and JIT settings, and
visitors' ticket drafts kept for the API

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 20:15:27

Existing sessions were all proven by an emailed code; existing workspaces keep the emailed
code as their only sign-in method, and JIT contacts keep joining accounts by domain.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('app_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=True),
    sa.Column('last_used_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('app_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_token_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('identity_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('preset', sa.String(length=10), nullable=False),
    sa.Column('entity_id', sa.String(length=1024), nullable=False),
    sa.Column('metadata_xml', sa.Text(), nullable=False),
    sa.Column('metadata_url', sa.String(length=2000), nullable=True),
    sa.Column('attribute_map', sa.JSON(), nullable=False),
    sa.Column('email_domains', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('want_response_signed', sa.Boolean(), nullable=False),
    sa.Column('want_assertions_signed', sa.Boolean(), nullable=False),
    sa.Column('allow_idp_initiated', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'name')
    )
    with op.batch_alter_table('identity_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_provider_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('spent_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=256), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'kind', 'key')
    )
    with op.batch_alter_table('spent_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_token_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_spent_token_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('guest_ticket_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='web', nullable=False))

    with op.batch_alter_table('customer_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proof', sa.String(length=20), server_default='email_code', nullable=False))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))

    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jit_link_by_domain', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        batch_op.add_column(sa.Column('jit_default_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sign_in_email_code', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        batch_op.add_column(sa.Column('sign_in_saml', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('sign_in_jwt', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('saml_required_domains', sa.JSON(), server_default='[]', nullable=False))



def downgrade():
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('saml_required_domains')
        batch_op.drop_column('sign_in_jwt')
        batch_op.drop_column('sign_in_saml')
        batch_op.drop_column('sign_in_email_code')
        batch_op.drop_column('jit_default_account_id')
        batch_op.drop_column('jit_link_by_domain')

    with op.batch_alter_table('guest_ticket_draft', schema=None) as batch_op:
        batch_op.drop_column('source')

    with op.batch_alter_table('customer_session', schema=None) as batch_op:
        batch_op.drop_column('user_agent')
        batch_op.drop_column('proof')

    with op.batch_alter_table('spent_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_token_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_spent_token_expires_at'))

    op.drop_table('spent_token')
    with op.batch_alter_table('identity_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_provider_workspace_id'))

    op.drop_table('identity_provider')
    with op.batch_alter_table('app_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_token_workspace_id'))

    op.drop_table('app_token')

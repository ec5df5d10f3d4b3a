"""search synonyms: a workspace's groups of words that mean the same per locale, and a
visitor key on logged searches (for synonym proposals)

Revision ID: 0018_search_synonyms
Revises: 0017
Create Date: 2026-12-04 10:00:00

Searches logged before have no visitor key: they never take part in a proposal.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0018_search_synonyms'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_search_synonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kb_search_synonym', schema=None) as batch_op:
        batch_op.create_index('ix_kb_search_synonym_ws_locale', ['workspace_id', 'locale'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_search_synonym_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('kb_search_query', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitor', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_kb_search_query_visitor', ['workspace_id', 'visitor'], unique=False)


def downgrade():
    with op.batch_alter_table('kb_search_query', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_search_query_visitor')
        batch_op.drop_column('visitor')

    with op.batch_alter_table('kb_search_synonym', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_search_synonym_workspace_id'))
        batch_op.drop_index('ix_kb_search_synonym_ws_locale')

    op.drop_table('kb_search_synonym')

"""article votes, one per reader; stored file names without control characters

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000
"""
import unicodedata

from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DROPPED = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # as portal.services.filenames, frozen here


def upgrade():
    op.create_table('kb_article_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('visitor', sa.String(length=64), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_article.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('article_id', 'contact_id'),
    sa.UniqueConstraint('article_id', 'visitor')
    )
    with op.batch_alter_table('kb_article_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_vote_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_vote_workspace_id'), ['workspace_id'], unique=False)

    _clean_names('ticket_attachment', 'filename')
    _clean_names('kb_article', 'file_name')


def _clean_names(table_name, column):
    """Names stored before uploads were cleaned: drop control and format characters (the
    bidi overrides that make "invoice\u202efdp.txt" read "invoicetxt.pdf")."""
    conn = op.get_bind()
    table = sa.table(table_name, sa.column('id', sa.Integer), sa.column(column, sa.String))
    rows = conn.execute(sa.select(table.c.id, table.c[column])
                        .where(table.c[column].is_not(None))).all()
    for row_id, name in rows:
        clean = "".join(ch for ch in name if unicodedata.category(ch) not in DROPPED).strip()
        if clean != name:
            conn.execute(table.update().where(table.c.id == row_id)
                         .values({column: clean or "file"}))


def downgrade():
    with op.batch_alter_table('kb_article_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_vote_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_kb_article_vote_contact_id'))

    op.drop_table('kb_article_vote')

"""knowledge base lookup indexes: an article's translations, a directory's articles

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03 07:00:00

The tenancy guard adds `workspace_id = ?` to every query. On SQLite (no planner
statistics: nothing runs ANALYZE) a translation lookup by article then ties between the
unique (article_id, locale) index and the one on workspace_id, and takes the latter: it
reads every translation of the workspace to find one article's (2-5 ms on the article
page at 1,000 articles). A directory's articles went through (workspace_id, status,
audience) the same way. These indexes match what the guarded queries ask, as the
ticket tables' (workspace_id, ticket_id) ones do.
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kb_article_translation', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_translation_ws_article',
                              ['workspace_id', 'article_id'], unique=False)
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_ws_directory',
                              ['workspace_id', 'directory_id', 'status', 'audience'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('kb_article', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_ws_directory')
    with op.batch_alter_table('kb_article_translation', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_translation_ws_article')

"""article plain text: kb_article_translation.plain_text, what search snippets read

Search rendered every hit's HTML back to text on every search (a quarter of its time); the
text is now stored when a translation is saved. Existing rows are filled here.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table('kb_article_translation') as batch_op:
        batch_op.add_column(sa.Column('plain_text', sa.Text(), nullable=True))
    from portal.services.article_content import plain_text

    table = sa.table('kb_article_translation', sa.column('id', sa.Integer),
                     sa.column('description', sa.String), sa.column('body', sa.Text),
                     sa.column('body_html', sa.Text), sa.column('plain_text', sa.Text))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c.description, table.c.body,
                                      table.c.body_html)
                            .where(table.c.id > last).order_by(table.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        conn.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                     .values(plain_text=sa.bindparam('text')),
                     [{'row_id': r.id, 'text': plain_text(r.description, r.body, r.body_html)}
                      for r in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('kb_article_translation') as batch_op:
        batch_op.drop_column('plain_text')

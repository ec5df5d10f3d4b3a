"""Business rules: no request objects, no templates. Services take the workspace (and the
actor) first, and each action commits once, then its after-commit work runs (reindex,
emails, live events); a step composed into a larger action uses a non-committing helper.

Naming of the knowledge base: "kb" names only the feature's surfaces (the portal pages
`portal.web.kb`, the admin pages and staff API `portal.admin.kb`, the staff API schemas
`portal.schemas.staff_kb`). The rules behind them are named for what they are:

- `articles`: writing articles (translations, revisions, status, delete)
- `article_uploads`: file articles from an upload; `article_files`: the stored originals
- `article_content`: Markdown rendering and sanitizing, text extraction, slugs
- `article_access`: who may read which article
- `article_lists`: the staff article list and the readers' lists (tree, popular, related)
- `article_feedback`: votes and view counts
- `article_import`: the folder importer (`flask portal import-articles`)
- `directories`: the directory tree and its rules
"""

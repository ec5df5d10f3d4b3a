"""Business rules: no request objects, no templates. Services take the workspace (and the
actor) first, and each action commits once, then its after-commit work runs (reindex,
emails, live events); a step composed into a larger action uses a non-committing helper.

Naming of the knowledge base: "kb" names the feature area only where a whole slice of it
sits together: its surfaces (the portal pages `portal.web.kb`, the admin pages and staff
API `portal.admin.kb`, the staff API schemas `portal.schemas.staff_kb`) and its models
(`portal.models.kb`, tables `kb_*`). No module of rules is called "kb": the services say
what they are:

- `articles`: writing articles (translations, revisions, status, delete)
- `article_uploads`: file articles from an upload; `article_files`: the stored originals
- `article_content`: Markdown rendering and sanitizing, text extraction, slugs
- `article_access`: who may read which article
- `article_lists`: the staff article list and the readers' lists (tree, popular, related)
- `article_feedback`: votes and view counts
- `article_import`: the folder importer (`flask portal import-articles`)
- `directories`: the directory tree and its rules
- `article_index`: asking for the search index rebuild after a change commits
- `scoped`: a workspace's row by id, a slug free in the workspace (any service may use it)
"""

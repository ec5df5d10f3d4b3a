"""The knowledge base's admin surface: Articles, Directories, Search analytics, Answers and
Synonyms pages,
and the staff REST API for articles and directories. Thin views only: the rules, queries
and commits are in the services (see portal.services for how the knowledge-base modules
are named)."""

from flask_babel import lazy_gettext as _l


def register_kb(appbuilder) -> None:
    """Settings > Support > Knowledge base, as FAB's one-level menu: a "Knowledge base"
    category with Articles, Directories, Search analytics, Answers and Synonyms."""
    from portal.admin.kb.analytics import SearchAnalyticsView
    from portal.admin.kb.answers import KbAnswersView
    from portal.admin.kb.article_api import ArticleApi
    from portal.admin.kb.articles import ArticlesView
    from portal.admin.kb.directories import DirectoriesView
    from portal.admin.kb.directory_api import DirectoryApi
    from portal.admin.kb.synonyms import SearchSynonymsView

    appbuilder.add_view(ArticlesView, "Articles", label=_l("Articles"),
                        category="Knowledge base", category_label=_l("Knowledge base"),
                        icon="fa-book")
    appbuilder.add_view(DirectoriesView, "Directories", label=_l("Directories"),
                        category="Knowledge base", icon="fa-folder-open")
    appbuilder.add_view(SearchAnalyticsView, "Search analytics", label=_l("Search analytics"),
                        category="Knowledge base", icon="fa-line-chart")
    appbuilder.add_view(KbAnswersView, "Answers", label=_l("Answers"),
                        category="Knowledge base", icon="fa-comments")
    appbuilder.add_view(SearchSynonymsView, "Synonyms", label=_l("Synonyms"),
                        category="Knowledge base", icon="fa-exchange")
    appbuilder.add_api(ArticleApi)
    appbuilder.add_api(DirectoryApi)

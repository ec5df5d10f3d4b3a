"""The staff knowledge-base API (/api/v1/article/, /api/v1/directory/): list filters, the
bodies of an article (JSON, or a multipart form with the uploaded file) and a directory, and
the JSON it answers (for the OpenAPI document)."""

from marshmallow import Schema, fields, pre_load

from portal.models.base import ID_MAX
from portal.models.kb import AUDIENCES, KINDS, STATUSES
from portal.schemas import Choice, Id, Input, Text, Whole
from portal.schemas.staff_api import PerLocale, Strict
from portal.services.articles import DESCRIPTION_MAX, TITLE_MAX
from portal.services.directories import NAME_MAX

MAX_LIST = 200


class ArticleListArgs(Input):
    directory = Id(metadata={"description": "A directory's id"})
    status = Choice(STATUSES)
    kind = Choice(KINDS)
    limit = Whole(1, MAX_LIST, load_default=50)
    offset = Whole(0, ID_MAX, load_default=0)


class ArticleWrite(Strict):
    """An article and one translation (`locale`, the workspace's default if left out); a
    field left out keeps its value."""

    kind = Choice(KINDS, metadata={"description": "file articles are sent as multipart"})
    locale = Text(20)
    title = Text(TITLE_MAX)
    description = Text(DESCRIPTION_MAX)
    body = Text(metadata={"description": "Markdown (native articles)"})
    status = Choice(STATUSES)
    audience = Choice(AUDIENCES)
    directory_id = Id(strict=True, allow_none=True)
    slug = Text(200)
    link_url = Text(2000, metadata={"format": "uri"})


class ArticleUpload(ArticleWrite):
    """The same fields as a multipart form, with the uploaded `file` (required to create a
    file article); an empty `directory_id` means none."""

    directory_id = Id(allow_none=True)
    file = fields.Raw(metadata={"type": "string", "format": "binary"})

    @pre_load
    def empty_is_none(self, data, **kwargs):
        if data.get("directory_id") == "":
            data = {**data, "directory_id": None}
        return data


class DirectoryWrite(Strict):
    """A directory; a field left out keeps its value."""

    names = PerLocale(NAME_MAX)
    descriptions = PerLocale(DESCRIPTION_MAX)
    parent_id = Id(strict=True, allow_none=True)
    position = Whole(-1_000_000, 1_000_000, strict=True)
    slug = Text(100)


class UploadedFile(Schema):
    name = fields.String()
    type = fields.String()
    url = fields.String()


class ArticleSummary(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(KINDS)})
    slug = fields.String()
    title = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    audience = fields.String(metadata={"enum": list(AUDIENCES)})
    directory_id = fields.Integer(allow_none=True)
    external_ref = fields.String(allow_none=True)
    link_url = fields.String(allow_none=True)
    locales = fields.List(fields.String())
    helpful_yes = fields.Integer()
    helpful_no = fields.Integer()
    views = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class Translation(Schema):
    locale = fields.String()
    title = fields.String()
    description = fields.String()
    body = fields.String()
    body_html = fields.String()
    updated_at = fields.DateTime()


class ArticleDetail(ArticleSummary):
    file = fields.Nested(UploadedFile, allow_none=True)
    translations = fields.List(fields.Nested(Translation))


class Revision(Schema):
    id = fields.Integer()
    locale = fields.String()
    title = fields.String()
    description = fields.String()
    body = fields.String()
    status = fields.String()
    audience = fields.String()
    author = fields.String()
    created_at = fields.DateTime()


class StaffDirectory(Schema):
    id = fields.Integer()
    slug = fields.String()
    parent_id = fields.Integer(allow_none=True)
    position = fields.Integer()
    names = fields.Dict(keys=fields.String(), values=fields.String())
    descriptions = fields.Dict(keys=fields.String(), values=fields.String())


class DirectoryInTree(StaffDirectory):
    depth = fields.Integer()


class PublishNotify(Strict):
    """Publish & Notify: the comment the subscribers' email carries (optional)."""

    comment = Text(2000)


class NotifyScheduled(Schema):
    """A Publish & Notify waiting for its due time (a second one before it joins it)."""

    article_id = fields.Integer()
    comment = fields.String()
    due_at = fields.DateTime()
    subscribers = fields.Integer()

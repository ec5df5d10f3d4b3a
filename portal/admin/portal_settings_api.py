"""Staff REST API for the portal settings document: /api/v1/portal-settings/ (FAB JWT +
`X-Workspace`; workspace admins only: portal.admin.roles).

- `GET /` -> `{"draft": {...}, "published": {...}, "version": N, "has_draft": bool}`
  (the draft is the published document when nothing is being edited);
- `PUT /draft` with the whole document -> the draft as saved (422: every wrong field);
- `POST /publish` -> `{"published": {...}, "version": N}` (404: no draft);
- `DELETE /draft` discards the draft; `GET /history` lists the publishes;
  `POST /restore/<version>` puts a publish back into the draft;
- `POST /images/<image>` (multipart, the file in `file`; image: logo, logo_dark, favicon)
  -> `{"url": ..., "draft": {...}}`, the re-encoded image's URL in the draft (422: not a
  PNG, JPEG, GIF or WebP image, or out of the limits: portal.services.portal_images);
  `DELETE /images/<image>` takes it out of the draft.

The document's keys are portal.schemas.portal_settings'; the rules are
portal.services.portal_settings'.
"""

from flask import g, request
from flask_babel import gettext as _
from marshmallow import fields

from portal.admin.api import WorkspaceBaseApi
from portal.admin.api_base import api_route, operation
from portal.auth.staff_sessions import api_user
from portal.body_limits import takes_uploads
from portal.extensions import db
from portal.schemas import Input
from portal.schemas.portal_settings import DocumentSchema
from portal.schemas.staff_api import MESSAGE
from portal.services import portal_images, portal_settings, staff
from portal.services.errors import Invalid, NotFound

OVERVIEW = {"type": "object", "required": ["draft", "published", "version"],
            "properties": {"draft": DocumentSchema, "published": DocumentSchema,
                           "version": {"type": "integer"}, "has_draft": {"type": "boolean"}}}
DRAFT = {"type": "object", "properties": {"draft": DocumentSchema}}
PUBLISHED = {"type": "object", "properties": {"published": DocumentSchema,
                                              "version": {"type": "integer"}}}
HISTORY = {"type": "object", "properties": {"result": {"type": "array", "items": {
    "type": "object", "properties": {"version": {"type": "integer"},
                                     "published_by": {"type": "string"},
                                     "published_at": {"type": "string",
                                                      "format": "date-time"}}}}}}

IMAGE = {"type": "object", "properties": {"url": {"type": "string"}, "draft": DocumentSchema}}


class ImageUpload(Input):
    file = fields.Raw(metadata={"type": "string", "format": "binary",
                                "description": "A PNG, JPEG, GIF or WebP image"})


def _author() -> str:
    return staff.staff_name(api_user())


class PortalSettingsApi(WorkspaceBaseApi):
    resource_name = "portal-settings"
    openapi_spec_tag = "Portal settings (staff)"

    @api_route("/", "get")
    @operation("Get the portal settings: draft, published and version", response=OVERVIEW)
    def get(self):
        """The X-Workspace workspace's draft and published settings documents."""
        return self.response(200, **portal_settings.overview(g.admin_workspace))

    @api_route("/draft", "put", methods=["PUT"])
    @operation("Save the whole settings document as the draft", body=DocumentSchema,
               response=DRAFT)
    def put_draft(self, data):
        """Customers see nothing of it until it is published. Logo, dark logo and favicon
        are kept as they are (they have their own upload endpoints)."""
        saved = portal_settings.save_draft(g.admin_workspace, data, _author())
        db.session.commit()
        return self.response(200, draft=saved)

    @api_route("/draft", "delete", methods=["DELETE"])
    @operation("Discard the draft", response=MESSAGE, codes=[404])
    def delete_draft(self):
        """Drop the unpublished edits; the published settings stay."""
        if not portal_settings.discard(g.admin_workspace):
            raise NotFound(_("There is no draft."))
        db.session.commit()
        return self.response(200, message="draft discarded")

    @api_route("/publish", "post", methods=["POST"])
    @operation("Publish the draft", response=PUBLISHED, codes=[404, 409, 422])
    def publish(self):
        """The draft goes live on the portal and the API at once; the publish is kept in
        the history (version, author, time)."""
        ws = g.admin_workspace
        number = portal_settings.publish(ws, _author())
        db.session.commit()
        return self.response(200, published=portal_settings.published(ws).as_dict(),
                             version=number)

    @api_route("/history", "get")
    @operation("List the publishes", response=HISTORY)
    def history(self):
        """Every publish, newest first."""
        rows = portal_settings.history(g.admin_workspace)
        return self.response(200, result=[{**row, "published_at": row["published_at"].isoformat()}
                                          for row in rows])

    @api_route("/restore/<int:number>", "post", methods=["POST"])
    @operation("Put a published version back into the draft", response=DRAFT, codes=[404])
    def restore(self, number):
        """The draft becomes that version's document; publish it to make it live."""
        restored = portal_settings.restore(g.admin_workspace, number, _author())
        db.session.commit()
        return self.response(200, draft=restored)

    @takes_uploads(portal_images.upload_limit)
    @api_route("/images/<image>", "post", methods=["POST"])
    @operation("Upload the logo, the dark logo or the favicon into the draft", form=ImageUpload,
               response=IMAGE, codes=[404, 413])
    def post_image(self, image, data=None):
        """The image is checked and re-encoded (PNG, JPEG, GIF or WebP by content; at most
        2 MB; a logo up to 2000 × 1000 pixels, a favicon square up to 512; at least 16), and
        its URL, which names its content and is cached for a year, goes into the draft."""
        upload = request.files.get("file") if data is not None else None
        if upload is None:
            raise Invalid(_("Send the image as multipart form data in the field file."),
                          field="file")
        ws = g.admin_workspace
        url = portal_images.store_image(ws, image, upload.read(portal_images.MAX_BYTES + 1),
                                        upload.filename or "", _author())
        db.session.commit()
        return self.response(200, url=url, draft=portal_settings.draft(ws).as_dict())

    @api_route("/images/<image>", "delete", methods=["DELETE"])
    @operation("Take the logo, the dark logo or the favicon out of the draft", response=DRAFT,
               codes=[404])
    def delete_image(self, image):
        """The portal shows the company name (or the default icon) once this is published."""
        ws = g.admin_workspace
        portal_images.clear_image(ws, image, _author())
        db.session.commit()
        return self.response(200, draft=portal_settings.draft(ws).as_dict())


def register_portal_settings_api(appbuilder) -> None:
    appbuilder.add_api(PortalSettingsApi)

"""Staff REST API for knowledge-base directories: /api/v1/directory/ (FAB JWT +
`X-Workspace`), through portal.services.directories, as the Directories admin page."""

from flask import g

from portal.admin.api_base import api_route, operation
from portal.admin.kb import forms
from portal.admin.kb.article_api import KbApi
from portal.admin.kb.serializers import directory_json
from portal.schemas.staff_api import MESSAGE, result
from portal.schemas.staff_kb import DirectoryInTree, DirectoryWrite, StaffDirectory
from portal.services import directories


def save(directory, data: dict):
    """Create or change a directory; a field left out of `data` keeps its value."""
    current = directory_json(directory) if directory is not None else {}
    with forms.json_field_names():
        return directories.save_directory(
            g.admin_workspace, directory_obj=directory,
            names=data.get("names", current.get("names", {})),
            descriptions=data.get("descriptions", current.get("descriptions", {})),
            parent_id=data.get("parent_id", current.get("parent_id")),
            position=data.get("position", current.get("position", 0)),
            slug=data.get("slug"))


class DirectoryApi(KbApi):
    resource_name = "directory"

    def find(self, pk: int):
        return directories.get_directory(g.admin_workspace, pk)

    @api_route("/", "get")
    @operation("List directories of the X-Workspace workspace",
               response=result(DirectoryInTree, many=True))
    def get_list(self):
        """Every directory, parents before children, each level in order, with its depth
        in the tree."""
        tree = directories.directories(g.admin_workspace)
        return self.response(200, result=[{**directory_json(d), "depth": depth}
                                          for d, depth in tree])

    @api_route("/<int:pk>", "get")
    @operation("Get a directory", response=result(StaffDirectory), codes=[404])
    def get(self, pk):
        """One directory."""
        return self.response(200, result=directory_json(self.find(pk)))

    @api_route("/", "post", methods=["POST"])
    @operation("Create a directory", body=DirectoryWrite, response=result(StaffDirectory),
               status=201)
    def post(self, data):
        """Create a directory."""
        return self.response(201, result=directory_json(save(None, data)))

    @api_route("/<int:pk>", "put", methods=["PUT", "PATCH"])
    @operation("Update a directory", body=DirectoryWrite, response=result(StaffDirectory),
               find=True)
    def put(self, pk, row, data):
        """Change a directory; fields left out keep their values."""
        return self.response(200, result=directory_json(save(row, data)))

    @api_route("/<int:pk>", "delete", methods=["DELETE"])
    @operation("Delete a directory", response=MESSAGE, codes=[404, 409])
    def delete(self, pk):
        """Delete a directory without subdirectories (409 otherwise); its articles move to
        no directory."""
        directories.delete_directory(g.admin_workspace, self.find(pk))
        return self.response(200, message="OK")

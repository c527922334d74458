from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for evidence: files have no URL at all, so none can ever be linked."""

    def url(self, name):
        raise ValueError(
            "Evidence files have no public URL; staff see them through the evidence view."
        )

"""Index answers for the update-hashes tests, built without a server."""

from __future__ import annotations

from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._models import Found, Hash, IndexFile, IndexProject

INDEX = "https://libraries.cgr.dev/python/simple/"


def found(name: str, files: dict[str, str]) -> Found:
    """What the index answers for ``name``: these files (file name -> sha256)."""
    return Found(
        project=IndexProject(
            name=canonicalize_name(name),
            index_url=INDEX,
            files=tuple(
                IndexFile(
                    filename=filename,
                    url=f"https://libraries.cgr.dev/python/files/{filename}",
                    version=Version(filename.split("-")[1].removesuffix(".tar.gz")),
                    hashes=(Hash(algorithm="sha256", value=digest),),
                )
                for filename, digest in files.items()
            ),
        )
    )

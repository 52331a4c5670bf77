"""The index settings pip should end up with, shared by pip.conf and requirements files.

pip has one ``index-url`` and any number of ``extra-index-url``s, and gives none of them
priority: it takes the best matching file from all of them. So only membership matters:
Chainguard becomes the index URL, the remediated index (when asked for) and PyPI (when a
fallback is wanted) become extra indexes, private indexes are kept, and a private index that
was the index URL moves to the extra indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cg_action._rewrite._interface import RewriteOptions
from cg_action._rewrite._roles import Role, comparable_url, has_secret, role_of
from cg_action._urls import host_of, redact_url


@dataclass(frozen=True, slots=True, kw_only=True)
class PipIndexes:
    """What pip should be given: one index URL and the extra ones (comparable URLs)."""

    index_url: str
    extra_index_urls: tuple[str, ...]

    def wants_extra(self, url: str) -> bool:
        """Whether an existing extra-index-url entry should stay."""
        return comparable_url(url) in {comparable_url(u) for u in self.extra_index_urls}


def pypi_reachable(
    index_urls: Sequence[str], extra_urls: Sequence[str], options: RewriteOptions
) -> bool:
    """Whether pip could reach PyPI with these settings: named, or its default (no index-url)."""
    if not index_urls:
        return True
    return any(role_of(url, options) is Role.PYPI for url in [*index_urls, *extra_urls])


def desired_pip_indexes(
    index_urls: Sequence[str], extra_urls: Sequence[str], options: RewriteOptions
) -> PipIndexes:
    """The index settings pip should have, given the ones it has."""
    extras: list[str] = []

    def add(url: str) -> None:
        if comparable_url(url) not in {comparable_url(u) for u in extras}:
            extras.append(url)

    if options.remediated:
        add(options.remediated_index_url)
    for url in [*index_urls, *extra_urls]:
        match role_of(url, options):
            case Role.OTHER:
                add(url)
            case Role.REMEDIATED if not options.remediated:
                add(url)
            case _:
                pass
    if options.fallback:
        add(options.fallback_index_url)
    return PipIndexes(index_url=options.index_url, extra_index_urls=tuple(extras))


def pip_notes(options: RewriteOptions, *, in_requirements: bool) -> tuple[str, ...]:
    """What a pip user needs to know after the rewrite."""
    host = host_of(options.index_url)
    notes = [
        f"pip: credentials are not written into files; put them in ~/.netrc "
        f"('machine {host} login <CHAINGUARD_PYTHON_IDENTITY_ID> password "
        "<CHAINGUARD_PYTHON_TOKEN>') or use the keyrings-chainguard-libraries keyring backend",
    ]
    if in_requirements:
        notes.append(
            "pip expands ${VAR} in requirements files, but a Chainguard username contains '/',"
            " which must be written as '_' inside a URL: prefer .netrc"
        )
    if options.fallback:
        notes.append(
            "pip gives extra-index-url no priority: it may take PyPI's file over Chainguard's"
            " when both have the version; for a real fallback order use a repository manager"
            " (or --no-fallback)"
        )
    return tuple(notes)


def removed_secret_note(where: str, url: str) -> str:
    """A note that a literal credential was dropped from a URL (the secret not repeated)."""
    return (
        f"{where}: removed the credentials written in {redact_url(url)}; revoke them, they "
        "were committed"
    )


def needs_secret_removal(url: str) -> bool:
    """Whether a URL kept by the rewrite still carries a literal secret."""
    return has_secret(url)

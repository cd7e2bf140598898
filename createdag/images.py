"""Is a container image reference pinned? A tag that is not ``latest``, or a digest.

An image without a tag is pulled as ``:latest``, and ``:latest`` (like any tag
pushed again) can change under a DAG between two runs. The question's live
hint and the notice every source of answers gets use ``unpinned``; a team
config with ``require_pinned_image = true`` turns it into a refusal.
"""

from __future__ import annotations


def unpinned(image: str) -> str | None:
    """Why ``image`` is not pinned, or None when it is (a tag other than latest, or a digest)."""
    image = image.strip()
    if not image or "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]  # a registry's :port is before the last '/'
    tag = name.partition(":")[2]
    if not tag:
        return (
            f"{image!r} has no tag, so Kubernetes pulls :latest, which can change between runs: "
            f"pin a version, e.g. {image}:1.4.2, or a digest (@sha256:...)"
        )
    if tag == "latest":
        base = image.rsplit(":", 1)[0]
        return (
            f"{image!r} uses :latest, which can change between runs: pin a version, e.g. {base}:1.4.2, "
            "or a digest (@sha256:...)"
        )
    return None


def live_hint(text: str) -> str:
    """The warning under the image question while typing; empty when the image is pinned."""
    reason = unpinned(text)
    return f"warning: {reason}" if reason else ""

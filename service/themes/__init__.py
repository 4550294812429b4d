"""Recurring themes in the service: stored themes and their online index (`store`), the
periodic re-fit (`refit`), admins' edits (`edits`) and the read views (`service`)."""

from service.themes.store import (
    load_index,
    load_vectors,
    next_theme_id,
    pack_centroid,
    save_vectors,
    theme_index_stamp,
    unpack_centroid,
)

__all__ = [
    "load_index",
    "load_vectors",
    "next_theme_id",
    "pack_centroid",
    "save_vectors",
    "theme_index_stamp",
    "unpack_centroid",
]

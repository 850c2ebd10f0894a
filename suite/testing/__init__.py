"""Test support shipped with the package: fixture writers in the official on-disk formats.

Kept in the package (not in tests/) so users can test their own code against the same
fixtures. Nothing here is imported by the rest of ``suite``.
"""

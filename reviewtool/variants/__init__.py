"""Variants: under which configuration every line is compiled (placeholder; see submodules)."""

"""Dev-only tools (开发工具): `make run`'s process runner and its demo data, used by scripts, benches and tests.

Never imported by `services/` or `shared/`, and not in the image: production needs neither.
"""

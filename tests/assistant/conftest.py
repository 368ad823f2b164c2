from tests.support.fixtures import env, small_kb_dir  # noqa: F401  (shared fixtures)

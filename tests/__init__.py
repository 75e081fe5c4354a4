"""The test suite (a package, so tests/ui can share helpers by name: tests.ui.conftest)."""

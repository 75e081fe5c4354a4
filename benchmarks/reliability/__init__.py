"""Reliability runs: several clerks writing at once, and processes killed mid-write.

`workload` is what one clerk process does (real services, a journal of every
acknowledged write), `worker` runs it in a subprocess, `checker` proves that
every acknowledged write is in the database afterwards, and `storm` / `crash`
drive them. The tests in tests/reliability and the `storm` and `crash`
benchmark suites share this code.
"""

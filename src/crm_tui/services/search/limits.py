"""Sizes that choose a search plan. Read as `limits.NAME` at call time, so a
test can shrink them to reach every plan with a few rows."""

RANK_WINDOW = 200  # matches ranked by relevance; later ones follow in index order
# Sorting with a query: up to SMALL_MATCH_SET matches are collected and sorted;
# beyond DENSE_MATCH_SET the sort index is walked checking each row's doc.
SMALL_MATCH_SET = 4_000
DENSE_MATCH_SET = 80_000
# PostgreSQL fetches each match from the heap to build the set (~5-10 us),
# so walking with a per-row check wins from a lower density on.
PG_DENSE_MATCH_SET = 12_000
# PostgreSQL: ids walked along the primary key before asking the GIN indexes
# (LIKE costs ~0.3 us a row, the word-start regex ~1 us).
PG_WALK_IDS = 50_000
PG_WALK_IDS_PREFIX = 10_000
NEAR_MISS_CANDIDATES = 200
NEAR_MISS_MIN_SCORE = 70.0
MAX_LIMIT = 1_000
LIST_PAGE = 50  # the list screen's page: the first window a quick start reads

#!/usr/bin/env bash
# oomScoreAdj is written to /proc/self/oom_score_adj
. "$(dirname "$0")/../lib.sh"

cfg '.process.oomScoreAdj = 300'
run_ok 'cat /proc/self/oom_score_adj'
expect_eq "$OUT" 300 "oom_score_adj"
pass

#!/usr/bin/env bash
# annotations from config.json appear in state
. "$(dirname "$0")/../lib.sh"

cfg '.annotations = {"org.example.conformance": "yes"}'
id=$(new_id)
create_bg "$id"
expect_eq "$(rt state "$id" | jq -r '.annotations["org.example.conformance"]')" yes "annotation"
pass

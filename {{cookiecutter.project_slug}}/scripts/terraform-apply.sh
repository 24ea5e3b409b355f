#!/usr/bin/env bash
# Applies the plan the plan job saved (DIR/tfplan), exactly as reviewed.
#
#   scripts/terraform-apply.sh DIR
#
# Terraform refuses a saved plan when the state changed after it was made (another apply ran in between,
# or this is "Re-run failed jobs" of a run whose apply already failed half-way). Re-running this job
# cannot help then: only a new plan can, so the error says to re-run all jobs.
set -euo pipefail

dir=${1:?usage: $0 DIR}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
terraform -chdir="$dir" apply -input=false -auto-approve tfplan 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  if grep -q "Saved plan is stale" "$log"; then
    echo "::error title=The saved plan is stale::The state changed after this run's plan was made, so Terraform refused to apply it. Use 'Re-run all jobs' (not 'Re-run failed jobs'): a new plan is made and applied." >&2
  else
    echo "::error title=terraform apply failed::see the apply step's log above; what was applied before the error is in the state, and the next run plans from there (docs/runbook.md#an-apply-failed)" >&2
  fi
  exit "$status"
fi

#!/usr/bin/env bash
# Applies the plan the plan job saved (DIR/tfplan), exactly as reviewed.
#
#   scripts/terraform-apply.sh DIR [VAR_FILE REVIEWED_DIGEST]
#
# Terraform refuses a saved plan when the state changed after it was made (another apply ran in between,
# or this is "Re-run failed jobs" of a run whose apply already failed half-way). Re-running this job
# cannot help then: only a new plan can, so the error says to re-run all jobs.
#
# The saved plan is kept one day. When it is gone (a release approved later than that) and VAR_FILE and
# REVIEWED_DIGEST (the plan job's `digest` output) are given, this plans again and applies the new plan
# only if it shows exactly what was reviewed (the same digest of `terraform show`); otherwise it stops,
# with the new plan in the job summary, and says to re-run all jobs so that it is reviewed.
set -euo pipefail

dir=${1:?usage: $0 DIR [VAR_FILE REVIEWED_DIGEST]}
var_file=${2:-} reviewed=${3:-}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if [ ! -f "$dir/tfplan" ]; then
  if [ -z "$var_file" ] || [ -z "$reviewed" ]; then
    echo "::error title=No saved plan::$dir/tfplan is missing and there is no reviewed plan to compare a new one with. Use 'Re-run all jobs': a new plan is made, reviewed and applied." >&2
    exit 1
  fi
  echo "::notice title=The saved plan expired::The plan job's saved plan is kept one day; planning again and applying only if the new plan is the one that was reviewed."
  status=0
  terraform -chdir="$dir" plan -input=false -no-color -var-file="$var_file" -out=tfplan || status=$?
  [ "$status" -eq 0 ] || { echo "::error title=terraform plan failed::see the log above (docs/runbook.md#an-apply-failed)" >&2; exit "$status"; }
  terraform -chdir="$dir" show -no-color tfplan >"$dir/plan.txt"
  if [ "$(sha256sum "$dir/plan.txt" | cut -d' ' -f1)" != "$reviewed" ]; then
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      { echo "## The new plan (not applied)"; echo '```'; head -c 900000 "$dir/plan.txt"; echo; echo '```'; } >>"$GITHUB_STEP_SUMMARY"
    fi
    echo "::error title=The plan changed since it was reviewed::The saved plan expired, and a new plan differs from the one that was reviewed (it is in the job summary). Nothing was applied. Use 'Re-run all jobs' to plan, review and apply again." >&2
    exit 1
  fi
  echo "The new plan is the reviewed one: applying it"
fi

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

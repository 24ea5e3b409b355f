#!/usr/bin/env bash
# Plans a Terraform stack for review, without taking the state lock (plans never write state).
#
#   scripts/terraform-plan.sh DIR VAR_FILE
#
# Saves DIR/tfplan, writes DIR/plan-comment.md (kept under GitHub's comment limit), puts the full
# plan in the job summary and `changes=true|false` and `digest=<sha256 of the plan as shown>` in
# GITHUB_OUTPUT when run in GitHub Actions. The release job compares that digest with a new plan's when
# the saved plan has expired (scripts/terraform-apply.sh). PLAN_ENVIRONMENT, when set, names the environment
# in the comment and the summary.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 DIR VAR_FILE" >&2
  exit 64
fi
dir=$1 var_file=$2
comment_limit=60000    # GitHub refuses comments over 65536 characters
summary_limit=900000   # and job summaries over 1 MiB
marker="<!-- terraform-plan -->"
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"

status=0
terraform -chdir="$dir" plan -input=false -lock=false -no-color -detailed-exitcode \
  -var-file="$var_file" -out=tfplan || status=$?
case $status in
  0) changes=false ;;
  2) changes=true ;;
  *) echo "::error title=terraform plan failed::see the plan step's log above" >&2; exit "$status" ;;
esac

terraform -chdir="$dir" show -no-color tfplan >"$dir/plan.txt"
headline=$(grep -E '^(Plan:|No changes\.|Changes to Outputs:)' "$dir/plan.txt" | head -n 1 || true)
size=$(wc -c <"$dir/plan.txt")
digest=$(sha256sum "$dir/plan.txt" | cut -d' ' -f1)

# Cut on a byte count, then drop any partial UTF-8 character the cut left at the end.
excerpt() { head -c "$1" "$dir/plan.txt" | iconv -c -f UTF-8 -t UTF-8; }

{
  echo "$marker"
  echo "### Terraform plan${PLAN_ENVIRONMENT:+ of ${PLAN_ENVIRONMENT}} for \`${HEAD_SHA:-${GITHUB_SHA:-local}}\`"
  echo
  echo "**${headline:-No summary line found}**"
  echo
  echo "<details><summary>Show plan</summary>"
  echo
  echo '```'
  excerpt "$comment_limit"
  echo
  echo '```'
  if [ "$size" -gt "$comment_limit" ]; then
    echo
    echo "_The plan is ${size} bytes; this comment shows the first ${comment_limit}. The full plan is in the [job summary](${run_url})._"
  fi
  echo "</details>"
} >"$dir/plan-comment.md"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "## Terraform plan${PLAN_ENVIRONMENT:+ of ${PLAN_ENVIRONMENT}}: ${headline:-no summary line}"
    echo '```'
    excerpt "$summary_limit"
    echo
    echo '```'
    [ "$size" -le "$summary_limit" ] || echo "_Truncated at ${summary_limit} of ${size} bytes; run \`make tf-plan\` for the rest._"
  } >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "changes=$changes" >>"$GITHUB_OUTPUT"
  echo "digest=$digest" >>"$GITHUB_OUTPUT"
fi
echo "plan: ${headline:-done} (changes=$changes)"

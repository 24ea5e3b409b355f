#!/usr/bin/env bash
# Refuses a release that would take production backwards.
#
#   scripts/release-order.sh CLUSTER SERVICE COMMIT
#
# GitHub re-runs a workflow run with that run's own commit, so "Re-run failed jobs" (or "Re-run all jobs")
# on a run older than the last release would silently deploy, and apply, older code. This reads the commit
# production runs (APP_IMAGE_TAG of the task definition of the service's PRIMARY deployment) and allows
# COMMIT only when it is that commit or contains it (git merge-base --is-ancestor; the checkout needs the
# whole history). No service yet, or a service still on the `initial` image, allows any commit.
# Exit 0: allowed; 1: refused as older, with an ::error annotation saying what to do; 2: the order cannot be
# told (an AWS call failed, production runs what this pipeline did not deploy, or its commit is not in the
# history).
#
# It compares the code production runs, not the infrastructure: after an apply whose rollout was rolled
# back, production still runs the older commit, and a re-run of a run between the two passes this check
# and applies its (older) Terraform.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 CLUSTER SERVICE COMMIT" >&2
  exit 64
fi
cluster=$1 service=$2 commit=$3
runbook="docs/runbook.md#a-release-was-refused-as-older-than-production"

error() {
  printf '::error title=%s::%s\n' "$1" "$2" >&2
  exit "${3:-1}"
}

[[ $commit =~ ^[0-9a-f]{40}$ ]] || error "Not a commit" "COMMIT must be a full git SHA, got '$commit'." 64

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

# shellcheck disable=SC2016 # the backticks are JMESPath literals, not command substitution
if ! running_task_definition=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
  --query 'services[?status==`ACTIVE`] | [0].deployments[?status==`PRIMARY`] | [0].taskDefinition' \
  --output text 2>"$errors"); then
  if grep -q ClusterNotFoundException "$errors"; then
    echo "$service does not exist yet: the first release may run any commit"
    exit 0
  fi
  error "AWS call failed" "aws ecs describe-services --cluster $cluster --services $service failed: $(tr '\n' ' ' <"$errors")" 2
fi
if [ -z "$running_task_definition" ] || [ "$running_task_definition" = None ]; then
  echo "$service does not exist yet: the first release may run any commit"
  exit 0
fi

# The commit the release job set (APP_IMAGE_TAG), else the image's tag.
# shellcheck disable=SC2016
if ! running=$(aws ecs describe-task-definition --task-definition "$running_task_definition" \
  --query 'taskDefinition.containerDefinitions[0].[environment[?name==`APP_IMAGE_TAG`].value | [0], image]' \
  --output text 2>"$errors"); then
  error "AWS call failed" "aws ecs describe-task-definition --task-definition $running_task_definition failed: $(tr '\n' ' ' <"$errors")" 2
fi
read -r tag image <<<"$running"
running=$tag
if [ -z "$running" ] || [ "$running" = None ]; then
  running=${image##*:}
fi

case $running in
  initial)
    echo "$service runs the initial image: any commit may be released"
    exit 0 ;;
  "$commit")
    echo "$service already runs $commit: releasing it again"
    exit 0 ;;
esac
[[ $running =~ ^[0-9a-f]{40}$ ]] ||
  error "Release order unknown" "$service runs $running_task_definition, whose image or APP_IMAGE_TAG ('$running') is not a commit: it was not deployed by this pipeline. Nothing was changed. Check 'aws ecs describe-services' and release a revision of this pipeline first ($runbook)." 2

if ! git cat-file -e "$running^{commit}" 2>/dev/null; then
  error "Production's commit is not in the history" "$service runs ${running:0:12}, which is not in this checkout's history (a force-push removed it, or the checkout is shallow: the release job checks out with fetch-depth 0). Nothing was changed; see $runbook." 2
fi
if git merge-base --is-ancestor "$running" "$commit"; then
  echo "$service runs ${running:0:12}; ${commit:0:12} contains it: releasing"
  exit 0
fi
error "Release older than production" "$service runs ${running:0:12}, which ${commit:0:12} does not contain: this release would take production back (a re-run of an older workflow run deploys that run's commit). Nothing was changed. To release, push a new commit to main (git revert undoes a change); see $runbook."

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
# Exit 0: allowed; 1: refused, with an ::error annotation saying what to do; 2: an AWS or git call failed.
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

# shellcheck disable=SC2016 # the backticks are JMESPath literals, not command substitution
if ! running_task_definition=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
  --query 'services[?status==`ACTIVE`] | [0].deployments[?status==`PRIMARY`] | [0].taskDefinition' \
  --output text 2>&1); then
  if [[ $running_task_definition == *ClusterNotFoundException* ]]; then
    echo "$service does not exist yet: the first release may run any commit"
    exit 0
  fi
  error "AWS call failed" "aws ecs describe-services --cluster $cluster --services $service failed: ${running_task_definition//$'\n'/ }" 2
fi
if [ -z "$running_task_definition" ] || [ "$running_task_definition" = None ]; then
  echo "$service does not exist yet: the first release may run any commit"
  exit 0
fi

# shellcheck disable=SC2016
if ! running=$(aws ecs describe-task-definition --task-definition "$running_task_definition" \
  --query 'taskDefinition.containerDefinitions[].environment[] | [?name==`APP_IMAGE_TAG`] | [0].value' \
  --output text 2>&1); then
  error "AWS call failed" "aws ecs describe-task-definition --task-definition $running_task_definition failed: ${running//$'\n'/ }" 2
fi

case $running in
  "" | None | initial)
    echo "$service runs the initial image: any commit may be released"
    exit 0 ;;
  "$commit")
    echo "$service already runs $commit: releasing it again"
    exit 0 ;;
esac
[[ $running =~ ^[0-9a-f]{40}$ ]] ||
  error "Release order unknown" "$service runs a task definition whose APP_IMAGE_TAG is '$running', not a commit: it was not deployed by this pipeline. Check 'aws ecs describe-services' before releasing ($runbook)."

if ! git cat-file -e "$running^{commit}" 2>/dev/null; then
  error "Release older than production" "$service runs ${running:0:12}, which is not in this checkout's history (a force-push removed it, or the checkout is shallow: the release job checks out with fetch-depth 0). Releasing ${commit:0:12} could take production back; see $runbook."
fi
if git merge-base --is-ancestor "$running" "$commit"; then
  echo "$service runs ${running:0:12}; ${commit:0:12} contains it: releasing"
  exit 0
fi
error "Release older than production" "$service runs ${running:0:12}, which ${commit:0:12} does not contain: this release would take production back (a re-run of an older workflow run deploys that run's commit). Nothing was changed. To release, push a new commit to main (git revert undoes a change); see $runbook."

#!/usr/bin/env bash
# Fails unless the ECS service's primary deployment runs the given task definition and completed.
#
#   scripts/verify-deployment.sh CLUSTER SERVICE TASK_DEFINITION_ARN
#
# The deploy step already waits for stability and fails on a circuit-breaker rollback; this check
# says plainly what is running, so a rolled-back release can never pass as deployed.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 CLUSTER SERVICE TASK_DEFINITION_ARN" >&2
  exit 64
fi
cluster=$1 service=$2 expected=$3

# shellcheck disable=SC2016 # the backticks are JMESPath literals, not command substitution
read -r running rollout reason < <(
  aws ecs describe-services --cluster "$cluster" --services "$service" \
    --query 'services[0].deployments[?status==`PRIMARY`] | [0].[taskDefinition, rolloutState, rolloutStateReason]' \
    --output text
)

if [ "$running" != "$expected" ]; then
  echo "::error title=Deployment rolled back::$service runs $running, not $expected. The new tasks failed their health checks and ECS kept the previous version; see the stopped tasks and /ecs logs (docs/runbook.md#a-deploy-failed)." >&2
  exit 1
fi
if [ "$rollout" != "COMPLETED" ]; then
  echo "::error title=Deployment not completed::$service primary deployment is $rollout: $reason" >&2
  exit 1
fi
echo "$service runs $expected (rollout $rollout)"

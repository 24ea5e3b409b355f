#!/usr/bin/env bash
# Waits for the ECS deployment of a task definition revision to end, and says plainly how it ended.
#
#   scripts/verify-deployment.sh CLUSTER SERVICE TASK_DEFINITION_ARN [TIMEOUT_SECONDS]
#
# ECS reports a deployment IN_PROGRESS until its tasks are healthy and the old ones have drained, which
# can be after a stability wait returns. This polls every VERIFY_INTERVAL seconds (15) until the
# deployment of TASK_DEFINITION_ARN is COMPLETED (exit 0), or it FAILED, was rolled back, or
# TIMEOUT_SECONDS (1200) passed (exit 1, with an ::error annotation saying what to do). A failing `aws`
# call is reported as such (exit 2). Needs the AWS CLI and GNU date (GitHub's Ubuntu runners have both).
#
# With SMOKE_URL and SMOKE_PER_MINUTE (> 0), it also sends that many GET requests a minute to SMOKE_URL
# while the rollout is in progress, so that a canary gets requests whatever the service's own traffic and a
# canary that fails them trips the deployment alarms. They go 10 at a time, each waiting at most 5 s; only
# the counts are printed, with a warning when most got no answer at all.
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 CLUSTER SERVICE TASK_DEFINITION_ARN [TIMEOUT_SECONDS]" >&2
  exit 64
fi
cluster=$1 service=$2 expected=$3 timeout=${4:-1200}
interval=${VERIFY_INTERVAL:-15}
smoke_url=${SMOKE_URL:-} smoke_per_minute=${SMOKE_PER_MINUTE:-0}
smoke_sent=0 smoke_failed=0 smoke_unanswered=0
revision=${expected##*/}
since=$(date -u -d "@$(($(date +%s) - 3600))" +%Y-%m-%dT%H:%M:%SZ)
runbook="docs/runbook.md#a-deploy-failed"

error() {
  printf '::error title=%s::%s\n' "$1" "$2" >&2
  exit "${3:-1}"
}

# One line per deployment: status, task definition, rollout state, reason (tab-separated).
deployments() {
  local output
  # shellcheck disable=SC2016 # the backticks are JMESPath literals, not command substitution
  if ! output=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
    --query 'services[0].deployments[].[status, taskDefinition, rolloutState, rolloutStateReason]' \
    --output text 2>&1); then
    error "AWS call failed" "aws ecs describe-services --cluster $cluster --services $service failed: ${output//$'\n'/ }" 2
  fi
  printf '%s\n' "$output"
}

# How ECS itself records this release's deployment: its status (SUCCESSFUL, ROLLBACK_SUCCESSFUL, ...) and
# the deployment alarms that fired during it, comma-separated, tab-separated; nothing when ECS cannot say
# (an account or CLI without the service deployments API). The deployment is found exactly: among the
# service's deployments created since an hour before the wait began (ListServiceDeployments returns them
# in no documented order, at most 100 here: releases run one at a time, so far fewer fall in that window),
# the newest whose service revision runs TASK_DEFINITION_ARN.
outcome() {
  local listed revisions revision arn answer
  listed=$(aws ecs list-service-deployments --cluster "$cluster" --service "$service" --created-at "after=$since" \
    --max-results 100 --query 'serviceDeployments[].[createdAt, serviceDeploymentArn, targetServiceRevisionArn]' \
    --output text 2>/dev/null) || return 0
  revision=None
  # DescribeServiceRevisions takes at most 20 ARNs a call.
  while read -r -a revisions && [ "$revision" = None ]; do
    revision=$(aws ecs describe-service-revisions --service-revision-arns "${revisions[@]}" \
      --query "serviceRevisions[?taskDefinition=='$expected'].serviceRevisionArn | [0]" --output text \
      2>/dev/null) || return 0
  done < <(awk -F'\t' 'NF == 3 {print $3}' <<<"$listed" | sort -u | xargs -r -n 20)
  arn=$(awk -F'\t' -v revision="$revision" '$3 == revision' <<<"$listed" | sort -r | head -n 1 | cut -f2)
  [[ $arn =~ ^arn:aws[a-z-]*:ecs:[^[:space:]]+:service-deployment/[^[:space:]]+$ ]] || return 0
  # shellcheck disable=SC2016
  answer=$(aws ecs describe-service-deployments --service-deployment-arns "$arn" \
    --query 'serviceDeployments[0].[status, join(`, `, alarms.triggeredAlarmNames || `[]`)]' --output text \
    2>/dev/null) || return 0
  printf '%s' "$answer"
}

# Fails the job for a deployment ECS rolled back to the primary revision $1, naming the alarm if one fired.
rolled_back() {
  if [ -n "$alarms" ] && [ "$alarms" != None ]; then
    error "Deployment rolled back by an alarm" "$service runs ${1##*/}, not $revision: the deployment alarm $alarms fired while $revision rolled out, so ECS returned to the previous version, which is serving. Read what the alarm measures and where to look first in docs/runbook.md#${alarms%%,*}, fix, and push again."
  fi
  error "Deployment rolled back" "$service runs ${1##*/}, not $revision: ECS stopped $revision (${reason:-its tasks kept failing}) and returned to the previous version, which is serving. Find why its tasks failed (stopped tasks, /ecs logs: $runbook), fix, and push again."
}

# Sends this interval's share of the smoke requests and counts how they were answered.
smoke() {
  [ -n "$smoke_url" ] && [ "$smoke_per_minute" -gt 0 ] || return 0
  local count=$(((smoke_per_minute * interval + 59) / 60)) status urls=()
  [ "$count" -ge 1 ] || count=1
  for _ in $(seq "$count"); do urls+=("$smoke_url"); done
  # --insecure: without a domain of its own the service's URL is the load balancer's name, which its
  # certificate does not name; these requests only have to reach a task, the certificate is not on trial.
  while read -r status; do
    smoke_sent=$((smoke_sent + 1))
    case $status in
      5??) smoke_failed=$((smoke_failed + 1)) ;;
      000 | "") smoke_unanswered=$((smoke_unanswered + 1)) ;;
    esac
  done < <(curl --silent --insecure --parallel --parallel-max 10 --connect-timeout 2 --max-time 5 \
    --output /dev/null --write-out '%{http_code}\n' "${urls[@]}" || true)
  echo "smoke: $smoke_sent requests to $smoke_url so far, $smoke_failed answered 5xx, $smoke_unanswered unanswered"
  if [ $((smoke_unanswered * 2)) -gt "$smoke_sent" ]; then
    printf '::warning title=Smoke requests unanswered::%s of %s requests to %s got no answer, so a canary may be getting none of them; check that the runner can reach the service.\n' \
      "$smoke_unanswered" "$smoke_sent" "$smoke_url" >&2
  fi
}

# Fails the job for a first release that never started: nothing else is serving.
nothing_serving() {
  error "Deployment failed" "$service could not start $revision (${reason:-no reason given}) and has no earlier completed version to return to, so no task is serving. Read the stopped tasks' reasons and the /ecs logs ($runbook), fix the image or its settings, and push again."
}

started=$SECONDS
while :; do
  lines=$(deployments)
  primary=$(awk -F'\t' '$1 == "PRIMARY" {print $2}' <<<"$lines")
  mine=$(awk -F'\t' -v td="$expected" '$2 == td {print $1 "\t" $3 "\t" $4; exit}' <<<"$lines")
  IFS=$'\t' read -r status state reason <<<"$mine"
  if [ -z "$mine" ] || { [ "$status" != PRIMARY ] && [ -n "$primary" ]; }; then
    IFS=$'\t' read -r ecs_status alarms <<<"$(outcome)"
    rolled_back "$primary"
  fi
  case $state in
    COMPLETED)
      echo "$service runs $revision: deployment COMPLETED after $((SECONDS - started)) s"
      exit 0 ;;
    FAILED)
      # A canary's previous revision may still be serving while ECS reports the new one FAILED: ECS's own
      # record of the deployment says whether it rolled back, is still rolling back, or had nothing to return to.
      IFS=$'\t' read -r ecs_status alarms <<<"$(outcome)"
      case $ecs_status in
        ROLLBACK_SUCCESSFUL) rolled_back "previous revision" ;;
        ROLLBACK_REQUESTED | ROLLBACK_IN_PROGRESS | STOP_REQUESTED | IN_PROGRESS | PENDING)
          state="FAILED, $ecs_status" ;;  # not final yet: wait for ECS to finish what it started
        STOPPED)
          # Stopped without a rollback: another deployment of the service may still be serving.
          [ "$(grep -c . <<<"$lines")" -le 1 ] ||
            error "Deployment stopped" "ECS stopped the deployment of $revision (${reason:-no reason given}) without rolling it back. Check the service's events and which revision its tasks run ($runbook), then push again."
          nothing_serving ;;
        ROLLBACK_FAILED)
          error "Rollback failed" "$service could not run $revision (${reason:-no reason given}) and ECS could not return to the previous version either: the service may have no healthy task. Check the service's events and stopped tasks now ($runbook), then push a fix or update the service to the last good task definition." ;;
        *)
          nothing_serving ;;
      esac
      ;;
  esac
  if [ $((SECONDS - started)) -ge "$timeout" ]; then
    error "Deployment not finished" "$service deployment of $revision is still ${state:-IN_PROGRESS} after ${timeout} s. ECS may still complete or roll it back; check 'aws ecs describe-services' and the service's events ($runbook)."
  fi
  echo "$service: $revision ${state:-IN_PROGRESS}, waiting ($((SECONDS - started)) s of ${timeout} s)"
  smoke
  sleep "$interval"
done

#!/usr/bin/env bash
# Refuses a release whose GitHub environment lets it through without a person's approval.
#
#   scripts/release-approval.sh ENVIRONMENT     # needs GH_TOKEN with actions: read, and GITHUB_REPOSITORY
#
# GitHub creates an environment that a job names and that does not exist yet, without any protection, so
# the release asks GitHub first whether ENVIRONMENT requires reviewers. Required reviewers need a public
# repository, or GitHub Enterprise for a private one; a repository without them releases on every push
# to main only once someone with admin rights sets the repository variable RELEASE_APPROVAL to `none`,
# and every such release says so.
set -euo pipefail

environment=${1:?usage: scripts/release-approval.sh ENVIRONMENT}
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY names the repository}"
runbook="docs/runbook.md#first-deploy"
approval=${RELEASE_APPROVAL:-required}

fail() {
  echo "::error title=Release refused::$*" >&2
  exit 1
}

case "$approval" in
  required) ;;
  none)
    echo "::warning title=Released without approval::The repository variable RELEASE_APPROVAL is none: every push to main releases without a reviewer. See $runbook."
    exit 0
    ;;
  *) fail "the repository variable RELEASE_APPROVAL is '$approval'; allowed: required (the default) or none. See $runbook." ;;
esac

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! rules=$(gh api "repos/$GITHUB_REPOSITORY/environments/$environment" \
  --jq '"\([.protection_rules[]? | select(.type == "required_reviewers") | .reviewers[]?] | length) \(.can_admins_bypass != false)"' \
  2>"$errors"); then
  if grep -q "HTTP 404" "$errors"; then
    fail "GitHub shows this job no $environment environment in $GITHUB_REPOSITORY (HTTP 404): environments of private repositories need GitHub Pro, Team or Enterprise. Create it with required reviewers, or set the repository variable RELEASE_APPROVAL to none to release without approval. See $runbook."
  fi
  fail "cannot read the $environment environment of $GITHUB_REPOSITORY: $(cat "$errors") (the job needs 'actions: read')."
fi
read -r reviewers admins_bypass <<<"$rules"

if [ "$reviewers" -eq 0 ]; then
  fail "the $environment environment of $GITHUB_REPOSITORY requires no reviewer, so every push to main would release unapproved. Add required reviewers (Settings > Environments > $environment), or, where the plan offers none, set the repository variable RELEASE_APPROVAL to none to release without approval. Then re-run this job. See $runbook."
fi
echo "release-approval: $environment requires one of $reviewers reviewers to approve each release."
if [ "$admins_bypass" = true ]; then
  echo "::notice title=Administrators may bypass the reviewers::Turn off 'Allow administrators to bypass configured protection rules' for $environment to make every release wait for a reviewer."
fi

#!/usr/bin/env bash
# Prints the -var arguments that tell the bootstrap stack how GitHub names this repository in its OIDC
# tokens: the subject prefix GitHub reports and the repository's numeric ID.
#
#   scripts/github-oidc.sh      # asks the gh CLI (any account that can read the repository)
#
# The prefix is repo:OWNER@ID/REPO@ID for repositories created since 2026-07-15 (or opted in) and
# repo:OWNER/REPO for older ones; GitHub reports it (sub_claim_prefix), so it is never assembled here.
# The roles also require the token's repository_id claim, so a repository that takes over this one's
# name after a rename or deletion is refused even where the prefix holds names only. Nothing on GitHub
# is changed. Without gh: GITHUB_SUBJECT_PREFIX=... GITHUB_REPOSITORY_ID=... make bootstrap
# (docs/runbook.md, Bootstrap).
set -euo pipefail

repository="{{ cookiecutter.github_owner }}/{{ cookiecutter.github_repo }}"
endpoint="repos/$repository/actions/oidc/customization/sub"

fail() {
  printf 'github-oidc: %s\n' "$@" >&2
  exit 1
}

# A prefix names this repository (GitHub compares names without case) and, when it carries IDs, the
# repository's own ID.
check() {
  local prefix=$1 id=$2
  [[ "$id" =~ ^[1-9][0-9]*$ ]] || fail "the repository ID '$id' is not a number."
  [[ "$prefix" =~ ^repo:([A-Za-z0-9-]+)(@[1-9][0-9]*)?/([A-Za-z0-9._-]+)(@([1-9][0-9]*))?$ ]] ||
    fail "the subject prefix '$prefix' is not repo:OWNER/REPO or repo:OWNER@ID/REPO@ID."
  if { [ -n "${BASH_REMATCH[2]}" ] && [ -z "${BASH_REMATCH[4]}" ]; } ||
    { [ -z "${BASH_REMATCH[2]}" ] && [ -n "${BASH_REMATCH[4]}" ]; }; then
    fail "the subject prefix '$prefix' gives an ID for only one of owner and repository; GitHub gives both or neither."
  fi
  local names="${BASH_REMATCH[1]}/${BASH_REMATCH[3]}"
  [ "${names,,}" = "${repository,,}" ] ||
    fail "the subject prefix '$prefix' names $names, not $repository, the repository this project was rendered for." \
      "After a rename or transfer, change github_owner and github_repo in terraform/bootstrap/terraform.tfvars and" \
      "in this script first."
  [ -z "${BASH_REMATCH[5]}" ] || [ "${BASH_REMATCH[5]}" = "$id" ] ||
    fail "the subject prefix '$prefix' carries the repository ID ${BASH_REMATCH[5]}, not $id."
}

emit() {
  check "$1" "$2"
  echo "github-oidc: $repository signs in as $1:<context>, repository ID $2" >&2
  printf -- '-var=github_subject_prefix=%s -var=github_repository_id=%s\n' "$1" "$2"
}

if [ -n "${GITHUB_SUBJECT_PREFIX:-}${GITHUB_REPOSITORY_ID:-}" ]; then
  emit "${GITHUB_SUBJECT_PREFIX:-}" "${GITHUB_REPOSITORY_ID:-}"
  exit 0
fi

command -v gh >/dev/null 2>&1 ||
  fail "the gh CLI is not installed; it reads how GitHub names $repository in its OIDC tokens." \
    "Install gh (https://cli.github.com) and run 'gh auth login', or pass what GitHub reports yourself:" \
    "  GITHUB_SUBJECT_PREFIX=<sub_claim_prefix of GET /$endpoint> GITHUB_REPOSITORY_ID=<id of GET /repos/$repository> make bootstrap"

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! id=$(gh api "repos/$repository" --jq .id 2>"$errors"); then
  fail "cannot read $repository with gh: $(cat "$errors")" \
    "Create the repository first (gh repo create $repository --private), then run 'make bootstrap' again;" \
    "if it exists, check 'gh auth status' (and, for an organisation with SAML single sign-on, authorise the token)."
fi
template=$(gh api "$endpoint" --jq '"\(.use_default) \((.include_claim_keys // []) | join(",") | if . == "" then "-" else . end) \(.sub_claim_prefix // "-")"' 2>"$errors") ||
  fail "cannot read the OIDC subject settings of $repository with gh: $(cat "$errors")"
read -r use_default claim_keys prefix <<<"$template"
[ "$claim_keys" != - ] || claim_keys="the organisation's template"

# The roles trust GitHub's default subjects (repository, then the job's context). A custom template, the
# repository's own or its organisation's (use_default false without keys), makes other subjects.
[ "$use_default" = true ] ||
  fail "$repository's OIDC subjects follow a custom template ($claim_keys), not GitHub's default" \
    "that the roles trust. Reset it (gh api --method PUT $endpoint -F use_default=true) if nothing else depends on" \
    "it, or adapt terraform/bootstrap/oidc.tf to the subjects it makes; then run 'make bootstrap' again."
[ "$prefix" != - ] ||
  fail "GitHub did not report $repository's sub_claim_prefix. Read it from a job's subject (its first part, before" \
    ":environment or :ref; docs/runbook.md, Bootstrap) and pass it: GITHUB_SUBJECT_PREFIX=repo:... make bootstrap"
emit "$prefix" "$id"

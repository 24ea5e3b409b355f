#!/usr/bin/env bash
# Prints the -var arguments with the repository's numeric owner and repository IDs for the bootstrap stack.
#
#   scripts/github-ids.sh        # asks the gh CLI; or set GITHUB_OWNER_ID and GITHUB_REPOSITORY_ID
#
# A repository created since 2026-07-15 signs in to AWS with an OIDC subject that names these IDs
# (repo:OWNER@ID/REPO@ID:...). The roles can only trust it once the repository exists, so this fails,
# saying what to do, rather than bootstrap roles that every job of a new repository would be refused by.
set -euo pipefail

repository="{{ cookiecutter.github_owner }}/{{ cookiecutter.github_repo }}"

fail() {
  printf 'github-ids: %s\n' "$@" >&2
  exit 1
}

if [ -n "${GITHUB_OWNER_ID:-}${GITHUB_REPOSITORY_ID:-}" ]; then
  [[ "${GITHUB_OWNER_ID:-}" =~ ^[1-9][0-9]*$ && "${GITHUB_REPOSITORY_ID:-}" =~ ^[1-9][0-9]*$ ]] ||
    fail "set both GITHUB_OWNER_ID and GITHUB_REPOSITORY_ID to the numeric IDs of $repository" \
      "(GITHUB_OWNER_ID='${GITHUB_OWNER_ID:-}', GITHUB_REPOSITORY_ID='${GITHUB_REPOSITORY_ID:-}')."
  owner_id=$GITHUB_OWNER_ID repository_id=$GITHUB_REPOSITORY_ID
else
  command -v gh >/dev/null 2>&1 ||
    fail "the gh CLI is not installed; the deploy and plan roles must trust $repository by its numeric IDs." \
      "Install gh (https://cli.github.com) and run 'gh auth login', or pass the IDs yourself:" \
      "  GITHUB_OWNER_ID=<owner id> GITHUB_REPOSITORY_ID=<repository id> make bootstrap" \
      "(the 'owner.id' and 'id' fields of https://api.github.com/repos/$repository)."
  ids=$(gh api "repos/$repository" --jq '"\(.owner.id) \(.id)"' 2>/dev/null) ||
    fail "cannot read $repository with gh. Create the repository first:" \
      "  gh repo create $repository --private" \
      "then run 'make bootstrap' again (if it exists, check 'gh auth status')."
  read -r owner_id repository_id <<<"$ids"
fi

echo "github-ids: $repository is owner $owner_id, repository $repository_id" >&2
printf -- '-var=github_owner_id=%s -var=github_repository_id=%s\n' "$owner_id" "$repository_id"

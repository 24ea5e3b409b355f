#!/usr/bin/env bash
# Prints -var arguments with the repository's numeric owner and repository IDs for the bootstrap stack.
# GitHub puts these IDs in the OIDC subject of repositories created since July 2026; the deploy and
# plan roles then trust that form too. Prints nothing (and says why) when the gh CLI cannot tell.
set -euo pipefail

repository="{{ cookiecutter.github_owner }}/{{ cookiecutter.github_repo }}"

if ! command -v gh >/dev/null 2>&1; then
  echo "github-ids: gh CLI not found; trusting the name-only OIDC subject of $repository." >&2
  echo "github-ids: install gh and run 'gh auth login', then 'make bootstrap' again, if the repository was created after July 2026." >&2
  exit 0
fi

if ! ids=$(gh api "repos/$repository" --jq '"\(.owner.id) \(.id)"' 2>/dev/null); then
  echo "github-ids: cannot read $repository with gh (does it exist, and did you run 'gh auth login'?)." >&2
  echo "github-ids: continuing with the name-only OIDC subject." >&2
  exit 0
fi

read -r owner_id repository_id <<<"$ids"
echo "github-ids: $repository is owner $owner_id, repository $repository_id" >&2
printf -- '-var=github_owner_id=%s -var=github_repository_id=%s\n' "$owner_id" "$repository_id"

#!/usr/bin/env bash
# Pushes the image the image job built and gated, unless the registry has its tag already, and prints the
# digest the registry holds it under as `digest=sha256:...` (for $GITHUB_OUTPUT): the attestations name
# that digest.
#
#   scripts/push-image.sh REGISTRY/REPOSITORY:TAG
#
# Tags are immutable in ECR. When the tag is there already (a re-run of the release), the pushed image stays
# and is what the service runs: it is pulled to read its digest.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 REGISTRY/REPOSITORY:TAG" >&2
  exit 64
fi
image=$1 repository=${1%:*}

if docker manifest inspect "$image" >/dev/null 2>&1; then
  echo "$image is already in the registry; keeping it" >&2
  docker pull --quiet "$image" >&2
else
  docker push "$image" >&2
fi
# RepoDigests read with python3, not a Go template (the template's rendering would take it for its own).
digest=$(docker image inspect "$image" | REPOSITORY=$repository python3 -c "import json, os, sys
for name in json.load(sys.stdin)[0].get('RepoDigests') or []:
    repository, _, digest = name.partition('@')
    if repository == os.environ['REPOSITORY'] and digest.startswith('sha256:') and len(digest) == 71:
        print(digest)
        break")
if [ -z "$digest" ]; then
  printf '::error title=No registry digest::%s\n' "After the push, docker names no digest of $image in $repository, so the attestations cannot name it. Look at the push output above; a re-run pushes again." >&2
  exit 1
fi
echo "digest=$digest"

#!/bin/sh
# Write secrets.yaml (git-ignored; included by app.yaml, sync.yaml, scheduler.yaml) from Secret Manager, just
# before `gcloud app deploy`. Each secret is stored under the name of the environment variable it becomes.
#
#   deploy/appengine/render-secrets.sh PROJECT > secrets.yaml && gcloud app deploy app.yaml sync.yaml scheduler.yaml
set -eu
project="${1:?usage: render-secrets.sh PROJECT}"
echo "env_variables:"
for name in DATABASE_URL SECRET_KEY LINEDESK_CREDENTIALS_KEY GOOGLE_OAUTH_CLIENT_ID; do
  value="$(gcloud secrets versions access latest --secret="$name" --project="$project")"
  # YAML double-quoted scalar: escape backslashes and quotes
  escaped="$(printf '%s' "$value" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
  printf '  %s: "%s"\n' "$name" "$escaped"
done

#!/usr/bin/env bash
# A CLI session: create an app, define an attribute, set and read a token, list counts.
# Needs: ATTRD_URL and ATTRD_ADMIN_TOKEN. ATTRD_CLI defaults to the installed `attrd`.
set -euo pipefail
attrd() { ${ATTRD_CLI:-command attrd} "$@"; }

app=$(attrd --json app create "CLI example")
export ATTRD_ACCESS_ID=$(node -pe 'JSON.parse(process.argv[1]).accessId' "$app")
export ATTRD_SECRET_KEY=$(node -pe 'JSON.parse(process.argv[1]).secretKey' "$app")

attrd attr define "$ATTRD_ACCESS_ID" level --description "player level"
attrd token set example-token level=7
attrd token get example-token
attrd attr list "$ATTRD_ACCESS_ID"
attrd app delete "$ATTRD_ACCESS_ID"

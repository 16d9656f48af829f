#!/usr/bin/env bash
# Set and read a token's attributes with curl and HTTP Basic auth (AccessID:SecretKey).
# Needs: ATTRD_URL, ATTRD_ACCESS_ID, ATTRD_SECRET_KEY, and an attribute "level" defined.
set -euo pipefail
url="${ATTRD_URL:-http://127.0.0.1:8080}/v3/device/set_custom_attribute"

# cmd 1: set level=7 on a token
curl -sS -u "$ATTRD_ACCESS_ID:$ATTRD_SECRET_KEY" -H 'Content-Type: application/json' \
  -d '{"cmd":1,"token":"example-token","attributeInfo":{"attributeMap":{"level":"7"}}}' "$url"
echo
# cmd 5: read them back
curl -sS -u "$ATTRD_ACCESS_ID:$ATTRD_SECRET_KEY" -H 'Content-Type: application/json' \
  -d '{"cmd":5,"token":"example-token"}' "$url"
echo

#!/usr/bin/env bash
# Sign a request as TPNS does, with openssl: Sign = Base64(hex(HMAC-SHA256(SecretKey,
# TimeStamp + AccessId + body))). Needs: ATTRD_URL, ATTRD_ACCESS_ID, ATTRD_SECRET_KEY.
set -euo pipefail
url="${ATTRD_URL:-http://127.0.0.1:8080}/v3/device/set_custom_attribute"
body='{"cmd":5,"token":"example-token"}'
timestamp=$(date +%s)
hex=$(printf '%s' "$timestamp$ATTRD_ACCESS_ID$body" | openssl dgst -sha256 -hmac "$ATTRD_SECRET_KEY" | sed 's/^.*= //')
sign=$(printf '%s' "$hex" | base64 -w0)
curl -sS -H 'Content-Type: application/json' -H "AccessId: $ATTRD_ACCESS_ID" \
  -H "TimeStamp: $timestamp" -H "Sign: $sign" -d "$body" "$url"
echo

#!/usr/bin/env bash
# Reproduces golden::disable_user[entra] as scimtest ran it: re-creates what the case had created before the
# failing step, sends that step's request, prints the answer, and deletes what it created
# (KEEP=1 keeps it). Needs bash and curl.
# Failed: step `disable`: /active equals at /active: expected false, got true
# Some header or body values were secrets and are written as ***: put the real values in.
set -euo pipefail

TARGET="${TARGET:-https://scim.example.test/scim}"
CURL=(curl -sS --max-time 30 --cacert 'certs/ca.pem' --insecure)
: "${SCIM_OAUTH_CLIENT_ID:?set SCIM_OAUTH_CLIENT_ID}" "${SCIM_OAUTH_CLIENT_SECRET:?set SCIM_OAUTH_CLIENT_SECRET}"
TOKEN=$("${CURL[@]}" --data-urlencode "client_id=$SCIM_OAUTH_CLIENT_ID" --data-urlencode "client_secret=$SCIM_OAUTH_CLIENT_SECRET" -d grant_type=client_credentials --data-urlencode 'scope=scim.write' 'https://login.example.test/token?k=***' | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
AUTH=(-H "Authorization: Bearer $TOKEN")
NL=$'\n'
CREATED=()
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    for p in "${CREATED[@]}"; do echo "kept: $p"; done
    return
  fi
  local i
  for ((i=${#CREATED[@]}-1; i>=0; i--)); do
    "${CURL[@]}" -o /dev/null -w "cleanup: DELETE ${CREATED[i]} → %{http_code}\n" -X DELETE "${AUTH[@]}" "${CREATED[i]}" || true
  done
}
trap cleanup EXIT

# The id a create answered (the first top-level "id" of the body).
id_of() { grep -o '"id" *: *"[^"]*"' | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/'; }

# step 1: create
OUT=$("${CURL[@]}" -w '\n%{http_code}' -X POST \
  "${AUTH[@]}" \
  -H 'Accept: application/scim+json' \
  --data-raw '{"userName":"scimtest-r1-ann@contoso.example","note":"***"}' \
  "${TARGET}"'/Users')
echo "step 1: POST → ${OUT##*$NL}"
ID_1=$(printf '%s' "${OUT%$NL*}" | id_of)
[ -n "$ID_1" ] && CREATED+=("${TARGET}"'/Users'/"$ID_1")

# step 2: disable
echo '--- the failing request:'
"${CURL[@]}" -i -X PATCH \
  "${AUTH[@]}" \
  -H 'Accept: application/scim+json' \
  --data-raw '{"userName":"scimtest-r1-ann@contoso.example","note":"***"}' \
  "${TARGET}"'/Users/'"${ID_1}"
echo
echo '--- scimtest expected: equals at /active: expected false, got true'

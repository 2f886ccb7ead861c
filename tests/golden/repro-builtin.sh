#!/usr/bin/env bash
# Reproduces golden::disable_user[entra] as scimtest ran it: re-creates what the case had created before the
# failing step, sends that step's request, prints the answer, and deletes what it created
# (KEEP=1 keeps it). Needs bash and curl.
# Failed: step `disable`: /active equals at /active: expected false, got true
# The target was scimtest's built-in reference server, which stopped with the run: start
# one with `scimtest serve --token T` (and the run's --defect, if any), then run this with
# SCIM_TOKEN=T TARGET=<its URL>.
# Some header or body values were secrets and are written as ***: put the real values in.
set -euo pipefail

TARGET="${TARGET:-https://scim.example.test/scim}"
CURL=(curl -sS --globoff --max-time 30)
: "${SCIM_TOKEN:?set SCIM_TOKEN to the bearer token of the target}"
AUTH=(-H "Authorization: Bearer $SCIM_TOKEN")
NL=$'\n'
CREATED=()
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    for p in "${CREATED[@]}"; do printf 'kept: %s\n' "$p"; done
    return
  fi
  local i code
  for ((i=${#CREATED[@]}-1; i>=0; i--)); do
    code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X DELETE "${AUTH[@]}" "${CREATED[i]}") || code="not sent"
    printf 'cleanup: DELETE %s → %s\n' "${CREATED[i]}" "$code"
  done
}
trap cleanup EXIT

# The first "id" of a JSON answer as JSON text: a string's escaped content, or a number.
id_json() {
  local m
  m=$(grep -oE '"id"[[:space:]]*:[[:space:]]*("([^"\\]|\\.)*"|-?[0-9]+)' || true)
  m=${m%%"$NL"*}
  m=${m#*:}
  m=${m#"${m%%[![:space:]]*}"}
  case $m in \"*) m=${m:1:${#m}-2} ;; esac
  printf '%s' "$m"
}
# A JSON string's content, unescaped.
json_text() {
  local s=$1 out= c h i=0
  while ((i < ${#s})); do
    c=${s:i:1}
    i=$((i + 1))
    if [ "$c" = '\' ]; then
      c=${s:i:1}
      i=$((i + 1))
      case $c in
        n) c=$'\n' ;; t) c=$'\t' ;; r) c=$'\r' ;; b) c=$'\b' ;; f) c=$'\f' ;;
        u) h=${s:i:4}; c=; i=$((i + 4))
           if [[ $h =~ ^[0-9a-fA-F]{4}$ ]]; then printf -v c "\\u$h"; fi ;;
      esac
    fi
    out+=$c
  done
  printf '%s' "$out"
}
# A value as one URL path segment: every byte but the unreserved ones percent-encoded, and a
# segment of dots encoded too (`.` and `..` would name another path).
seg() (
  LC_ALL=C
  local s=$1 out= c h i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9._~-]) out+=$c ;;
      *) printf -v h '%%%02X' "'$c"; out+=$h ;;
    esac
  done
  case $out in *[!.]*) ;; *) out=${out//./%2E} ;; esac
  printf '%s' "$out"
)

# step 1: create
OUT=$("${CURL[@]}" -w '\n%{http_code}' -X POST \
  "${AUTH[@]}" \
  -H 'Accept: application/scim+json' \
  --data-raw '{"userName":"scimtest-r1-ann@contoso.example","note":"***"}' \
  "${TARGET}"'/Users')
echo "step 1: POST → ${OUT##*$NL}"
JID_1=$(printf '%s' "${OUT%$NL*}" | id_json)
ID_1=$(json_text "$JID_1")
SEG_1=$(seg "$ID_1")
if [ -n "$ID_1" ]; then CREATED+=("${TARGET}"'/Users'/"$SEG_1"); fi

# step 2: disable
echo '--- the failing request:'
OUT=$("${CURL[@]}" -i -w '\n%{http_code}' -X PATCH \
  "${AUTH[@]}" \
  -H 'Accept: application/scim+json' \
  --data-raw '{"userName":"scimtest-r1-ann@contoso.example","note":"***"}' \
  "${TARGET}"'/Users/'"${SEG_1}")
printf '%s\n' "${OUT%$NL*}"
echo
echo '--- scimtest expected: equals at /active: expected false, got true'

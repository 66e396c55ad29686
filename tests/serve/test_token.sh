# --token-file: every request needs `Authorization: Bearer TOKEN` (403
# AccessDeniedException otherwise, before any route is looked at); the
# file's trailing newline is not part of the token; the token is never printed.
. "$(dirname "$0")/lib.sh"

TOKEN=s3cr3t-$RANDOM-token
printf '%s\n' "$TOKEN" >"$WORK/token"
start_serve --token-file "$WORK/token"

check "no Authorization header: 403 AccessDeniedException"
req GET /executions/anything
expect_aws_error 403 AccessDeniedException
req POST /2025-12-01/durable-execution-callbacks/x/succeed -d 'x'
expect_aws_error 403 AccessDeniedException
req GET /no/such/route
expect_aws_error 403 AccessDeniedException

check "a wrong token, a prefix of it, a longer one, another scheme: 403"
for auth in "Bearer wrong" "Bearer ${TOKEN%?}" "Bearer ${TOKEN}x" "Bearer $TOKEN " \
    "Basic $TOKEN" "$TOKEN" "Bearer"; do
    req GET /executions/anything -H "Authorization: $auth"
    expect_aws_error 403 AccessDeniedException
done

check "the right token passes (the unknown execution is what is refused)"
req GET /executions/anything -H "Authorization: Bearer $TOKEN"
expect_aws_error 404 ResourceNotFoundException
req POST /executions -H "Authorization: Bearer $TOKEN" -d '{"workflow":"hello","input":{"who":"t"}}'
expect_code 200
ID=$(json_get "$WORK/b" 'd["id"]')
for i in $(seq 1 200); do
    req GET "/executions/$ID" -H "Authorization: Bearer $TOKEN"
    [ "$(json_get "$WORK/b" 'd["status"]')" = SUCCEEDED ] && break
    sleep 0.05
done
json_check "$WORK/b" 'd["status"] == "SUCCEEDED"'

check "a browser's request on another site's behalf is refused, token or not"
HOSTPORT=${BASE#http://}
PORT=${HOSTPORT##*:}
AUTH="Authorization: Bearer $TOKEN"
# cross-site: a page elsewhere posting here (its Origin is not this server's)
req POST "/executions" -H "$AUTH" -H "Origin: http://evil.example" -d '{"workflow":"hello"}'
expect_aws_error 403 AccessDeniedException
grep -q "another origin" "$WORK/b" || fail "the refusal does not say why: $BODY"
req POST "/executions/$ID/stop" -H "$AUTH" -H "Origin: null" -d '{}'
expect_aws_error 403 AccessDeniedException
# DNS rebinding: another name that points here now
req GET "/executions/$ID" -H "$AUTH" -H "Host: evil.example:$PORT"
expect_aws_error 403 AccessDeniedException
grep -q "another host name" "$WORK/b" || fail "the refusal does not say why: $BODY"
req GET "/" -H "Host: evil.example:$PORT" -H "Origin: http://evil.example:$PORT"
expect_aws_error 403 AccessDeniedException
# this server's own page, and loopback names, pass
req GET "/executions/$ID" -H "$AUTH" -H "Origin: http://$HOSTPORT"
expect_code 200
for name in localhost "localhost:$PORT" "127.0.0.1:$PORT" "127.1.2.3:$PORT" "[::1]:$PORT"; do
    req GET "/executions/$ID" -H "$AUTH" -H "Host: $name"
    expect_code 200
done

check "the token appears in no output"
stop_serve
if grep -q "$TOKEN" "$WORK/serve.out" "$WORK/serve.err"; then fail "the token was printed"; fi

check "an empty token file is refused at start (exit 1)"
: >"$WORK/empty"
rc=0
"$HOST" serve --listen 127.0.0.1:0 --db "$DB" --token-file "$WORK/empty" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, expected 1"
rc=0
"$HOST" serve --listen 127.0.0.1:0 --db "$DB" --token-file "$WORK/missing" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, expected 1"
echo "ok"

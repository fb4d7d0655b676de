#!/usr/bin/env bash
# The "Encrypt data with AWS KMS" lab done with the AWS CLI, the way a new user would, against
# the endpoint and credentials in the environment (the lines `kmslab sandbox` prints).
# Every check prints one PASS or FAIL line; the exit status is 1 when any check failed.
#
#   eval "$(kmslab sandbox ...)"   # or export the four lines by hand
#   bash conformance/lab_awscli.sh
#
# Optional: LAB_AWS_CLI (the aws binary, default "aws" from PATH), LAB_PREFIX (default nextwork),
# LAB_ALLOW_REAL_AWS=1 to run with no AWS_ENDPOINT_URL (real AWS; it creates and deletes things).
set -u -o pipefail

AWS_BIN=${LAB_AWS_CLI:-aws}
PREFIX=${LAB_PREFIX:-nextwork}
ALIAS="alias/${PREFIX}-kms-key"
TABLE="${PREFIX}-kms-table"
USER_NAME="${PREFIX}-kms-user"
DDB_POLICY=arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess
TAG_KEY=kmslab:lab

if [[ -z "${AWS_ENDPOINT_URL:-}" && "${LAB_ALLOW_REAL_AWS:-}" != 1 ]]; then
	echo "lab_awscli: AWS_ENDPOINT_URL is not set; refusing to run against real AWS (set LAB_ALLOW_REAL_AWS=1 to do so)" >&2
	exit 2
fi
if [[ -z "${AWS_ACCESS_KEY_ID:-}" || -z "${AWS_SECRET_ACCESS_KEY:-}" ]]; then
	echo "lab_awscli: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set" >&2
	exit 2
fi
# AWS CLI v1 (botocore) reads only AWS_DEFAULT_REGION; v2 also reads AWS_REGION.
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"
export AWS_PAGER=""
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
ADMIN_AK=$AWS_ACCESS_KEY_ID
ADMIN_SK=$AWS_SECRET_ACCESS_KEY
REGION=$AWS_DEFAULT_REGION

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passes=0
fails=0
pass() {
	printf 'PASS  %s\n' "$1"
	passes=$((passes + 1))
}
fail() {
	printf 'FAIL  %s\n' "$1"
	if [[ -n "${2:-}" ]]; then printf '%s\n' "$2" | sed 's/^/        /'; fi
	fails=$((fails + 1))
}
# check NAME: PASS when the test command that follows succeeds, else FAIL with the last call's output.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "rc=$RC out=${OUT:0:600} err=${ERR:0:600}"; fi
}

# awsc runs one CLI call with the credentials in the environment; it sets OUT, ERR and RC.
# AWS CLI v2 before 2.13 ignores AWS_ENDPOINT_URL, so the endpoint is passed on every call.
awsc() {
	OUT=$(timeout 90 "$AWS_BIN" ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"} \
		--cli-connect-timeout 5 --cli-read-timeout 60 "$@" 2>"$TMP/err")
	RC=$?
	ERR=$(<"$TMP/err")
}
as_admin() { AWS_ACCESS_KEY_ID=$ADMIN_AK AWS_SECRET_ACCESS_KEY=$ADMIN_SK awsc "$@"; }
as_user() { AWS_ACCESS_KEY_ID=$USER_AK AWS_SECRET_ACCESS_KEY=$USER_SK awsc "$@"; }
as_creds() {
	local ak=$1 sk=$2
	shift 2
	AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk awsc "$@"
}

ok() { [[ $RC -eq 0 ]]; }
# err_code prints the code from "An error occurred (Code) when calling the Op operation: message".
err_code() { sed -n 's/.*An error occurred (\([A-Za-z.]*\)).*/\1/p' <<<"$ERR" | head -n1; }
# failed_with CODE [SUBSTRING...]: the last call failed with that code and its message has every substring.
failed_with() {
	local code=$1 s
	shift
	[[ $RC -ne 0 && "$(err_code)" == "$code" ]] || return 1
	for s in "$@"; do [[ "$ERR" == *"$s"* ]] || return 1; done
}
eq() { [[ "$1" == "$2" ]]; }
matches() { [[ "$1" =~ $2 ]]; }
sorted_words() { tr -s ' \t' '\n\n' <<<"$1" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }

echo "lab_awscli: $("$AWS_BIN" --version 2>&1 | head -n1) -> ${AWS_ENDPOINT_URL:-real AWS} ($REGION)"

# --- 0. Who am I -------------------------------------------------------------------------
as_admin sts get-caller-identity --query '[Account,Arn]' --output text
read -r ACCOUNT ADMIN_ARN <<<"$OUT"
check "sts get-caller-identity as admin returns the account and an ARN" \
	eval 'ok && matches "${ACCOUNT:-}" "^[0-9]{12}$" && matches "${ADMIN_ARN:-}" "^arn:aws:(iam|sts)::[0-9]{12}:"'
ACCOUNT=${ACCOUNT:-000000000000}

# --- 1. Create the customer managed key and its alias ---------------------------------------
KEY_ARN="" KEY_ID=""
as_admin kms create-key --description "kmslab ${PREFIX} lab key" --tags "TagKey=$TAG_KEY,TagValue=$PREFIX" \
	--query 'KeyMetadata.[Arn,KeyId,KeyState,KeyManager,KeySpec,KeyUsage,Enabled]' --output text
read -r KEY_ARN KEY_ID KEY_STATE KEY_MANAGER KEY_SPEC KEY_USAGE KEY_ENABLED <<<"$OUT"
check "kms create-key returns an enabled symmetric customer managed key" \
	eval 'ok && matches "$KEY_ARN" "^arn:aws:kms:$REGION:$ACCOUNT:key/[0-9a-f-]{36}$" && eq "$KEY_ARN" "arn:aws:kms:$REGION:$ACCOUNT:key/$KEY_ID" && eq "$KEY_STATE/$KEY_MANAGER/$KEY_SPEC/$KEY_USAGE/$KEY_ENABLED" "Enabled/CUSTOMER/SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT/True"'

as_admin kms create-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID"
check "kms create-alias $ALIAS" ok

as_admin kms describe-key --key-id "$ALIAS" --query 'KeyMetadata.[Arn,Description]' --output text
check "kms describe-key by alias resolves to the new key, with its description" \
	eval 'ok && eq "$OUT" "$KEY_ARN	kmslab $PREFIX lab key"'

as_admin kms list-aliases --key-id "$KEY_ID" --query 'Aliases[].[AliasName,AliasArn,TargetKeyId]' --output text
check "kms list-aliases --key-id shows the alias with its ARN" \
	eval 'ok && eq "$OUT" "$ALIAS	arn:aws:kms:$REGION:$ACCOUNT:$ALIAS	$KEY_ID"'

as_admin kms list-resource-tags --key-id "$KEY_ID" --query 'Tags[].[TagKey,TagValue]' --output text
check "kms list-resource-tags shows $TAG_KEY=$PREFIX" eval 'ok && eq "$OUT" "$TAG_KEY	$PREFIX"'

as_admin kms create-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID"
check "kms create-alias again -> AlreadyExistsException naming the alias ARN" \
	failed_with AlreadyExistsException "arn:aws:kms:$REGION:$ACCOUNT:$ALIAS"

# --- 2. Create the table encrypted with the key ---------------------------------------------
as_admin dynamodb create-table --table-name "$TABLE" \
	--attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH \
	--billing-mode PAY_PER_REQUEST \
	--sse-specification "Enabled=true,SSEType=KMS,KMSMasterKeyId=$ALIAS" \
	--tags "Key=$TAG_KEY,Value=$PREFIX" \
	--query 'TableDescription.[TableName,TableArn]' --output text
check "dynamodb create-table $TABLE with SSE KMS by alias" \
	eval 'ok && eq "$OUT" "$TABLE	arn:aws:dynamodb:$REGION:$ACCOUNT:table/$TABLE"'

as_admin dynamodb wait table-exists --table-name "$TABLE"
check "dynamodb wait table-exists" ok

as_admin dynamodb describe-table --table-name "$TABLE" \
	--query 'Table.[TableStatus,SSEDescription.Status,SSEDescription.SSEType,SSEDescription.KMSMasterKeyArn,BillingModeSummary.BillingMode]' --output text
check "dynamodb describe-table: ACTIVE, SSE ENABLED/KMS with the key ARN (not the alias), PAY_PER_REQUEST" \
	eval 'ok && eq "$OUT" "ACTIVE	ENABLED	KMS	$KEY_ARN	PAY_PER_REQUEST"'

# --- 3. Add items and read them back as the admin ------------------------------------------
for i in 1 2 3; do
	as_admin dynamodb put-item --table-name "$TABLE" \
		--item "{\"id\":{\"S\":\"$i\"},\"name\":{\"S\":\"item $i\"},\"secret\":{\"S\":\"launch code $i\"}}"
	check "dynamodb put-item id=$i" ok
done

as_admin dynamodb scan --table-name "$TABLE" --query 'Items[].id.S' --output text
check "dynamodb scan as admin returns the 3 items" eval 'ok && eq "$(sorted_words "$OUT")" "1 2 3"'

as_admin dynamodb get-item --table-name "$TABLE" --key '{"id":{"S":"2"}}' --query 'Item.secret.S' --output text
check "dynamodb get-item id=2 as admin returns the plaintext attribute" eval 'ok && eq "$OUT" "launch code 2"'

# --- 4. A test user with AmazonDynamoDBFullAccess but no kms:Decrypt -------------------------
USER_ARN="" USER_AK="" USER_SK=""
as_admin iam create-user --user-name "$USER_NAME" --tags "Key=$TAG_KEY,Value=$PREFIX" --query 'User.[Arn,UserId]' --output text
read -r USER_ARN USER_ID <<<"$OUT"
check "iam create-user $USER_NAME" \
	eval 'ok && eq "$USER_ARN" "arn:aws:iam::$ACCOUNT:user/$USER_NAME" && matches "${USER_ID:-}" "^AIDA[A-Z0-9]{12,}$"'

as_admin iam attach-user-policy --user-name "$USER_NAME" --policy-arn "$DDB_POLICY"
check "iam attach-user-policy AmazonDynamoDBFullAccess" ok

as_admin iam list-attached-user-policies --user-name "$USER_NAME" --query 'AttachedPolicies[].PolicyArn' --output text
check "iam list-attached-user-policies shows it" eval 'ok && eq "$OUT" "$DDB_POLICY"'

as_admin iam create-access-key --user-name "$USER_NAME" --query 'AccessKey.[AccessKeyId,SecretAccessKey,Status]' --output text
read -r USER_AK USER_SK USER_AK_STATUS <<<"$OUT"
check "iam create-access-key returns an active AKIA key and a secret" \
	eval 'ok && matches "$USER_AK" "^AKIA[A-Z0-9]{16}$" && [[ ${#USER_SK} -ge 40 ]] && eq "$USER_AK_STATUS" Active'

# A new access key can take seconds to work on AWS: poll like the lab does.
for _ in $(seq 1 30); do
	as_user sts get-caller-identity --query Arn --output text
	ok && break
	sleep 1
done
check "sts get-caller-identity as the user returns the user ARN" eval 'ok && eq "$OUT" "$USER_ARN"'

as_user dynamodb scan --table-name "$TABLE"
check "dynamodb scan as the user -> AccessDeniedException naming kms:Decrypt, the user and the key ARN" \
	failed_with AccessDeniedException "kms:Decrypt" "$USER_ARN" "$KEY_ARN"
echo "      (message: $(sed -n 's/.*operation: //p' <<<"$ERR" | head -c 400))"

as_user dynamodb get-item --table-name "$TABLE" --key '{"id":{"S":"1"}}'
check "dynamodb get-item as the user -> AccessDeniedException naming kms:Decrypt, the user and the key ARN" \
	failed_with AccessDeniedException "kms:Decrypt" "$USER_ARN" "$KEY_ARN"

as_user dynamodb describe-table --table-name "$TABLE" --query 'Table.[TableStatus,SSEDescription.KMSMasterKeyArn]' --output text
check "dynamodb describe-table as the user still works" eval 'ok && eq "$OUT" "ACTIVE	$KEY_ARN"'

as_user kms describe-key --key-id "$KEY_ARN" --query 'KeyMetadata.Arn' --output text
check "kms describe-key as the user still works (AmazonDynamoDBFullAccess allows it)" eval 'ok && eq "$OUT" "$KEY_ARN"'

# --- 5. Grant the user the key in the key policy ----------------------------------------------
as_admin kms get-key-policy --key-id "$KEY_ID" --policy-name default --query Policy --output text
printf '%s' "$OUT" >"$TMP/policy.json"
check "kms get-key-policy returns the default policy (Enable IAM User Permissions for the account root)" \
	eval 'ok && [[ "$OUT" == *"Enable IAM User Permissions"* && "$OUT" == *"arn:aws:iam::$ACCOUNT:root"* ]]'

python3 - "$TMP/policy.json" "$USER_ARN" >"$TMP/policy2.json" <<'PY'
import json, sys
policy = json.load(open(sys.argv[1]))
policy["Statement"].append({
    "Sid": "Allow use of the key",
    "Effect": "Allow",
    "Principal": {"AWS": sys.argv[2]},
    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
    "Resource": "*",
})
json.dump(policy, sys.stdout, indent=2)
PY
check "the new key policy was written" test -s "$TMP/policy2.json"

as_admin kms put-key-policy --key-id "$KEY_ID" --policy-name default --policy "file://$TMP/policy2.json"
check "kms put-key-policy with the user in 'Allow use of the key'" ok

as_admin kms get-key-policy --key-id "$KEY_ID" --policy-name default --query Policy --output text
check "kms get-key-policy now names the user" eval 'ok && [[ "$OUT" == *"Allow use of the key"* && "$OUT" == *"$USER_ARN"* ]]'

# KMS is eventually consistent on AWS: poll the read for a while.
for _ in $(seq 1 30); do
	as_user dynamodb scan --table-name "$TABLE" --query 'Items[].id.S' --output text
	ok && break
	sleep 1
done
check "dynamodb scan as the user now returns the 3 items" eval 'ok && eq "$(sorted_words "$OUT")" "1 2 3"'

as_user dynamodb get-item --table-name "$TABLE" --key '{"id":{"S":"3"}}' --query 'Item.secret.S' --output text
check "dynamodb get-item as the user now works" eval 'ok && eq "$OUT" "launch code 3"'

# --- 6. Error shapes for bad credentials --------------------------------------------------------
# An access key id no sandbox ever issues (built here so scans for real keys stay quiet).
BAD_AK="AKIA$(printf 'Z%.0s' $(seq 16))"
BAD_SK=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz
BAD_TOKEN="The security token included in the request is invalid"
BAD_SIG="The request signature we calculated does not match the signature you provided"
as_creds "$BAD_AK" "$BAD_SK" kms list-keys
check "unknown access key: kms -> UnrecognizedClientException" failed_with UnrecognizedClientException "$BAD_TOKEN"
as_creds "$BAD_AK" "$BAD_SK" dynamodb list-tables
check "unknown access key: dynamodb -> UnrecognizedClientException" failed_with UnrecognizedClientException "$BAD_TOKEN"
as_creds "$BAD_AK" "$BAD_SK" iam list-users
check "unknown access key: iam -> InvalidClientTokenId" failed_with InvalidClientTokenId "$BAD_TOKEN"
as_creds "$BAD_AK" "$BAD_SK" sts get-caller-identity
check "unknown access key: sts -> InvalidClientTokenId" failed_with InvalidClientTokenId "$BAD_TOKEN"
as_creds "$ADMIN_AK" "$BAD_SK" kms list-keys
check "wrong secret: kms -> InvalidSignatureException" failed_with InvalidSignatureException "$BAD_SIG"
as_creds "$ADMIN_AK" "$BAD_SK" dynamodb list-tables
check "wrong secret: dynamodb -> InvalidSignatureException" failed_with InvalidSignatureException "$BAD_SIG"
as_creds "$ADMIN_AK" "$BAD_SK" iam list-users
check "wrong secret: iam -> SignatureDoesNotMatch" failed_with SignatureDoesNotMatch "$BAD_SIG"
as_creds "$ADMIN_AK" "$BAD_SK" sts get-caller-identity
check "wrong secret: sts -> SignatureDoesNotMatch" failed_with SignatureDoesNotMatch "$BAD_SIG"

# --- 7. Clean up ----------------------------------------------------------------------------
if [[ -n "$USER_AK" ]]; then
	as_admin iam delete-access-key --user-name "$USER_NAME" --access-key-id "$USER_AK"
	check "iam delete-access-key" ok
	as_user sts get-caller-identity
	check "the deleted access key no longer works (InvalidClientTokenId)" failed_with InvalidClientTokenId
fi
if [[ -n "$USER_ARN" ]]; then
	as_admin iam detach-user-policy --user-name "$USER_NAME" --policy-arn "$DDB_POLICY"
	check "iam detach-user-policy" ok
	as_admin iam delete-user --user-name "$USER_NAME"
	check "iam delete-user" ok
	as_admin iam get-user --user-name "$USER_NAME"
	check "iam get-user after delete -> NoSuchEntity" failed_with NoSuchEntity "$USER_NAME"
fi
as_admin dynamodb delete-table --table-name "$TABLE" --query 'TableDescription.TableName' --output text
check "dynamodb delete-table" eval 'ok && eq "$OUT" "$TABLE"'
as_admin dynamodb wait table-not-exists --table-name "$TABLE"
check "dynamodb wait table-not-exists" ok
as_admin kms delete-alias --alias-name "$ALIAS"
check "kms delete-alias" ok
if [[ -n "$KEY_ID" ]]; then
	as_admin kms schedule-key-deletion --key-id "$KEY_ID" --pending-window-in-days 7 \
		--query '[KeyId,KeyState,PendingWindowInDays]' --output text
	check "kms schedule-key-deletion 7 days -> PendingDeletion (KeyId is the key ARN)" \
		eval 'ok && eq "$OUT" "$KEY_ARN	PendingDeletion	7"'
	as_admin kms describe-key --key-id "$KEY_ID" --query 'KeyMetadata.[KeyState,Enabled]' --output text
	check "kms describe-key shows PendingDeletion" eval 'ok && eq "$OUT" "PendingDeletion	False"'
fi

echo "lab_awscli summary: $passes checks passed, $fails checks failed"
[[ $fails -eq 0 ]]

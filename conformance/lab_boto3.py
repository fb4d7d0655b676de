#!/usr/bin/env python3
"""The "Encrypt data with AWS KMS" lab done with boto3, against the endpoint and credentials in
the environment (the lines `kmslab sandbox` prints). Each check prints one PASS or FAIL line;
the exit status is 1 when any check failed, 2 on a usage error.

    python3 conformance/lab_boto3.py                      # the whole lab, then clean up
    python3 conformance/lab_boto3.py persist-setup FILE   # make resources, note them in FILE
    python3 conformance/lab_boto3.py persist-verify FILE  # (after a restart) they are all there

boto3 reads AWS_ENDPOINT_URL but not AWS_REGION (only AWS_DEFAULT_REGION), so the region is
passed explicitly. LAB_PREFIX changes the resource names (default nextwork).
"""

import datetime
import json
import os
import re
import sys
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

DDB_POLICY = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
TAG_KEY = "kmslab:lab"
BAD_TOKEN = "The security token included in the request is invalid"
BAD_SIG = "The request signature we calculated does not match the signature you provided"
USE_OF_KEY = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
# One attempt per call so a wrong answer shows at once; bounded timeouts so nothing hangs.
CONFIG = Config(
    region_name=REGION,
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=60,
)


class Checks:
    def __init__(self):
        self.passes = 0
        self.fails = 0

    def check(self, name, cond, detail=""):
        if cond:
            print(f"PASS  {name}", flush=True)
            self.passes += 1
        else:
            print(f"FAIL  {name}", flush=True)
            if detail:
                for line in str(detail)[:1500].splitlines():
                    print(f"        {line}")
            self.fails += 1
        return bool(cond)

    def call(self, name, fn, *args, **kwargs):
        """Runs fn; PASS when it returns (the result is returned), FAIL with the error otherwise."""
        try:
            out = fn(*args, **kwargs)
        except Exception as e:  # any failure is a FAIL line, never a crash
            self.check(name, False, describe(e))
            return None
        self.check(name, True)
        return out

    def error(self, name, fn, code, status, *substrings, **kwargs):
        """Expects fn to fail with code and an HTTP status in status (int or tuple); every substring
        must be in the message. Returns the message."""
        statuses = status if isinstance(status, tuple) else (status,)
        try:
            out = fn(**kwargs)
        except ClientError as e:
            got_code = e.response.get("Error", {}).get("Code")
            msg = e.response.get("Error", {}).get("Message", "")
            got_status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            missing = [s for s in substrings if s not in msg]
            ok = got_code == code and got_status in statuses and not missing
            self.check(f"{name} -> {code} {'/'.join(map(str, statuses))}", ok,
                       f"got {got_code} {got_status}: {msg!r}" + (f"; missing {missing}" if missing else ""))
            return msg
        except Exception as e:
            self.check(f"{name} -> {code}", False, describe(e))
            return ""
        self.check(f"{name} -> {code}", False, f"call succeeded: {str(out)[:400]}")
        return ""

    def done(self, label):
        print(f"{label} summary: {self.passes} checks passed, {self.fails} checks failed", flush=True)
        return 0 if self.fails == 0 else 1


def describe(e):
    if isinstance(e, ClientError):
        md = e.response.get("ResponseMetadata", {})
        err = e.response.get("Error", {})
        return f"{err.get('Code')} (HTTP {md.get('HTTPStatusCode')}): {err.get('Message')}"
    return f"{type(e).__name__}: {e}"


class Identity:
    """The four clients for one set of credentials."""

    def __init__(self, access_key, secret_key):
        self.access_key = access_key
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=REGION)
        self.kms = session.client("kms", config=CONFIG)
        self.ddb = session.client("dynamodb", config=CONFIG)
        self.iam = session.client("iam", config=CONFIG)
        self.sts = session.client("sts", config=CONFIG)


def admin():
    return Identity(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])


def names(prefix):
    return f"alias/{prefix}-kms-key", f"{prefix}-kms-table", f"{prefix}-kms-user"


def status_of(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def sorted_ids(items):
    return sorted(i["id"]["S"] for i in items)


def poll(fn, seconds=30):
    """Calls fn until it returns without a ClientError (AWS is eventually consistent)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except ClientError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1)


def add_user_to_key_policy(adm, key_id, user_arn):
    policy = json.loads(adm.kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    policy["Statement"].append({
        "Sid": "Allow use of the key",
        "Effect": "Allow",
        "Principal": {"AWS": user_arn},
        "Action": USE_OF_KEY,
        "Resource": "*",
    })
    return adm.kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))


def create_table(adm, table, key):
    return adm.ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
        Tags=[{"Key": TAG_KEY, "Value": "x"}],
    )


def wait_table(adm, table):
    adm.ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def lab():
    c = Checks()
    prefix = os.environ.get("LAB_PREFIX", "nextwork")
    alias, table, user_name = names(prefix)
    adm = admin()
    print(f"lab_boto3: boto3 {boto3.__version__} -> {adm.kms.meta.endpoint_url} ({REGION})", flush=True)

    # --- 0. Who am I -------------------------------------------------------------------------
    me = c.call("sts get_caller_identity as admin", adm.sts.get_caller_identity) or {}
    account = me.get("Account", "000000000000")
    c.check("the admin identity has a 12-digit account and an ARN",
            re.fullmatch(r"\d{12}", account) and me.get("Arn", "").startswith("arn:aws:"), me)

    # --- 1. Key and alias ----------------------------------------------------------------------
    resp = c.call("kms create_key", adm.kms.create_key, Description=f"kmslab {prefix} lab key",
                  Tags=[{"TagKey": TAG_KEY, "TagValue": prefix}]) or {"KeyMetadata": {}}
    md = resp["KeyMetadata"]
    key_arn, key_id = md.get("Arn", ""), md.get("KeyId", "")
    c.check("create_key: HTTP 200, key ARN for this region and account, Enabled CUSTOMER SYMMETRIC_DEFAULT",
            resp.get("ResponseMetadata", {}).get("HTTPStatusCode") == 200
            and key_arn == f"arn:aws:kms:{REGION}:{account}:key/{key_id}"
            and re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", key_id)
            and (md.get("KeyState"), md.get("KeyManager"), md.get("KeySpec"), md.get("KeyUsage"),
                 md.get("Enabled"), md.get("Origin")) ==
            ("Enabled", "CUSTOMER", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", True, "AWS_KMS")
            and isinstance(md.get("CreationDate"), datetime.datetime), md)

    c.call(f"kms create_alias {alias}", adm.kms.create_alias, AliasName=alias, TargetKeyId=key_id)
    # Status of KMS AlreadyExistsException: the model says 409, other KMS client errors are 400 (UNCONFIRMED).
    c.error("kms create_alias again", adm.kms.create_alias, "AlreadyExistsException", (400, 409),
            f"arn:aws:kms:{REGION}:{account}:{alias}", AliasName=alias, TargetKeyId=key_id)
    c.error("kms create_alias without the alias/ prefix", adm.kms.create_alias, "ValidationException", 400,
            'Alias must start with the prefix "alias/".', AliasName=f"{prefix}-no-prefix", TargetKeyId=key_id)
    missing = str(uuid.uuid4())
    c.error("kms describe_key of an unknown key id", adm.kms.describe_key, "NotFoundException", 400,
            f"Key 'arn:aws:kms:{REGION}:{account}:key/{missing}' does not exist", KeyId=missing)
    d = c.call("kms describe_key by alias", adm.kms.describe_key, KeyId=alias) or {"KeyMetadata": {}}
    c.check("describe_key by alias resolves to the key ARN", d["KeyMetadata"].get("Arn") == key_arn, d)
    pol = c.call("kms get_key_policy", adm.kms.get_key_policy, KeyId=key_id, PolicyName="default") or {}
    try:
        doc = json.loads(pol.get("Policy", "{}"))
    except ValueError:
        doc = {}
    st = (doc.get("Statement") or [{}])[0]
    c.check("the default key policy is the 'Enable IAM User Permissions' root statement",
            doc.get("Version") == "2012-10-17" and len(doc.get("Statement", [])) == 1
            and st.get("Sid") == "Enable IAM User Permissions" and st.get("Effect") == "Allow"
            and st.get("Principal") == {"AWS": f"arn:aws:iam::{account}:root"}
            and st.get("Action") == "kms:*" and st.get("Resource") == "*", pol.get("Policy"))

    # --- 2. Encrypted table ----------------------------------------------------------------------
    resp = c.call(f"dynamodb create_table {table} with SSE KMS by alias", create_table, adm, table, alias) or {}
    c.check("create_table answers HTTP 200 with the table ARN",
            resp and status_of(resp) == 200
            and resp["TableDescription"].get("TableArn") == f"arn:aws:dynamodb:{REGION}:{account}:table/{table}", resp)
    c.error("dynamodb create_table again", create_table, "ResourceInUseException", 400, table,
            adm=adm, table=table, key=alias)
    c.error("dynamodb describe_table of a missing table", adm.ddb.describe_table, "ResourceNotFoundException", 400,
            TableName=f"{prefix}-no-such-table")
    c.call("table_exists waiter", wait_table, adm, table)
    t = (c.call("dynamodb describe_table", adm.ddb.describe_table, TableName=table) or {}).get("Table", {})
    c.check("describe_table: ACTIVE, SSEDescription ENABLED/KMS with the key ARN (not the alias)",
            t.get("TableStatus") == "ACTIVE"
            and t.get("SSEDescription") == {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key_arn}, t)

    # A student who leaves out KMSMasterKeyId gets the AWS managed key alias/aws/dynamodb
    # (SSESpecification.KMSMasterKeyId doc), which KMS then knows like any other key.
    other = f"{prefix}-default-key-table"
    c.call("dynamodb create_table with SSEType KMS and no key id", adm.ddb.create_table, TableName=other,
           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
           KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
           SSESpecification={"Enabled": True, "SSEType": "KMS"})
    c.call("table_exists waiter", wait_table, adm, other)
    sse = (c.call("dynamodb describe_table", adm.ddb.describe_table, TableName=other) or
           {"Table": {}})["Table"].get("SSEDescription") or {}
    managed = sse.get("KMSMasterKeyArn", "")
    md = {}
    try:
        md = adm.kms.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]
    except ClientError as e:
        md = {"error": describe(e)}
    c.check("that table uses the AWS managed key: kms describe_key alias/aws/dynamodb gives the table's key, KeyManager AWS",
            managed.startswith(f"arn:aws:kms:{REGION}:{account}:key/") and managed != key_arn
            and md.get("Arn") == managed and md.get("KeyManager") == "AWS", {"SSEDescription": sse, "alias/aws/dynamodb": md})
    c.call("dynamodb delete_table (the AWS managed key table)", adm.ddb.delete_table, TableName=other)

    # --- 3. Items --------------------------------------------------------------------------------
    for i in ("1", "2", "3"):
        c.call(f"dynamodb put_item id={i}", adm.ddb.put_item, TableName=table,
               Item={"id": {"S": i}, "name": {"S": f"item {i}"}, "secret": {"S": f"launch code {i}"},
                     "n": {"N": i}, "blob": {"B": bytes([0, 1, 2, int(i)])}})
    s = c.call("dynamodb scan as admin", adm.ddb.scan, TableName=table) or {}
    c.check("scan returns the 3 items with Count/ScannedCount 3", sorted_ids(s.get("Items", [])) == ["1", "2", "3"]
            and s.get("Count") == 3 and s.get("ScannedCount") == 3, s)
    g = c.call("dynamodb get_item id=2", adm.ddb.get_item, TableName=table, Key={"id": {"S": "2"}}) or {}
    c.check("get_item returns the plaintext item (S, N and B attributes)",
            g.get("Item", {}).get("secret") == {"S": "launch code 2"} and g["Item"].get("n") == {"N": "2"}
            and g["Item"].get("blob") == {"B": b"\x00\x01\x02\x02"}, g)

    # --- 4. Test user, denied ----------------------------------------------------------------------
    u = (c.call(f"iam create_user {user_name}", adm.iam.create_user, UserName=user_name,
                Tags=[{"Key": TAG_KEY, "Value": prefix}]) or {}).get("User", {})
    user_arn = u.get("Arn", "")
    c.check("create_user returns the user ARN and an AIDA user id",
            user_arn == f"arn:aws:iam::{account}:user/{user_name}" and re.fullmatch(r"AIDA[A-Z0-9]{12,}", u.get("UserId", "")), u)
    c.error("iam create_user again", adm.iam.create_user, "EntityAlreadyExists", 409,
            f"User with name {user_name} already exists.", UserName=user_name)
    c.error("iam get_user of a missing user", adm.iam.get_user, "NoSuchEntity", 404,
            f"The user with name {prefix}-nobody cannot be found.", UserName=f"{prefix}-nobody")
    bad_policy = f"arn:aws:iam::{account}:policy/{prefix}-no-such-policy"
    c.error("iam attach_user_policy of a missing policy", adm.iam.attach_user_policy, "NoSuchEntity", 404,
            f"Policy {bad_policy} does not exist or is not attachable.", UserName=user_name, PolicyArn=bad_policy)
    c.call("iam attach_user_policy AmazonDynamoDBFullAccess", adm.iam.attach_user_policy,
           UserName=user_name, PolicyArn=DDB_POLICY)
    ak = (c.call("iam create_access_key", adm.iam.create_access_key, UserName=user_name) or {}).get("AccessKey", {})
    c.check("the access key is an active AKIA key for the user",
            re.fullmatch(r"AKIA[A-Z0-9]{16}", ak.get("AccessKeyId", "")) and ak.get("Status") == "Active"
            and ak.get("UserName") == user_name and len(ak.get("SecretAccessKey", "")) >= 40,
            {k: v for k, v in ak.items() if k != "SecretAccessKey"})
    usr = Identity(ak.get("AccessKeyId", "AKIAMISSING"), ak.get("SecretAccessKey", "missing"))

    who = c.call("sts get_caller_identity as the user", poll, usr.sts.get_caller_identity) or {}
    c.check("the user's identity is the user ARN", who.get("Arn") == user_arn and who.get("Account") == account, who)
    denied = ("kms:Decrypt", user_arn, key_arn)
    msg = c.error("dynamodb scan as the user", usr.ddb.scan, "AccessDeniedException", 400, *denied, TableName=table)
    print(f"      (message: {msg[:400]})")
    c.error("dynamodb get_item as the user", usr.ddb.get_item, "AccessDeniedException", 400, *denied,
            TableName=table, Key={"id": {"S": "1"}})
    # A write needs the table key too, so it needs kms:Decrypt (aws/aws-cdk#10010).
    c.error("dynamodb put_item as the user", usr.ddb.put_item, "AccessDeniedException", 400, *denied,
            TableName=table, Item={"id": {"S": "9"}})
    t = (c.call("dynamodb describe_table as the user", usr.ddb.describe_table, TableName=table) or {}).get("Table", {})
    c.check("the user sees the table and its key ARN", t.get("SSEDescription", {}).get("KMSMasterKeyArn") == key_arn, t)
    d = c.call("kms describe_key as the user", usr.kms.describe_key, KeyId=key_arn) or {"KeyMetadata": {}}
    c.check("describe_key as the user returns the key", d["KeyMetadata"].get("Arn") == key_arn, d)
    c.error("kms get_key_policy as the user", usr.kms.get_key_policy, "AccessDeniedException", 400,
            f"User: {user_arn} is not authorized to perform: kms:GetKeyPolicy on resource: {key_arn} "
            "because no identity-based policy allows the kms:GetKeyPolicy action", KeyId=key_arn, PolicyName="default")
    c.error("iam list_users as the user", usr.iam.list_users, "AccessDenied", 403,
            f"User: {user_arn} is not authorized to perform: iam:ListUsers",
            "because no identity-based policy allows the iam:ListUsers action")

    # --- 5. Grant ------------------------------------------------------------------------------------
    ghost = f"arn:aws:iam::{account}:user/{prefix}-ghost-{uuid.uuid4().hex[:8]}"
    c.error("kms put_key_policy naming a user that does not exist", add_user_to_key_policy,
            "MalformedPolicyDocumentException", 400, "Policy contains a statement with one or more invalid principals.",
            adm=adm, key_id=key_id, user_arn=ghost)
    c.call("kms put_key_policy with the user in 'Allow use of the key'", add_user_to_key_policy, adm, key_id, user_arn)
    s = c.call("dynamodb scan as the user after the grant", poll, lambda: usr.ddb.scan(TableName=table)) or {}
    c.check("the user's scan returns the 3 items", sorted_ids(s.get("Items", [])) == ["1", "2", "3"], s)
    g = c.call("dynamodb get_item as the user after the grant", usr.ddb.get_item, TableName=table,
               Key={"id": {"S": "3"}}) or {}
    c.check("the user's get_item returns the plaintext", g.get("Item", {}).get("secret") == {"S": "launch code 3"}, g)

    # --- 6. Bad credentials ----------------------------------------------------------------------------
    nobody = Identity("AKIA" + "Z" * 16, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz")
    c.error("unknown access key: kms list_keys", nobody.kms.list_keys, "UnrecognizedClientException", 400, BAD_TOKEN)
    c.error("unknown access key: dynamodb list_tables", nobody.ddb.list_tables, "UnrecognizedClientException", 400, BAD_TOKEN)
    c.error("unknown access key: iam list_users", nobody.iam.list_users, "InvalidClientTokenId", 403, BAD_TOKEN)
    c.error("unknown access key: sts get_caller_identity", nobody.sts.get_caller_identity, "InvalidClientTokenId", 403, BAD_TOKEN)
    forger = Identity(adm.access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz")
    c.error("wrong secret: kms list_keys", forger.kms.list_keys, "InvalidSignatureException", 400, BAD_SIG)
    c.error("wrong secret: dynamodb list_tables", forger.ddb.list_tables, "InvalidSignatureException", 400, BAD_SIG)
    c.error("wrong secret: iam list_users", forger.iam.list_users, "SignatureDoesNotMatch", 403, BAD_SIG)
    c.error("wrong secret: sts get_caller_identity", forger.sts.get_caller_identity, "SignatureDoesNotMatch", 403, BAD_SIG)

    # --- 7. Clean up -------------------------------------------------------------------------------------
    c.error("iam delete_user while it still has an access key", adm.iam.delete_user, "DeleteConflict", 409,
            "Cannot delete entity, must", UserName=user_name)
    if ak.get("AccessKeyId"):
        c.call("iam delete_access_key", adm.iam.delete_access_key, UserName=user_name, AccessKeyId=ak["AccessKeyId"])
        c.error("the deleted access key: sts get_caller_identity", usr.sts.get_caller_identity,
                "InvalidClientTokenId", 403, BAD_TOKEN)
    c.call("iam detach_user_policy", adm.iam.detach_user_policy, UserName=user_name, PolicyArn=DDB_POLICY)
    c.call("iam delete_user", adm.iam.delete_user, UserName=user_name)
    # IAM-UG reference_policies_elements_principal: a policy naming a deleted user shows its
    # unique id (AIDA…) instead of the ARN, so a new user of the same name is not granted.
    pol = (c.call("kms get_key_policy after the user is gone", adm.kms.get_key_policy, KeyId=key_id,
                  PolicyName="default") or {}).get("Policy", "")
    c.check("the key policy now names the deleted user by its unique id (AIDA…), not its ARN",
            u.get("UserId", "?") in pol and user_arn not in pol, pol)
    c.call("dynamodb delete_table", adm.ddb.delete_table, TableName=table)
    c.call("table_not_exists waiter", lambda: adm.ddb.get_waiter("table_not_exists").wait(
        TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60}))
    c.call("kms delete_alias", adm.kms.delete_alias, AliasName=alias)
    c.error("kms schedule_key_deletion for 3 days", adm.kms.schedule_key_deletion, "ValidationException", 400,
            "PendingWindowInDays", KeyId=key_id, PendingWindowInDays=3)
    before = datetime.datetime.now(datetime.timezone.utc)
    sk = c.call("kms schedule_key_deletion for 7 days", adm.kms.schedule_key_deletion,
                KeyId=key_id, PendingWindowInDays=7) or {}
    dd = sk.get("DeletionDate")
    c.check("schedule_key_deletion: KeyId is the key ARN, PendingDeletion, 7 days, DeletionDate about 7 days on",
            sk.get("KeyId") == key_arn and sk.get("KeyState") == "PendingDeletion" and sk.get("PendingWindowInDays") == 7
            and isinstance(dd, datetime.datetime)
            and datetime.timedelta(days=6) < dd - before < datetime.timedelta(days=8), sk)
    # KMS docs: Encrypt on a key pending deletion fails with DisabledException or KMSInvalidStateException.
    try:
        adm.kms.encrypt(KeyId=key_id, Plaintext=b"x")
        c.check("kms encrypt with the key pending deletion fails", False, "encrypt succeeded")
    except ClientError as e:
        err = e.response["Error"]
        c.check("kms encrypt with the key pending deletion -> KMSInvalidStateException|DisabledException 400 '<arn> is pending deletion'",
                err.get("Code") in ("KMSInvalidStateException", "DisabledException")
                and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
                and f"{key_arn} is pending deletion" in err.get("Message", ""), describe(e))
    return c.done("lab_boto3")


def persist_setup(path):
    """Makes a key (and one pending deletion), an encrypted table with items, and a user granted
    in the key policy; writes what it made (with the user's secret) to path."""
    c = Checks()
    adm = admin()
    alias, table, user_name = names("persist")
    account = adm.sts.get_caller_identity()["Account"]
    key = c.call("persist-setup: create_key", adm.kms.create_key, Description="persist",
                 Tags=[{"TagKey": TAG_KEY, "TagValue": "persist"}]) or {"KeyMetadata": {}}
    key_arn, key_id = key["KeyMetadata"].get("Arn", ""), key["KeyMetadata"].get("KeyId", "")
    c.call("persist-setup: create_alias", adm.kms.create_alias, AliasName=alias, TargetKeyId=key_id)
    doomed = (c.call("persist-setup: create_key (to delete)", adm.kms.create_key, Description="doomed") or
              {"KeyMetadata": {}})["KeyMetadata"].get("Arn", "")
    c.call("persist-setup: schedule_key_deletion", adm.kms.schedule_key_deletion, KeyId=doomed, PendingWindowInDays=7)
    c.call("persist-setup: create_table", create_table, adm, table, alias)
    c.call("persist-setup: wait", wait_table, adm, table)
    items = {str(i): f"persisted {i}" for i in range(1, 6)}
    for k, v in items.items():
        c.call(f"persist-setup: put_item {k}", adm.ddb.put_item, TableName=table, Item={"id": {"S": k}, "v": {"S": v}})
    user_arn = (c.call("persist-setup: create_user", adm.iam.create_user, UserName=user_name) or
                {"User": {}})["User"].get("Arn", "")
    c.call("persist-setup: attach_user_policy", adm.iam.attach_user_policy, UserName=user_name, PolicyArn=DDB_POLICY)
    ak = (c.call("persist-setup: create_access_key", adm.iam.create_access_key, UserName=user_name) or
          {"AccessKey": {}})["AccessKey"]
    c.call("persist-setup: put_key_policy", add_user_to_key_policy, adm, key_id, user_arn)
    usr = Identity(ak.get("AccessKeyId", "AKIAMISSING"), ak.get("SecretAccessKey", "missing"))
    s = c.call("persist-setup: scan as the user", poll, lambda: usr.ddb.scan(TableName=table)) or {}
    c.check("persist-setup: the user reads the 5 items", len(s.get("Items", [])) == 5, s)
    state = {
        "account": account, "region": REGION, "key_arn": key_arn, "key_id": key_id, "alias": alias,
        "doomed_key_arn": doomed, "table": table, "items": items, "user_name": user_name,
        "user_arn": user_arn, "user_access_key_id": ak.get("AccessKeyId", ""),
        "user_secret_access_key": ak.get("SecretAccessKey", ""),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
    return c.done("persist-setup")


def persist_verify(path):
    c = Checks()
    with open(path, encoding="utf-8") as f:
        st = json.load(f)
    adm = admin()
    md = (c.call("persist-verify: describe_key by alias", adm.kms.describe_key, KeyId=st["alias"]) or
          {"KeyMetadata": {}})["KeyMetadata"]
    c.check("persist-verify: the key is there, Enabled, behind its alias",
            md.get("Arn") == st["key_arn"] and md.get("KeyState") == "Enabled", md)
    tags = (c.call("persist-verify: list_resource_tags", adm.kms.list_resource_tags, KeyId=st["key_id"]) or {}).get("Tags")
    c.check("persist-verify: the key's tags survived", tags == [{"TagKey": TAG_KEY, "TagValue": "persist"}], tags)
    doomed = (c.call("persist-verify: describe_key (pending deletion)", adm.kms.describe_key,
                     KeyId=st["doomed_key_arn"]) or {"KeyMetadata": {}})["KeyMetadata"]
    c.check("persist-verify: the other key is still PendingDeletion with its DeletionDate",
            doomed.get("KeyState") == "PendingDeletion" and isinstance(doomed.get("DeletionDate"), datetime.datetime), doomed)
    pol = (c.call("persist-verify: get_key_policy", adm.kms.get_key_policy, KeyId=st["key_id"], PolicyName="default")
           or {}).get("Policy", "")
    c.check("persist-verify: the key policy still names the user", st["user_arn"] in pol, pol)
    t = (c.call("persist-verify: describe_table", adm.ddb.describe_table, TableName=st["table"]) or {}).get("Table", {})
    c.check("persist-verify: the table is ACTIVE, encrypted with the key",
            t.get("TableStatus") == "ACTIVE" and t.get("SSEDescription", {}).get("KMSMasterKeyArn") == st["key_arn"], t)
    s = c.call("persist-verify: scan as admin", adm.ddb.scan, TableName=st["table"]) or {}
    got = {i["id"]["S"]: i.get("v", {}).get("S") for i in s.get("Items", [])}
    c.check("persist-verify: every item came back intact", got == st["items"], got)
    u = (c.call("persist-verify: get_user", adm.iam.get_user, UserName=st["user_name"]) or {}).get("User", {})
    c.check("persist-verify: the user is there with the same ARN", u.get("Arn") == st["user_arn"], u)
    att = (c.call("persist-verify: list_attached_user_policies", adm.iam.list_attached_user_policies,
                  UserName=st["user_name"]) or {}).get("AttachedPolicies", [])
    c.check("persist-verify: the user still has AmazonDynamoDBFullAccess", [p.get("PolicyArn") for p in att] == [DDB_POLICY], att)
    usr = Identity(st["user_access_key_id"], st["user_secret_access_key"])
    who = c.call("persist-verify: the user's access key still works", usr.sts.get_caller_identity) or {}
    c.check("persist-verify: it is still the same user", who.get("Arn") == st["user_arn"], who)
    s = c.call("persist-verify: scan as the user (the grant survived)", usr.ddb.scan, TableName=st["table"]) or {}
    c.check("persist-verify: the user reads the 5 items", len(s.get("Items", [])) == 5, s)
    return c.done("persist-verify")


def main(argv):
    if not os.environ.get("AWS_ENDPOINT_URL") and os.environ.get("LAB_ALLOW_REAL_AWS") != "1":
        print("lab_boto3: AWS_ENDPOINT_URL is not set; refusing to run against real AWS "
              "(set LAB_ALLOW_REAL_AWS=1 to do so)", file=sys.stderr)
        return 2
    if not os.environ.get("AWS_ACCESS_KEY_ID") or not os.environ.get("AWS_SECRET_ACCESS_KEY"):
        print("lab_boto3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set", file=sys.stderr)
        return 2
    if len(argv) == 1 or argv[1:] == ["lab"]:
        return lab()
    if len(argv) == 3 and argv[1] == "persist-setup":
        return persist_setup(argv[2])
    if len(argv) == 3 and argv[1] == "persist-verify":
        return persist_verify(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

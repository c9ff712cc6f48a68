"""`logstream lambda` (ssm action) under the real Lambda Runtime Interface
Emulator against moto's SSM (the server of `scripts/services start sqs`):
one S3 event with several Records whose keys try to inject shell; moto
records each SendCommand, and the test asserts the exact single-quoted
command line of every key; invalid JSON is an invocation error and the
runtime goes on serving."""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from common import service_env, workdir  # noqa: E402
from lambda_common import invoke, s3_event, start_rie, stop_rie  # noqa: E402

d = workdir("lambda-ssm")
moto = service_env("sqs")
endpoint = moto["SQS_URL"]


def ssm(action, body):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "X-Amz-Target": f"AmazonSSM.{action}", "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ssm/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


with open(f"{d}/application.json", "w") as f:
    json.dump({"aws-instance-id": "i-0123456789abcdef0", "shellscript": "ingest.sh"}, f)
bucket = "logs-bucket"
keys = ["plain/2026-11-24/a.log", "a;rm -rf /", "$(id)", "`id`", "it's \"quoted\"", "new\nline", "sp ace+plus%"]
function_env = {k: v for k, v in moto.items() if k.startswith("AWS_")}
function_env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",  # moto accepts any
                    LOGSTREAM_LAMBDA_ACTION="ssm", LOGSTREAM_LAMBDA_CONFIG=f"{d}/application.json",
                    AWS_ENDPOINT_URL_SSM=endpoint, AWS_EC2_METADATA_DISABLED="true")
before = len(ssm("ListCommands", {}).get("Commands", []))
url = start_rie(function_env)
try:
    r = invoke(url, b"not json")
    assert r.get("errorType") == "InvalidEvent", r
    r = invoke(url, s3_event(bucket, [(k, 1) for k in keys]))
    assert "commands" in r, r
    assert [c["key"] for c in r["commands"]] == keys, r
    for c in r["commands"]:
        assert [i["status"] for i in c["invocations"]] == ["Success"], c
finally:
    stop_rie()
commands = ssm("ListCommands", {})["Commands"][before:]
got = {}
for c in commands:
    assert c["DocumentName"] == "AWS-RunShellScript", c
    assert c["InstanceIds"] == ["i-0123456789abcdef0"], c
    got[c["CommandId"]] = c["Parameters"]["commands"]
for c, key in zip(r["commands"], keys):
    want = [f"sh '/home/ec2-user/ingest.sh' '{bucket}' {sh_quote(key)}"]
    assert got[c["commandId"]] == want, (got[c["commandId"]], want)
print(f"lambda ssm: {len(keys)} SendCommands, each command exactly single-quoted")

"""Plants a small, deliberately insecure AWS account in the emulator, with a compliant twin for
every problem, so a scan shows each built-in spine policy both failing and passing.

Usage: plant_demo.py --endpoint URL --control URL [--account-id 123456789012]
Uses boto3, a different client from the scanner, so the scan judges resources it did not make.
Prints a JSON summary of what it planted.
"""

import argparse
import json
import urllib.request

import boto3

REGION = "us-east-1"


def clients(endpoint, account_id):
    base = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    if account_id == "123456789012":
        creds = {}
    else:
        sts = boto3.client("sts", **base)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/palisade-demo", RoleSessionName="plant")["Credentials"]
        creds = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    merged = {**base, **creds}
    return {name: boto3.client(name, **merged) for name in ("s3", "ec2", "iam")}


def backdate(control, account_id, user, key_id, days):
    body = json.dumps({"account_id": account_id, "user_name": user, "access_key_id": key_id, "days": days}).encode()
    req = urllib.request.Request(control + "/iam/backdate-access-key", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200, resp.read()


def plant(endpoint, control, account_id):
    c = clients(endpoint, account_id)
    planted = {}

    # S3: one bucket without default encryption, one with SSE-S3, one with SSE-KMS.
    unencrypted = f"palisade-demo-unencrypted-{account_id}"
    sse_s3 = f"palisade-demo-sse-s3-{account_id}"
    sse_kms = f"palisade-demo-sse-kms-{account_id}"
    for b in (unencrypted, sse_s3, sse_kms):
        c["s3"].create_bucket(Bucket=b)
    c["s3"].put_bucket_encryption(
        Bucket=sse_s3,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    c["s3"].put_bucket_encryption(
        Bucket=sse_kms,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"}}]
        },
    )
    planted["buckets"] = {"fail": [unencrypted], "pass": [sse_s3, sse_kms]}

    # EC2: SSH open to the world (IPv4, IPv6, all traffic) and a restricted twin.
    vpc = c["ec2"].create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]

    def sg(name, perms):
        gid = c["ec2"].create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        c["ec2"].authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
        return gid

    open_v4 = sg("demo-ssh-open", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    open_v6 = sg("demo-ssh-open-ipv6", [{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    open_all = sg("demo-all-traffic", [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    restricted = sg("demo-ssh-restricted", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    web = sg("demo-https-open", [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    planted["security_groups"] = {"fail": [open_v4, open_v6, open_all], "pass": [restricted, web]}

    # IAM: an active key 200 days old, and a fresh one; an inactive old key does not count.
    c["iam"].create_user(UserName="demo-stale-key")
    key = c["iam"].create_access_key(UserName="demo-stale-key")["AccessKey"]["AccessKeyId"]
    backdate(control, account_id, "demo-stale-key", key, 200)
    c["iam"].create_user(UserName="demo-fresh-key")
    c["iam"].create_access_key(UserName="demo-fresh-key")
    c["iam"].create_user(UserName="demo-inactive-old-key")
    old = c["iam"].create_access_key(UserName="demo-inactive-old-key")["AccessKey"]["AccessKeyId"]
    c["iam"].update_access_key(UserName="demo-inactive-old-key", AccessKeyId=old, Status="Inactive")
    backdate(control, account_id, "demo-inactive-old-key", old, 400)
    planted["users"] = {"fail": ["demo-stale-key"], "pass": ["demo-fresh-key", "demo-inactive-old-key"]}

    # IAM policies: full admin, and scoped twins.
    def policy(name, statement):
        doc = json.dumps({"Version": "2012-10-17", "Statement": statement})
        return c["iam"].create_policy(PolicyName=name, PolicyDocument=doc)["Policy"]["Arn"]

    admin = policy("demo-admin-wildcard", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    admin_list = policy("demo-admin-in-list", [{"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}])
    scoped = policy("demo-s3-read", [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}])
    deny_all = policy("demo-deny-all", [{"Effect": "Deny", "Action": "*", "Resource": "*"}])
    planted["policies"] = {"fail": [admin, admin_list], "pass": [scoped, deny_all]}
    return planted


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--account-id", default="123456789012")
    a = p.parse_args()
    print(json.dumps(plant(a.endpoint, a.control, a.account_id), indent=2))


if __name__ == "__main__":
    main()

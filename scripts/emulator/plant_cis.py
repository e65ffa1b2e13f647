"""Plants an account in the emulator that is deliberately compliant, or deliberately failing, for
as many CIS AWS Foundations v3.0.0 controls as the emulator (moto 5.2.5) can express.

Usage: plant_cis.py --endpoint URL --control URL --account-id ID --mode compliant|noncompliant
Uses boto3, a different client from the scanner, so the scan judges resources it did not make.
Everything is planted in us-east-1; only the default VPC the emulator creates is used, so every VPC,
network ACL and default security group of the region is one this script shaped.
Prints a JSON summary of what it planted: {"mode", "planted": {control: [resource names]}, "skipped"}.

Not planted (the emulator cannot express them): root MFA and root keys (1.4, 1.5), IAM Access
Analyzer (1.20, unsupported), MFA Delete (2.1.2: moto keeps only the versioning status), a valid
server certificate (1.19: moto reports every certificate as expired in 2012).
"""

import argparse
import json
import urllib.request

import boto3

REGION = "us-east-1"

# The CIS v3.0.0 section 4 filter patterns, as published.
PATTERNS = {
    "4.1": '{($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
    '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    "4.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
    '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    "4.3": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "4.4": "{"
    + "||".join(
        f"($.eventName={n})"
        for n in [
            "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
            "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
            "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
            "DetachGroupPolicy",
        ]
    )
    + "}",
    "4.5": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
    "($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    "4.6": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "4.7": "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    "4.8": "{ ($.eventSource = s3.amazonaws.com) && ("
    + " || ".join(
        f"($.eventName = {n})"
        for n in [
            "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
            "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
        ]
    )
    + ") }",
    "4.9": "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
    "($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    "4.10": "{ "
    + " || ".join(
        f"($.eventName = {n})"
        for n in [
            "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup",
        ]
    )
    + " }",
    "4.11": "{ "
    + " || ".join(
        f"($.eventName = {n})"
        for n in [
            "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation",
        ]
    )
    + " }",
    "4.12": "{ "
    + " || ".join(
        f"($.eventName = {n})"
        for n in [
            "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
            "DeleteInternetGateway", "DetachInternetGateway",
        ]
    )
    + " }",
    "4.13": "{($.eventSource = ec2.amazonaws.com) && ("
    + " || ".join(
        f"($.eventName = {n})"
        for n in [
            "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
            "DeleteRoute", "DisassociateRouteTable",
        ]
    )
    + ") }",
    "4.14": "{ "
    + " || ".join(
        f"($.eventName = {n})"
        for n in [
            "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
            "DisableVpcClassicLink", "EnableVpcClassicLink",
        ]
    )
    + " }",
    "4.15": "{ ($.eventSource = organizations.amazonaws.com) && ("
    + " || ".join(
        f'($.eventName = "{n}")'
        for n in [
            "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
            "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
            "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
            "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
        ]
    )
    + ") }",
}

SERVICES = ("s3", "ec2", "iam", "kms", "cloudtrail", "logs", "cloudwatch", "sns", "sqs", "config", "securityhub", "rds", "efs")


def clients(endpoint, account_id):
    base = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    if account_id == "123456789012":
        creds = {}
    else:
        sts = boto3.client("sts", **base)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/palisade-cis", RoleSessionName="plant")["Credentials"]
        creds = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    merged = {**base, **creds}
    return {name: boto3.client(name, **merged) for name in SERVICES}


def backdate(control, account_id, user, key_id, days):
    body = json.dumps({"account_id": account_id, "user_name": user, "access_key_id": key_id, "days": days}).encode()
    req = urllib.request.Request(control + "/iam/backdate-access-key", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200, resp.read()


def plant(endpoint, control, account_id, mode):
    ok = mode == "compliant"
    c = clients(endpoint, account_id)
    planted = {}
    iam, s3, ec2 = c["iam"], c["s3"], c["ec2"]

    def doc(statement):
        return json.dumps({"Version": "2012-10-17", "Statement": statement})

    # ---- 1 IAM ----
    if ok:
        iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    else:
        iam.update_account_password_policy(MinimumPasswordLength=8)
    planted["1.8"] = planted["1.9"] = ["password-policy"]

    # 1.10: a console user, with a virtual MFA device or without.
    console = "cis-console-user"
    iam.create_user(UserName=console)
    iam.create_login_profile(UserName=console, Password="Correct-Horse-Battery-9")
    if ok:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=console)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=console, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    planted["1.10"] = [console]

    # 1.12 / 1.13 / 1.14: a user with keys; noncompliant: two active keys, one 100 days old and unused.
    keys_user = "cis-keys-user"
    iam.create_user(UserName=keys_user)
    key = iam.create_access_key(UserName=keys_user)["AccessKey"]["AccessKeyId"]
    if not ok:
        iam.create_access_key(UserName=keys_user)
        backdate(control, account_id, keys_user, key, 100)
    planted["1.12"] = planted["1.13"] = planted["1.14"] = [keys_user]

    # 1.15: permissions through a group, or a policy attached directly to the user.
    scoped = iam.create_policy(
        PolicyName="cis-s3-read", PolicyDocument=doc([{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}])
    )["Policy"]["Arn"]
    direct = "cis-direct-policy-user"
    iam.create_user(UserName=direct)
    if ok:
        iam.create_group(GroupName="cis-readers")
        iam.attach_group_policy(GroupName="cis-readers", PolicyArn=scoped)
        iam.add_user_to_group(GroupName="cis-readers", UserName=direct)
    else:
        iam.attach_user_policy(UserName=direct, PolicyArn=scoped)
    planted["1.15"] = [direct]

    # 1.16: a customer-managed "*:*" policy attached to a role, or only a scoped one.
    trust = doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "sts:AssumeRole"}])
    iam.create_role(RoleName="cis-ops", AssumeRolePolicyDocument=trust)
    if ok:
        iam.attach_role_policy(RoleName="cis-ops", PolicyArn=scoped)
        planted["1.16"] = ["cis-s3-read"]
    else:
        admin = iam.create_policy(
            PolicyName="cis-admin", PolicyDocument=doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="cis-ops", PolicyArn=admin)
        planted["1.16"] = ["cis-admin"]

    # 1.17: AWSSupportAccess on a role, or on a user only.
    support = "arn:aws:iam::aws:policy/AWSSupportAccess"
    if ok:
        iam.create_role(RoleName="cis-support", AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName="cis-support", PolicyArn=support)
        planted["1.17"] = ["cis-support"]
    else:
        iam.attach_user_policy(UserName=keys_user, PolicyArn=support)
        planted["1.17"] = [keys_user]

    # 1.19: the emulator reports every server certificate as expired, so only the failing case exists.
    if not ok:
        iam.upload_server_certificate(
            ServerCertificateName="cis-expired-cert",
            CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            PrivateKey="-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
        )
        planted["1.19"] = ["cis-expired-cert"]

    # ---- KMS (3.5, 3.6) ----
    key_policy = doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"}])
    # KeyUsage/KeySpec given explicitly: moto omits KeyUsage from DescribeKey unless it was set.
    cmk = c["kms"].create_key(
        Description="cis trail key", Policy=key_policy, KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT"
    )["KeyMetadata"]
    if ok:
        c["kms"].enable_key_rotation(KeyId=cmk["KeyId"])
    planted["3.6"] = [cmk["KeyId"]]

    # ---- S3 (2.1.1, 2.1.4; 3.4 for the trail bucket) ----
    trail_bucket = f"cis-trail-{account_id}"
    log_bucket = f"cis-access-logs-{account_id}"
    data_bucket = f"cis-data-{account_id}"
    buckets = [trail_bucket, log_bucket, data_bucket]
    for b in buckets:
        s3.create_bucket(Bucket=b)
    for b in buckets:
        stmts = [
            {
                "Sid": "CloudTrail",
                "Effect": "Allow",
                "Principal": {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]},
                "Action": ["s3:GetBucketAcl", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"],
            }
        ]
        if b == log_bucket:
            # First: moto's logging check reads statements in order and trips over a "*" principal.
            stmts.insert(
                0,
                {
                    "Sid": "S3ServerAccessLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": ["s3:PutObject"],
                    "Resource": f"arn:aws:s3:::{b}/*",
                },
            )
        if ok:
            stmts.append(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
            s3.put_public_access_block(
                Bucket=b,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        s3.put_bucket_policy(Bucket=b, Policy=doc(stmts))
    if ok:
        s3.put_bucket_logging(
            Bucket=trail_bucket,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": log_bucket, "TargetPrefix": "trail/"}},
        )
    planted["2.1.1"] = planted["2.1.4"] = buckets
    planted["3.4"] = [trail_bucket]

    # ---- 2.2.1, 2.3.x, 2.4.1 ----
    if ok:
        ec2.enable_ebs_encryption_by_default()
    planted["2.2.1"] = [REGION]

    db = dict(
        DBInstanceIdentifier="cis-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin1",
        MasterUserPassword="Secret-password-1",
        AllocatedStorage=20,
        StorageEncrypted=ok,
        PubliclyAccessible=not ok,
        AutoMinorVersionUpgrade=ok,
    )
    if ok:
        db["KmsKeyId"] = cmk["Arn"]
    c["rds"].create_db_instance(**db)
    planted["2.3.1"] = planted["2.3.2"] = planted["2.3.3"] = ["cis-db"]

    fs = c["efs"].create_file_system(CreationToken="cis-fs", Encrypted=ok)["FileSystemId"]
    planted["2.4.1"] = [fs]

    # ---- 3 Logging, 4 Monitoring ----
    logs = c["logs"]
    group = "cis-cloudtrail"
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:{REGION}:{account_id}:log-group:{group}:*"
    iam.create_role(
        RoleName="cis-trail-to-logs",
        AssumeRolePolicyDocument=doc([{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
    )
    logs_role = f"arn:aws:iam::{account_id}:role/cis-trail-to-logs"
    ct = c["cloudtrail"]
    trail = "cis-trail"
    if ok:
        ct.create_trail(
            Name=trail,
            S3BucketName=trail_bucket,
            IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True,
            EnableLogFileValidation=True,
            KmsKeyId=cmk["Arn"],
            CloudWatchLogsLogGroupArn=group_arn,
            CloudWatchLogsRoleArn=logs_role,
        )
        ct.put_event_selectors(
            TrailName=trail,
            EventSelectors=[
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                }
            ],
        )
    else:
        ct.create_trail(Name=trail, S3BucketName=trail_bucket)
    ct.start_logging(Name=trail)
    planted["3.1"] = planted["3.2"] = planted["3.5"] = planted["3.8"] = planted["3.9"] = [trail]

    if ok:
        queue = c["sqs"].create_queue(QueueName="cis-alerts")["QueueUrl"]
        queue_arn = c["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = c["sns"].create_topic(Name="cis-alerts")["TopicArn"]
        c["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        for control_id, pattern in PATTERNS.items():
            name = "cis-" + control_id.replace(".", "-")
            logs.put_metric_filter(
                logGroupName=group,
                filterName=name,
                filterPattern=pattern,
                metricTransformations=[{"metricName": name, "metricNamespace": "CISBenchmark", "metricValue": "1"}],
            )
            c["cloudwatch"].put_metric_alarm(
                AlarmName=name + "-alarm",
                MetricName=name,
                Namespace="CISBenchmark",
                Statistic="Sum",
                Period=300,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                ActionsEnabled=True,
                AlarmActions=[topic],
            )
    for control_id in PATTERNS:
        planted[control_id] = [group]

    # 3.3: a recorder for all resource types, a delivery channel, recording started.
    if ok:
        cfg = c["config"]
        cfg.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{account_id}:role/cis-config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": trail_bucket})
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        # 4.16
        c["securityhub"].enable_security_hub(EnableDefaultStandards=False)
    planted["3.3"] = planted["4.16"] = [REGION]

    # ---- VPC: 3.7, 5.1, 5.4, and the instance of 5.6 ----
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    default_vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault"))
    if ok:
        # The log group must exist, or moto reports the flow log's delivery as FAILED.
        logs.create_log_group(logGroupName="cis-flow-logs")
        ec2.create_flow_logs(
            ResourceIds=vpcs,
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName="cis-flow-logs",
            DeliverLogsPermissionArn=f"arn:aws:iam::{account_id}:role/cis-flow-logs",
        )
    planted["3.7"] = vpcs

    nacls = [n["NetworkAclId"] for n in ec2.describe_network_acls()["NetworkAcls"]]
    if ok:
        rule = 1
        for nacl in nacls:
            for port in (22, 3389):
                for proto in ("6", "17"):
                    for v6 in (False, True):
                        args = dict(
                            NetworkAclId=nacl,
                            RuleNumber=rule,
                            Protocol=proto,
                            RuleAction="deny",
                            Egress=False,
                            PortRange={"From": port, "To": port},
                        )
                        args["Ipv6CidrBlock" if v6 else "CidrBlock"] = "::/0" if v6 else "0.0.0.0/0"
                        ec2.create_network_acl_entry(**args)
                        rule += 1
    else:
        ec2.create_network_acl_entry(
            NetworkAclId=nacls[0],
            RuleNumber=10,
            Protocol="6",
            RuleAction="allow",
            Egress=False,
            CidrBlock="0.0.0.0/0",
            PortRange={"From": 22, "To": 22},
        )
    planted["5.1"] = nacls

    default_sgs = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    if ok:
        for sg in default_sgs:
            if sg.get("IpPermissions"):
                ec2.revoke_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissions"])
            if sg.get("IpPermissionsEgress"):
                ec2.revoke_security_group_egress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissionsEgress"])
    planted["5.4"] = [sg["GroupId"] for sg in default_sgs]

    # 5.2 / 5.3: RDP from the IPv4 world and SSH from the IPv6 world, or from a private range.
    def sg(name, perms):
        gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=default_vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
        return gid

    if ok:
        admin_sg = sg(
            "cis-admin-restricted",
            [
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "fd00::/8"}]},
            ],
        )
    else:
        admin_sg = sg(
            "cis-admin-open",
            [
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            ],
        )
    planted["5.2"] = planted["5.3"] = [admin_sg]

    instance = ec2.run_instances(
        ImageId="ami-12c6146b",
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SecurityGroupIds=[admin_sg],
        MetadataOptions={"HttpTokens": "required" if ok else "optional", "HttpEndpoint": "enabled"},
    )["Instances"][0]["InstanceId"]
    planted["5.6"] = [instance]

    skipped = {
        "1.4": "root access keys cannot be created through the API",
        "1.5": "root MFA cannot be enabled through the API",
        "1.19": "moto reports every server certificate as expired" + ("" if not ok else " (none uploaded)"),
        "1.20": "IAM Access Analyzer is not supported by moto",
        "2.1.2": "moto does not keep MFADelete",
    }
    return {"mode": mode, "account_id": account_id, "planted": planted, "skipped": skipped}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--account-id", default="123456789012")
    p.add_argument("--mode", choices=["compliant", "noncompliant"], required=True)
    a = p.parse_args()
    print(json.dumps(plant(a.endpoint, a.control, a.account_id, a.mode), indent=2))


if __name__ == "__main__":
    main()

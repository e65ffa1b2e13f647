//! Real-time events: in each target account and region, an EventBridge rule that forwards
//! CloudTrail management write events to Palisade's SQS queue, deployed with a self-managed
//! StackSet.

use serde_json::{json, Value};

pub struct RealtimeTemplates {
    /// Deployed by the StackSet into every target account and region.
    pub stackset: Value,
    /// The StackSet administrator role, in the Palisade (administrator) account.
    pub administrator_role: Value,
    /// The StackSet execution role, in every target account.
    pub execution_role: Value,
}

pub fn realtime_templates() -> RealtimeTemplates {
    let stackset = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Palisade real-time events: forwards CloudTrail management write events to the Palisade queue.",
        "Parameters": {
            "MasterAccountId": {"Type": "String", "Description": "The AWS account Palisade runs in", "AllowedPattern": "^[0-9]{12}$"},
            "QueueArn": {"Type": "String", "Description": "ARN of the Palisade SQS queue that receives the events"}
        },
        "Resources": {
            "PalisadeCloudTrailWriteEvents": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": {"Fn::Sub": "Palisade: CloudTrail management write events (not read-only) to the queue of Palisade account ${MasterAccountId}"},
                    "State": "ENABLED",
                    "EventPattern": {
                        "detail-type": ["AWS API Call via CloudTrail"],
                        "detail": {"readOnly": [false], "eventCategory": ["Management"]}
                    },
                    "Targets": [{"Id": "PalisadeQueue", "Arn": {"Ref": "QueueArn"}}]
                }
            }
        },
        "Outputs": {"RuleArn": {"Value": {"Fn::GetAtt": ["PalisadeCloudTrailWriteEvents", "Arn"]}}}
    });
    let administrator_role = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Palisade: StackSet administrator role (self-managed permissions), in the Palisade account.",
        "Resources": {
            "AdministrationRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "AWSCloudFormationStackSetAdministrationRole",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]
                    },
                    "Policies": [{
                        "PolicyName": "AssumeExecutionRole",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/AWSCloudFormationStackSetExecutionRole"}
                            }]
                        }
                    }]
                }
            }
        }
    });
    let execution_role = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Palisade: StackSet execution role (self-managed permissions), in every target account.",
        "Parameters": {
            "AdministratorAccountId": {"Type": "String", "Description": "The Palisade (StackSet administrator) account", "AllowedPattern": "^[0-9]{12}$"}
        },
        "Resources": {
            "ExecutionRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "AWSCloudFormationStackSetExecutionRole",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AdministratorAccountId}:root"}},
                            "Action": "sts:AssumeRole"
                        }]
                    },
                    "Policies": [{
                        "PolicyName": "ManagePalisadeEventRule",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": ["cloudformation:*"], "Resource": "*"},
                                {"Effect": "Allow", "Action": [
                                    "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule",
                                    "events:DisableRule", "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule"
                                ], "Resource": "*"}
                            ]
                        }
                    }]
                }
            }
        }
    });
    RealtimeTemplates { stackset, administrator_role, execution_role }
}

/// The steps (as `aws` CLI commands) to create the StackSet and add accounts later.
pub fn realtime_instructions(palisade_account_id: &str, queue_arn: &str, dir: &str) -> String {
    format!(
        "Real-time events for Palisade, with a self-managed StackSet:

1. In the Palisade account ({palisade_account_id}), create the administrator role:
   aws cloudformation deploy --stack-name palisade-stackset-admin --capabilities CAPABILITY_NAMED_IAM \\
     --template-file {dir}/stackset-administrator-role.json

2. In every target account, create the execution role:
   aws cloudformation deploy --stack-name palisade-stackset-execution --capabilities CAPABILITY_NAMED_IAM \\
     --template-file {dir}/stackset-execution-role.json --parameter-overrides AdministratorAccountId={palisade_account_id}

3. Allow EventBridge in the target accounts to send to the queue ({queue_arn}): its queue policy must
   allow sqs:SendMessage for the service principal events.amazonaws.com with an aws:SourceAccount
   condition listing the target accounts.

4. In the Palisade account, create the StackSet:
   aws cloudformation create-stack-set --stack-set-name palisade-realtime --permission-model SELF_MANAGED \\
     --template-body file://{dir}/realtime-stackset.json \\
     --parameters ParameterKey=MasterAccountId,ParameterValue={palisade_account_id} ParameterKey=QueueArn,ParameterValue={queue_arn}

5. Deploy it to accounts and regions (and later, to add accounts, run the same command with the new ones):
   aws cloudformation create-stack-instances --stack-set-name palisade-realtime \\
     --accounts 111111111111 222222222222 --regions us-east-1 eu-west-1
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_matches_cloudtrail_write_events_and_targets_the_queue() {
        let t = realtime_templates().stackset;
        let rule = &t["Resources"]["PalisadeCloudTrailWriteEvents"]["Properties"];
        assert_eq!(rule["EventPattern"]["detail-type"], json!(["AWS API Call via CloudTrail"]));
        assert_eq!(rule["EventPattern"]["detail"]["readOnly"], json!([false]));
        assert_eq!(rule["Targets"][0]["Arn"], json!({"Ref": "QueueArn"}));
        assert!(t["Parameters"].get("MasterAccountId").is_some() && t["Parameters"].get("QueueArn").is_some());
    }

    #[test]
    fn instructions_name_the_templates_and_commands() {
        let text = realtime_instructions("111111111111", "arn:aws:sqs:us-east-1:111111111111:palisade", "out");
        assert!(text.contains("create-stack-set") && text.contains("create-stack-instances"));
        assert!(text.contains("out/realtime-stackset.json"));
    }
}

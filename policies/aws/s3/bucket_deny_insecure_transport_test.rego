package palisade.aws.s3.bucket_deny_insecure_transport_test

import data.palisade.aws.s3.bucket_deny_insecure_transport as policy

bucket(policy_doc) := {"id": "arn:aws:s3:::logs.example", "name": "logs.example", "type": "AWS.S3.Bucket", "attributes": {"Name": "logs.example", "Policy": policy_doc}}

doc(statements) := {"Version": "2012-10-17", "Statement": statements}

# The statement CIS prescribes.
cis := {
	"Sid": "DenyHTTP", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
	"Resource": "arn:aws:s3:::logs.example/*",
	"Condition": {"Bool": {"aws:SecureTransport": "false"}},
}

# `cis` with some top-level fields replaced (not merged).
with_fields(fields) := object.union(object.remove(cis, [k | some k, _ in fields]), fields)

test_cis_statement_passes if {
	count(policy.deny) == 0 with input as bucket(doc([cis]))
}

test_boolean_false_passes if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Condition": {"Bool": {"aws:SecureTransport": false}}})]))
}

test_value_in_a_list_passes if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Condition": {"Bool": {"aws:SecureTransport": ["false"]}}})]))
}

test_key_case_does_not_matter if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Condition": {"Bool": {"aws:securetransport": "False"}}})]))
}

test_bool_if_exists_passes if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}})]))
}

test_single_statement_object_passes if {
	count(policy.deny) == 0 with input as bucket({"Version": "2012-10-17", "Statement": cis})
}

test_aws_star_principal_and_lists_pass if {
	stmt := with_fields({"Principal": {"AWS": ["*"]}, "Action": ["s3:*"], "Resource": ["arn:aws:s3:::logs.example", "arn:aws:s3:::logs.example/*"]})
	count(policy.deny) == 0 with input as bucket(doc([stmt]))
}

test_star_action_and_resource_pass if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Action": "*", "Resource": "*"})]))
}

test_wildcard_bucket_prefix_passes if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Resource": "arn:aws:s3:::logs*"})]))
}

test_no_policy_fails if {
	policy.deny == {"bucket logs.example has no bucket policy, so requests over plain HTTP are not denied"} with input as bucket(null)
}

test_allow_with_secure_transport_true_fails if {
	stmt := with_fields({"Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
	policy.deny == {"the policy of bucket logs.example has no statement denying all S3 actions on its objects when aws:SecureTransport is false"} with input as bucket(doc([stmt]))
}

test_deny_when_true_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Condition": {"Bool": {"aws:SecureTransport": "true"}}})]))
}

test_string_condition_operator_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Condition": {"StringEquals": {"aws:SecureTransport": "false"}}})]))
}

test_tls_version_condition_alone_fails if {
	stmt := with_fields({"Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}})
	count(policy.deny) == 1 with input as bucket(doc([stmt]))
}

test_narrowing_condition_fails if {
	stmt := with_fields({"Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:PrincipalAccount": "111122223333"}}})
	count(policy.deny) == 1 with input as bucket(doc([stmt]))
}

test_single_principal_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Principal": {"AWS": "arn:aws:iam::111122223333:root"}})]))
}

test_some_actions_only_fail if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Action": ["s3:GetObject", "s3:PutObject"]})]))
}

test_bucket_arn_only_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Resource": "arn:aws:s3:::logs.example"})]))
}

test_prefix_of_objects_only_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Resource": "arn:aws:s3:::logs.example/private/*"})]))
}

test_other_bucket_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Resource": "arn:aws:s3:::other/*"})]))
}

test_good_statement_among_others_passes if {
	other := {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/r"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs.example/*"}
	count(policy.deny) == 0 with input as bucket(doc([other, cis]))
}

test_other_partitions_pass if {
	cn := object.union(bucket(doc([with_fields({"Resource": "arn:aws-cn:s3:::logs.example/*"})])), {"id": "arn:aws-cn:s3:::logs.example"})
	count(policy.deny) == 0 with input as cn
	gov := bucket(doc([with_fields({"Resource": ["arn:aws-us-gov:s3:::logs.example", "arn:aws-us-gov:s3:::logs.example/*"]})]))
	count(policy.deny) == 0 with input as gov
}

test_bucket_name_prefix_of_another_fails if {
	count(policy.deny) == 1 with input as bucket(doc([with_fields({"Resource": "arn:aws:s3:::logs.example-old/*"})]))
}

test_any_bucket_in_partition_passes if {
	count(policy.deny) == 0 with input as bucket(doc([with_fields({"Resource": "arn:aws:s3:::*"})]))
}

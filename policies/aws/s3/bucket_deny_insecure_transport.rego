# METADATA
# title: Ensure S3 Bucket Policy is set to deny HTTP requests
# description: >-
#   S3 accepts plain HTTP as well as HTTPS unless the bucket policy refuses it; allowing HTTPS is
#   not enough. The bucket policy must have a Deny statement for every principal ("*") and every
#   S3 action ("s3:*" or "*") on the bucket's objects whose only condition is Bool (or
#   BoolIfExists) aws:SecureTransport false. The value may be the string "false" or the boolean
#   false; a condition narrowed by further keys or operators does not count.
# custom:
#   id: AWS.S3.Bucket.DenyInsecureTransport
#   severity: MEDIUM
#   resource_types: [AWS.S3.Bucket]
#   remediation: >-
#     Add this statement to the bucket policy (aws s3api put-bucket-policy):
#     {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
#     "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"], "Condition": {"Bool":
#     {"aws:SecureTransport": "false"}}}
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
#     - https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
#   compliance:
#     cis-aws-foundations-3.0: ["2.1.1"]
package palisade.aws.s3.bucket_deny_insecure_transport

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

policy := object.get(input.attributes, "Policy", null)

# Resources are compared without their partition (aws, aws-cn, aws-us-gov).
objects_prefix := sprintf("s3:::%s/", [input.name])

without_partition(resource) := substring(resource, indexof(resource, ":s3:::") + 1, -1) if {
	startswith(resource, "arn:")
	contains(resource, ":s3:::")
}

everyone(principal) if principal == "*"

everyone(principal) if {
	is_object(principal)
	some p in as_list(object.get(principal, "AWS", []))
	p == "*"
}

all_s3_actions(stmt) if {
	some action in as_list(stmt.Action)
	lower(action) in {"*", "s3:*"}
}

# A resource pattern covers every object of the bucket when it is "*" or a prefix of
# "arn:PARTITION:s3:::BUCKET/" followed by a single trailing "*".
covers_objects(resource) if resource == "*"

covers_objects(resource) if {
	endswith(resource, "*")
	prefix := trim_suffix(without_partition(resource), "*")
	not contains(prefix, "*")
	not contains(prefix, "?")
	startswith(objects_prefix, prefix)
}

false_value(v) if v == false

false_value(v) if {
	is_string(v)
	lower(v) == "false"
}

# Every value of the condition (a single value or a list) is false.
all_false(value) if {
	not is_array(value)
	false_value(value)
}

all_false(value) if {
	is_array(value)
	count(value) > 0
	every v in value {
		false_value(v)
	}
}

# The condition is exactly {Bool: {aws:SecureTransport: false}} (BoolIfExists accepted; condition
# keys are case-insensitive).
insecure_transport_only(condition) if {
	is_object(condition)
	count(condition) == 1
	some operator, keys in condition
	operator in {"Bool", "BoolIfExists"}
	count(keys) == 1
	some key, value in keys
	lower(key) == "aws:securetransport"
	all_false(value)
}

denies_http(stmt) if {
	stmt.Effect == "Deny"
	everyone(stmt.Principal)
	all_s3_actions(stmt)
	some resource in as_list(stmt.Resource)
	covers_objects(resource)
	insecure_transport_only(stmt.Condition)
}

deny contains msg if {
	not is_object(policy)
	msg := sprintf("bucket %s has no bucket policy, so requests over plain HTTP are not denied", [input.name])
}

deny contains msg if {
	is_object(policy)
	not some_statement_denies_http
	msg := sprintf("the policy of bucket %s has no statement denying all S3 actions on its objects when aws:SecureTransport is false", [input.name])
}

some_statement_denies_http if {
	is_object(policy)
	some stmt in as_list(object.get(policy, "Statement", []))
	denies_http(stmt)
}

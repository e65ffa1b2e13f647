# METADATA
# title: Ensure that public access is not given to RDS Instance
# description: >-
#   A publicly accessible instance gets a DNS name that resolves to a public address, so anyone on
#   the internet whom its security groups let through can try to log in to the database. The
#   PubliclyAccessible flag must be off. (CIS also checks that the instance's subnets have no
#   route to an internet gateway; route tables are not collected, so that part is not evaluated.)
# custom:
#   id: AWS.RDS.DBInstance.NoPublicAccess
#   severity: HIGH
#   resource_types: [AWS.RDS.DBInstance]
#   remediation: >-
#     aws rds modify-db-instance --db-instance-identifier ID --no-publicly-accessible
#     --apply-immediately, and place the instance in private subnets (a DB subnet group whose
#     subnets do not route 0.0.0.0/0 to an internet gateway). Reach it through a VPN, bastion or
#     SSM port forwarding instead.
#   references:
#     - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding
#   compliance:
#     cis-aws-foundations-3.0: ["2.3.3"]
package palisade.aws.rds.instance_no_public_access

endpoint_text := sprintf(" at %s:%v", [input.attributes.Endpoint.Address, input.attributes.Endpoint.Port])

default endpoint_suffix := ""

endpoint_suffix := endpoint_text

deny contains msg if {
	input.attributes.PubliclyAccessible == true
	msg := sprintf("RDS instance %s is publicly accessible%s", [input.name, endpoint_suffix])
}

# METADATA
# title: Ensure that all the expired SSL/TLS certificates stored in AWS IAM are removed
# description: >-
#   An expired server certificate left in IAM can be deployed to a load balancer or CloudFront
#   distribution by mistake, breaking HTTPS for clients. Certificates whose expiration date has
#   passed must be deleted.
# custom:
#   id: AWS.IAM.ServerCertificate.Expired
#   severity: LOW
#   resource_types: [AWS.IAM.ServerCertificate]
#   remediation: >-
#     Make sure no load balancer or distribution still uses the certificate, then delete it with
#     aws iam delete-server-certificate --server-certificate-name NAME (the console cannot). Use
#     AWS Certificate Manager, which renews certificates, where the region supports it.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.19"]
package palisade.aws.iam.server_certificate_expired

ns_per_day := ((24 * 60) * 60) * 1000000000

deny contains msg if {
	is_string(input.attributes.Expiration)
	expires := time.parse_rfc3339_ns(input.attributes.Expiration)
	expires < data.palisade.now_ns
	days := floor((data.palisade.now_ns - expires) / ns_per_day)
	msg := sprintf("server certificate %s expired on %s (%d days ago)", [input.attributes.ServerCertificateName, input.attributes.Expiration, days])
}

# METADATA
# title: Ensure rotation for customer-created symmetric CMKs is enabled
# description: >-
#   Automatic rotation gives a customer managed key new key material every year (or the period
#   set) while keeping the old material to decrypt existing data, which limits how much data any
#   one compromised key version exposes. It applies to customer managed symmetric encryption keys
#   with KMS-generated material; AWS managed keys (rotated by AWS), asymmetric and HMAC keys,
#   imported or custom key store material, and keys pending deletion are not evaluated.
# custom:
#   id: AWS.KMS.Key.RotationEnabled
#   severity: MEDIUM
#   resource_types: [AWS.KMS.Key]
#   remediation: >-
#     aws kms enable-key-rotation --key-id KEY (optionally --rotation-period-in-days between 90
#     and 2560).
#   remediation_id: kms-enable-key-rotation
#   references:
#     - https://docs.aws.amazon.com/kms/latest/developerguide/rotating-keys.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.6"]
package palisade.aws.kms.key_rotation

default applies := false

# The collector reports KeyRotationEnabled as null wherever rotation does not apply.
applies if {
	input.attributes.KeyManager == "CUSTOMER"
	input.attributes.KeyState != "PendingDeletion"
	is_boolean(input.attributes.KeyRotationEnabled)
}

deny contains msg if {
	applies
	input.attributes.KeyRotationEnabled == false
	msg := sprintf("KMS key %s (%s) does not rotate its key material automatically", [input.name, input.attributes.KeyId])
}

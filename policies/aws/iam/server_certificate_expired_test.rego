package palisade.aws.iam.server_certificate_expired_test

import data.palisade.aws.iam.server_certificate_expired as policy

# 2024-06-01T00:00:00Z
now := 1717200000000000000

cert(expiration) := {"name": "www", "type": "AWS.IAM.ServerCertificate", "attributes": {
	"ServerCertificateName": "www", "ServerCertificateId": "ASCA1", "Path": "/",
	"Arn": "arn:aws:iam::111122223333:server-certificate/www",
	"UploadDate": "2023-01-01T00:00:00Z", "Expiration": expiration,
}}

test_expired_certificate_fails if {
	policy.deny == {"server certificate www expired on 2024-05-02T00:00:00Z (30 days ago)"} with input as cert("2024-05-02T00:00:00Z") with data.palisade.now_ns as now
}

test_valid_certificate_passes if {
	count(policy.deny) == 0 with input as cert("2025-01-01T00:00:00Z") with data.palisade.now_ns as now
}

test_certificate_expiring_later_today_passes if {
	count(policy.deny) == 0 with input as cert("2024-06-01T23:59:59Z") with data.palisade.now_ns as now
}

test_certificate_expired_a_second_ago_fails if {
	count(policy.deny) == 1 with input as cert("2024-05-31T23:59:59Z") with data.palisade.now_ns as now
}

test_offset_timestamps_are_understood if {
	count(policy.deny) == 1 with input as cert("2024-06-01T01:00:00+02:00") with data.palisade.now_ns as now
}

test_missing_expiration_passes if {
	count(policy.deny) == 0 with input as cert(null) with data.palisade.now_ns as now
}

//! What a trail's event selectors log: all management events (CIS 3.1) and S3 object-level
//! events for every bucket (CIS 3.8 writes, 3.9 reads). Pure: reads GetEventSelectors' answer.

use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, AdvancedFieldSelector, ReadWriteType};

/// The one operator a field selector uses and its values, when it uses exactly one.
fn sole_operator(f: &AdvancedFieldSelector) -> Option<(&'static str, &[String])> {
    let ops: [(&'static str, &[String]); 6] = [
        ("Equals", f.equals()),
        ("StartsWith", f.starts_with()),
        ("EndsWith", f.ends_with()),
        ("NotEquals", f.not_equals()),
        ("NotStartsWith", f.not_starts_with()),
        ("NotEndsWith", f.not_ends_with()),
    ];
    let mut used = ops.into_iter().filter(|(_, v)| !v.is_empty());
    let first = used.next()?;
    used.next().is_none().then_some(first)
}

fn equals_exactly(f: &AdvancedFieldSelector, value: &str) -> bool {
    matches!(sole_operator(f), Some(("Equals", [v])) if v == value)
}

/// `arn:{partition}:s3` or `arn:{partition}:s3:::`, the data-resource values meaning every bucket.
fn is_every_bucket(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("arn:") else { return false };
    let Some((partition, tail)) = rest.split_once(':') else { return false };
    !partition.is_empty() && (tail == "s3" || tail == "s3:::")
}

/// Whether the selectors log every management event, read and write, from every source. A trail
/// that never had selectors set (both lists empty) logs all management events, as AWS defaults.
pub(super) fn includes_all_management_events(s: &GetEventSelectorsOutput) -> bool {
    let (basic, advanced) = (s.event_selectors(), s.advanced_event_selectors());
    if basic.is_empty() && advanced.is_empty() {
        return true;
    }
    let basic_all = basic.iter().any(|e| {
        e.include_management_events().unwrap_or(true)
            && e.read_write_type().is_none_or(|t| *t == ReadWriteType::All)
            && e.exclude_management_event_sources().is_empty()
    });
    // An advanced selector covers all management events only with no other field than the category.
    let advanced_all = advanced.iter().any(|a| {
        let fields = a.field_selectors();
        !fields.is_empty() && fields.iter().all(|f| f.field() == "eventCategory" && equals_exactly(f, "Management"))
    });
    basic_all || advanced_all
}

/// `(write, read)`: whether the advanced selector logs S3 object events of that kind for every
/// bucket. Any narrowing field other than a read-only split makes it `None`.
fn advanced_s3_object_events(a: &AdvancedEventSelector) -> Option<(bool, bool)> {
    let (mut data, mut s3, mut write, mut read) = (false, false, true, true);
    for f in a.field_selectors() {
        match f.field() {
            "eventCategory" if equals_exactly(f, "Data") => data = true,
            "resources.type" if equals_exactly(f, "AWS::S3::Object") => s3 = true,
            "readOnly" => {
                (write, read) = match sole_operator(f) {
                    Some(("Equals", [v])) if v == "true" => (false, true),
                    Some(("Equals", [v])) if v == "false" => (true, false),
                    Some(("NotEquals", [v])) if v == "false" => (false, true),
                    Some(("NotEquals", [v])) if v == "true" => (true, false),
                    _ => return None,
                }
            }
            "resources.ARN" => match sole_operator(f) {
                Some(("StartsWith", values)) if values.iter().all(|v| is_every_bucket(v)) => {}
                _ => return None,
            },
            _ => return None,
        }
    }
    (data && s3).then_some((write, read))
}

/// `(S3Write, S3Read)`: whether some selector logs S3 object-level events of that kind for every
/// bucket.
pub(super) fn s3_data_events(s: &GetEventSelectorsOutput) -> (bool, bool) {
    let (mut write, mut read) = (false, false);
    for e in s.event_selectors() {
        let every_bucket = e
            .data_resources()
            .iter()
            .any(|d| d.r#type() == Some("AWS::S3::Object") && d.values().iter().any(|v| is_every_bucket(v)));
        if !every_bucket {
            continue;
        }
        match e.read_write_type() {
            None | Some(ReadWriteType::All) => (write, read) = (true, true),
            Some(ReadWriteType::ReadOnly) => read = true,
            Some(ReadWriteType::WriteOnly) => write = true,
            Some(_) => {}
        }
    }
    for (w, r) in s.advanced_event_selectors().iter().filter_map(advanced_s3_object_events) {
        write |= w;
        read |= r;
    }
    (write, read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{DataResource, EventSelector};

    fn field(name: &str, equals: &[&str]) -> AdvancedFieldSelector {
        let mut b = AdvancedFieldSelector::builder().field(name);
        for v in equals {
            b = b.equals(*v);
        }
        b.build().expect("field selector")
    }

    fn advanced(fields: Vec<AdvancedFieldSelector>) -> AdvancedEventSelector {
        AdvancedEventSelector::builder().set_field_selectors(Some(fields)).build().expect("advanced selector")
    }

    fn selectors(basic: Vec<EventSelector>, adv: Vec<AdvancedEventSelector>) -> GetEventSelectorsOutput {
        GetEventSelectorsOutput::builder()
            .set_event_selectors(Some(basic))
            .set_advanced_event_selectors(Some(adv))
            .build()
    }

    fn basic(rw: ReadWriteType, management: bool, s3_values: &[&str]) -> EventSelector {
        let mut b = EventSelector::builder().read_write_type(rw).include_management_events(management);
        if !s3_values.is_empty() {
            let mut d = DataResource::builder().r#type("AWS::S3::Object");
            for v in s3_values {
                d = d.values(*v);
            }
            b = b.data_resources(d.build());
        }
        b.build()
    }

    #[test]
    fn management_events_from_basic_selectors() {
        assert!(includes_all_management_events(&selectors(vec![], vec![])), "the AWS default");
        assert!(includes_all_management_events(&selectors(vec![basic(ReadWriteType::All, true, &[])], vec![])));
        assert!(!includes_all_management_events(&selectors(vec![basic(ReadWriteType::WriteOnly, true, &[])], vec![])));
        assert!(!includes_all_management_events(&selectors(vec![basic(ReadWriteType::All, false, &[])], vec![])));
        let excluding = EventSelector::builder()
            .read_write_type(ReadWriteType::All)
            .include_management_events(true)
            .exclude_management_event_sources("kms.amazonaws.com")
            .build();
        assert!(!includes_all_management_events(&selectors(vec![excluding], vec![])));
        let two = vec![basic(ReadWriteType::ReadOnly, true, &[]), basic(ReadWriteType::All, true, &[])];
        assert!(includes_all_management_events(&selectors(two, vec![])));
    }

    #[test]
    fn management_events_from_advanced_selectors() {
        let all = advanced(vec![field("eventCategory", &["Management"])]);
        assert!(includes_all_management_events(&selectors(vec![], vec![all])));
        let writes = advanced(vec![field("eventCategory", &["Management"]), field("readOnly", &["false"])]);
        assert!(!includes_all_management_events(&selectors(vec![], vec![writes])));
        let data = advanced(vec![field("eventCategory", &["Data"]), field("resources.type", &["AWS::S3::Object"])]);
        assert!(!includes_all_management_events(&selectors(vec![], vec![data])));
    }

    #[test]
    fn s3_data_events_from_basic_selectors() {
        let s = |rw, values: &[&str]| s3_data_events(&selectors(vec![basic(rw, true, values)], vec![]));
        assert_eq!(s(ReadWriteType::All, &["arn:aws:s3"]), (true, true));
        assert_eq!(s(ReadWriteType::All, &["arn:aws:s3:::"]), (true, true));
        assert_eq!(s(ReadWriteType::WriteOnly, &["arn:aws:s3"]), (true, false));
        assert_eq!(s(ReadWriteType::ReadOnly, &["arn:aws-cn:s3:::"]), (false, true));
        assert_eq!(s(ReadWriteType::All, &["arn:aws:s3:::one-bucket/"]), (false, false), "one bucket is not all");
        assert_eq!(s(ReadWriteType::All, &[]), (false, false));
        let both = vec![
            basic(ReadWriteType::WriteOnly, true, &["arn:aws:s3"]),
            basic(ReadWriteType::ReadOnly, false, &["arn:aws:s3"]),
        ];
        assert_eq!(s3_data_events(&selectors(both, vec![])), (true, true));
    }

    #[test]
    fn s3_data_events_from_advanced_selectors() {
        let s3 = || vec![field("eventCategory", &["Data"]), field("resources.type", &["AWS::S3::Object"])];
        let s = |extra: Vec<AdvancedFieldSelector>| {
            let mut fields = s3();
            fields.extend(extra);
            s3_data_events(&selectors(vec![], vec![advanced(fields)]))
        };
        assert_eq!(s(vec![]), (true, true));
        assert_eq!(s(vec![field("readOnly", &["true"])]), (false, true));
        assert_eq!(s(vec![field("readOnly", &["false"])]), (true, false));
        let not_read_only = AdvancedFieldSelector::builder().field("readOnly").not_equals("true").build().unwrap();
        assert_eq!(s(vec![not_read_only]), (true, false));
        let every =
            AdvancedFieldSelector::builder().field("resources.ARN").starts_with("arn:aws:s3:::").build().unwrap();
        assert_eq!(s(vec![every]), (true, true));
        let one =
            AdvancedFieldSelector::builder().field("resources.ARN").starts_with("arn:aws:s3:::logs/").build().unwrap();
        assert_eq!(s(vec![one]), (false, false));
        assert_eq!(s(vec![field("eventName", &["PutObject"])]), (false, false));
        let lambda =
            advanced(vec![field("eventCategory", &["Data"]), field("resources.type", &["AWS::Lambda::Function"])]);
        assert_eq!(s3_data_events(&selectors(vec![], vec![lambda])), (false, false));
    }
}

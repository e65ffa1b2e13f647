//! docs/remediation.md names every action with each of its calls and IAM actions, and every
//! parameter, so the page cannot fall behind the code.

use palisade_remediate::Action;

#[test]
fn the_remediation_page_documents_every_action_call_and_parameter() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/remediation.md"))
        .expect("docs/remediation.md");
    for action in Action::ALL {
        let spec = action.spec();
        assert!(page.contains(&format!("| `{}` |", spec.id)), "{} is not in the actions table", spec.id);
        for call in spec.calls {
            let row = format!("| {} {} | `{}` |", call.sdk_service, call.operation, call.iam_action);
            assert!(page.contains(&row), "{}: no row {row:?}", spec.id);
        }
        for param in spec.params {
            assert!(page.contains(&format!("`{}`", param.name)), "{}: parameter {} undocumented", spec.id, param.name);
        }
    }
}

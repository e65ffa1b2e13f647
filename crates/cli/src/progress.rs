//! A progress bar on a terminal; nothing when stderr is not one.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use palisade_engine::ProgressEvent;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub fn reporter() -> (Arc<dyn Fn(ProgressEvent) + Send + Sync>, Option<ProgressBar>) {
    if !std::io::stderr().is_terminal() {
        return (Arc::new(|_| {}), None);
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} collectors  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let resources = Arc::new(AtomicU64::new(0));
    let handle = bar.clone();
    let report = move |event: ProgressEvent| match event {
        ProgressEvent::Planned { tasks, regions } => {
            handle.set_length(tasks as u64);
            handle.set_message(format!("{regions} regions"));
        }
        ProgressEvent::TaskFinished { service, region } => {
            handle.inc(1);
            handle.set_message(format!("{} resources, last {service}/{region}", resources.load(Ordering::Relaxed)));
        }
        ProgressEvent::Resource => {
            resources.fetch_add(1, Ordering::Relaxed);
        }
    };
    (Arc::new(report), Some(bar))
}

//! The real-time event queue: the SQS queue in the Palisade account that every source's
//! EventBridge rule forwards CloudTrail events to. Palisade reads it with its own identity.

use super::context::AwsConnector;
use super::error::api_error;
use crate::CollectError;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use std::time::Duration;

/// One message as received: its body and what is needed to delete or release it.
#[derive(Debug, Clone)]
pub struct QueueMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    /// How many times SQS has handed this message out (1 on the first receive).
    pub receive_count: u32,
}

/// A client for one queue.
#[derive(Clone, Debug)]
pub struct EventQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl EventQueue {
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits up to `wait` (long polling, at most 20 s) for up to `max` (at most 10) messages, and
    /// hides them from other consumers for `visibility`.
    pub async fn receive(
        &self,
        max: i32,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, CollectError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .visibility_timeout(visibility.as_secs().min(43_200) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| api_error("sqs", self.region(), "ReceiveMessage", e))?;
        Ok(out
            .messages()
            .iter()
            .filter_map(|m| {
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                Some(QueueMessage {
                    message_id: m.message_id()?.to_string(),
                    receipt_handle: m.receipt_handle()?.to_string(),
                    body: m.body().unwrap_or_default().to_string(),
                    receive_count,
                })
            })
            .collect())
    }

    /// Removes a handled message for good.
    pub async fn delete(&self, message: &QueueMessage) -> Result<(), CollectError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&message.receipt_handle)
            .send()
            .await
            .map_err(|e| api_error("sqs", self.region(), "DeleteMessage", e))?;
        Ok(())
    }

    /// Hands a message back to the queue after `delay`, to be received again (its rescan failed).
    pub async fn release(&self, message: &QueueMessage, delay: Duration) -> Result<(), CollectError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(&message.receipt_handle)
            .visibility_timeout(delay.as_secs().min(43_200) as i32)
            .send()
            .await
            .map_err(|e| api_error("sqs", self.region(), "ChangeMessageVisibility", e))?;
        Ok(())
    }

    fn region(&self) -> &str {
        self.client.config().region().map(|r| r.as_ref()).unwrap_or("unknown")
    }

    /// The queue's ARN, read off its URL (`.../{account}/{name}`) and region: what the real-time
    /// StackSet's rules target. `None` when the URL does not end in an account and a name.
    pub fn arn(&self) -> Option<String> {
        queue_arn(&self.url, self.region())
    }
}

fn queue_arn(url: &str, region: &str) -> Option<String> {
    let path = url.split("://").nth(1)?.split_once('/')?.1.trim_end_matches('/');
    let (account, name) = path.split_once('/')?;
    let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if !valid_account || name.is_empty() || name.contains('/') {
        return None;
    }
    let region = palisade_model::Region::new(region).ok()?;
    Some(crate::aws::arn::regional("sqs", &region, account, name))
}

/// The region in a queue URL (`https://sqs.{region}.amazonaws.com/{account}/{name}`), if it names one.
fn url_region(url: &str) -> Option<&str> {
    let host = url.split("://").nth(1)?.split('/').next()?;
    let mut parts = host.split('.');
    match (parts.next(), parts.next()) {
        (Some("sqs"), Some(region)) if region.contains('-') => Some(region),
        _ => None,
    }
}

impl AwsConnector {
    /// A client for the queue at `url`, with Palisade's own credentials, in the URL's region (or
    /// the configured one for a URL without a region, e.g. an emulator's).
    pub fn event_queue(&self, url: &str) -> EventQueue {
        let mut conf = aws_sdk_sqs::config::Builder::from(self.base_config());
        if let Some(region) = url_region(url) {
            conf = conf.region(aws_types::region::Region::new(region.to_string()));
        }
        EventQueue { client: aws_sdk_sqs::Client::from_conf(conf.build()), url: url.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_region_from_a_queue_url() {
        assert_eq!(url_region("https://sqs.eu-west-1.amazonaws.com/123456789012/palisade-events"), Some("eu-west-1"));
        assert_eq!(url_region("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"), Some("cn-north-1"));
        assert_eq!(url_region("http://127.0.0.1:5000/123456789012/q"), None);
        assert_eq!(url_region("not a url"), None);
    }

    #[test]
    fn the_arn_comes_from_the_url_and_the_region() {
        let url = "https://sqs.eu-west-1.amazonaws.com/123456789012/palisade-events";
        assert_eq!(queue_arn(url, "eu-west-1").as_deref(), Some("arn:aws:sqs:eu-west-1:123456789012:palisade-events"));
        let china = "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q";
        assert_eq!(queue_arn(china, "cn-north-1").as_deref(), Some("arn:aws-cn:sqs:cn-north-1:123456789012:q"));
        let emulator = "http://127.0.0.1:5000/123456789012/q";
        assert_eq!(queue_arn(emulator, "us-east-1").as_deref(), Some("arn:aws:sqs:us-east-1:123456789012:q"));
        assert_eq!(queue_arn("http://127.0.0.1:5000/q", "us-east-1"), None);
        assert_eq!(queue_arn("http://127.0.0.1:5000/12345/q", "us-east-1"), None);
    }
}

//! E-mail copies of inbox notices, when an SMTP relay is configured — never required.
//!
//! `YOUXIANG_SMTP_URL` names the relay (`smtp://host:25`, plain SMTP to a relay inside the
//! network, as government intranets run them; `smtps://…` is not supported);
//! `YOUXIANG_SMTP_FROM` the sender (default `youxiang@localhost`). A failed send never
//! fails the action that caused the notice: the notice records what happened.

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::manage::Notice;

pub(crate) struct Mailer {
    host: String,
    port: u16,
    from: String,
}

impl Mailer {
    /// The mailer configured by the environment, if any.
    pub(crate) fn from_env() -> Option<Mailer> {
        let url = std::env::var("YOUXIANG_SMTP_URL").ok()?;
        let rest = url.strip_prefix("smtp://")?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (rest.trim_end_matches('/').to_string(), 25),
        };
        let from =
            std::env::var("YOUXIANG_SMTP_FROM").unwrap_or_else(|_| "youxiang@localhost".into());
        Some(Mailer { host, port, from })
    }

    /// Sends the notice; returns what happened, in words kept with the notice.
    pub(crate) async fn send(&self, to: &str, notice: &Notice) -> String {
        match self.try_send(to, notice).await {
            Ok(()) => format!("已发送至 {to}"),
            Err(e) => format!("发送至 {to} 失败:{e}"),
        }
    }

    async fn try_send(&self, to: &str, notice: &Notice) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.parse().map_err(|e| format!("发件人地址:{e}"))?)
            .to(to.parse().map_err(|e| format!("收件人地址:{e}"))?)
            .subject(format!("【七优享】{}", notice.title))
            .header(ContentType::TEXT_PLAIN)
            .body(format!(
                "{}\n\n{}\n\n(youxiang 站内消息 {},请登录系统查看:{})",
                notice.title, notice.body, notice.id, notice.link
            ))
            .map_err(|e| e.to_string())?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        transport.send(message).await.map_err(|e| e.to_string())?;
        Ok(())
    }
}

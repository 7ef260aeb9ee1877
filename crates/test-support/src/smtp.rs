//! A real SMTP server on 127.0.0.1 for the mail suites: the mailer under test connects over TCP
//! and speaks the whole dialogue (greeting, EHLO, AUTH, MAIL, RCPT, DATA, QUIT), so what the
//! tests look at is exactly what a provider's server would have received.
//!
//! It is deliberately strict where real servers may be lenient: it offers neither 8BITMIME nor
//! SMTPUTF8, so a message only arrives if it is 7-bit clean with ASCII addresses (what every
//! server takes). No TLS: tests use `SmtpSecurity::None`.
//!
//! ```ignore
//! let receiver = SmtpReceiver::start().await;
//! // … send to 127.0.0.1:receiver.port() …
//! let mail = &receiver.wait_for(1, Duration::from_secs(5)).await[0];
//! assert_eq!(mail.parsed().subject, "Vorabankündigung");
//! ```

use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use mailparse::MailHeaderMap;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the receiver answers; changeable while it runs ([`SmtpReceiver::set_behaviour`]), taking
/// effect from the next command on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// Recipients answered `550 5.1.1` at RCPT TO (compared without case).
    pub refuse_recipients: Vec<String>,
    /// The reply to the end of DATA instead of accepting, e.g. `(451, "4.3.0 try again later")`.
    pub fail_data_with: Option<(u16, String)>,
    /// User name and password: MAIL FROM without a successful AUTH is answered 530, wrong
    /// credentials 535. Without it any AUTH is accepted (and recorded).
    pub require_auth: Option<(String, String)>,
}

/// One message the receiver accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender, without angle brackets or parameters.
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, with its CRLF line ends, without the final `.`.
    pub data: Vec<u8>,
    /// User name and password of the AUTH on this connection, if there was one.
    pub auth: Option<(String, String)>,
    /// What the receiver answered to DATA (`250 2.0.0 Ok: queued as N`).
    pub reply: String,
}

/// A mailbox from an address header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAddress {
    pub name: Option<String>,
    pub address: String,
}

/// A received message read the way a mail program reads it: headers decoded (RFC 2047), the
/// MIME parts apart, each body decoded from its transfer encoding and charset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMail {
    pub subject: String,
    pub from: Vec<ParsedAddress>,
    pub to: Vec<ParsedAddress>,
    pub message_id: String,
    /// The Date header as written.
    pub date: String,
    /// The Date header as seconds since 1970, if it parses.
    pub date_timestamp: Option<i64>,
    /// The message's own Content-Type, e.g. `multipart/alternative`.
    pub content_type: String,
    /// `(mime type, charset)` of every leaf part in order.
    pub part_types: Vec<(String, String)>,
    /// The first text/plain part.
    pub text: Option<String>,
    /// The first text/html part.
    pub html: Option<String>,
    /// Every header of the message (not of its parts), decoded, in order.
    pub headers: Vec<(String, String)>,
}

impl ReceivedMail {
    /// Panics with the raw message when it is not a readable e-mail.
    pub fn parsed(&self) -> ParsedMail {
        let raw = String::from_utf8_lossy(&self.data);
        let mail = mailparse::parse_mail(&self.data)
            .unwrap_or_else(|error| panic!("unreadable message ({error}):\n{raw}"));
        let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
        let addresses = |name: &str| -> Vec<ParsedAddress> {
            let Some(header) = mail.headers.get_first_header(name) else {
                return Vec::new();
            };
            let list = mailparse::addrparse_header(header)
                .unwrap_or_else(|error| panic!("unreadable {name} header ({error}):\n{raw}"));
            list.iter()
                .flat_map(|addr| match addr {
                    mailparse::MailAddr::Single(single) => vec![single.clone()],
                    mailparse::MailAddr::Group(group) => group.addrs.clone(),
                })
                .map(|single| ParsedAddress {
                    name: single.display_name,
                    address: single.addr,
                })
                .collect()
        };
        let mut leaves = Vec::new();
        collect_leaves(&mail, &mut leaves);
        let body_of = |mime: &str| {
            leaves
                .iter()
                .find(|part| part.ctype.mimetype == mime)
                .map(|part| {
                    part.get_body()
                        .unwrap_or_else(|error| panic!("unreadable {mime} part ({error}):\n{raw}"))
                })
        };
        let date = header("Date");
        ParsedMail {
            subject: header("Subject"),
            from: addresses("From"),
            to: addresses("To"),
            message_id: header("Message-ID"),
            date_timestamp: mailparse::dateparse(&date).ok(),
            date,
            content_type: mail.ctype.mimetype.clone(),
            part_types: leaves
                .iter()
                .map(|part| (part.ctype.mimetype.clone(), part.ctype.charset.clone()))
                .collect(),
            text: body_of("text/plain"),
            html: body_of("text/html"),
            headers: mail
                .headers
                .iter()
                .map(|h| (h.get_key(), h.get_value()))
                .collect(),
        }
    }
}

fn collect_leaves<'a>(
    part: &'a mailparse::ParsedMail<'a>,
    out: &mut Vec<&'a mailparse::ParsedMail<'a>>,
) {
    if part.subparts.is_empty() {
        out.push(part);
    } else {
        for sub in &part.subparts {
            collect_leaves(sub, out);
        }
    }
}

#[derive(Default)]
struct State {
    behaviour: Behaviour,
    messages: Vec<ReceivedMail>,
    /// Numbers the queue ids of accepted messages, across connections.
    accepted: u64,
}

/// The running server; stops when dropped.
pub struct SmtpReceiver {
    port: u16,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpReceiver {
    /// A receiver that accepts everything, on a free port of 127.0.0.1.
    pub async fn start() -> SmtpReceiver {
        Self::start_with(Behaviour::default()).await
    }

    pub async fn start_with(behaviour: Behaviour) -> SmtpReceiver {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("the SMTP receiver binds 127.0.0.1:0");
        let port = listener.local_addr().expect("a bound address").port();
        let state = Arc::new(Mutex::new(State {
            behaviour,
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(Session::new(stream, shared.clone()).run());
            }
        });
        SmtpReceiver { port, state, task }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.state.lock().unwrap().messages.clone()
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.state.lock().unwrap().behaviour = behaviour;
    }

    /// The messages once there are at least `n`; panics after `timeout` saying how many came.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if tokio::time::Instant::now() >= deadline {
                let seen: Vec<String> = messages
                    .iter()
                    .map(|m| format!("{} -> {:?}", m.mail_from, m.rcpt_to))
                    .collect();
                panic!(
                    "the SMTP receiver on 127.0.0.1:{} got {} of {n} messages within {timeout:?}: {seen:?}",
                    self.port,
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (for "the mail server is down"): bound and released
/// at once, so another process could take it in between, which on a test machine does not happen
/// within the moment a test needs.
pub fn unused_port() -> u16 {
    let listener =
        StdTcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("a bound address").port()
}

/// One client connection.
struct Session {
    reader: BufReader<TcpStream>,
    state: Arc<Mutex<State>>,
    auth: Option<(String, String)>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

impl Session {
    fn new(stream: TcpStream, state: Arc<Mutex<State>>) -> Session {
        Session {
            reader: BufReader::new(stream),
            state,
            auth: None,
            mail_from: None,
            rcpt_to: Vec::new(),
        }
    }

    fn behaviour(&self) -> Behaviour {
        self.state.lock().unwrap().behaviour.clone()
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.reader.get_mut().write_all(text.as_bytes()).await?;
        self.reader.get_mut().write_all(b"\r\n").await
    }

    /// A line without its CRLF; `None` when the client has gone.
    async fn line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        if self.reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(Some(line))
    }

    async fn run(mut self) {
        // A client that hangs up mid-dialogue is not the receiver's problem.
        let _ = self.dialogue().await;
    }

    async fn dialogue(&mut self) -> std::io::Result<()> {
        self.reply("220 127.0.0.1 ESMTP lastschrift test receiver")
            .await?;
        while let Some(line) = self.line().await? {
            let line = String::from_utf8_lossy(&line).into_owned();
            let (verb, rest) = line.split_once(' ').unwrap_or((&line, ""));
            match verb.to_ascii_uppercase().as_str() {
                "EHLO" => {
                    self.reply("250-127.0.0.1\r\n250-AUTH PLAIN LOGIN\r\n250 HELP")
                        .await?
                }
                "HELO" => self.reply("250 127.0.0.1").await?,
                "AUTH" => self.auth(rest).await?,
                "MAIL" => self.mail(rest).await?,
                "RCPT" => self.rcpt(rest).await?,
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 Ok").await?
                }
                "NOOP" => self.reply("250 2.0.0 Ok").await?,
                "QUIT" => {
                    self.reply("221 2.0.0 Bye").await?;
                    return Ok(());
                }
                _ => {
                    self.reply("502 5.5.2 Error: command not recognized")
                        .await?
                }
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    async fn auth(&mut self, args: &str) -> std::io::Result<()> {
        let mut words = args.split_whitespace();
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next().map(str::to_owned);
        let credentials = match mechanism.as_str() {
            "PLAIN" => {
                let encoded = match initial {
                    Some(encoded) => encoded,
                    None => {
                        self.reply("334 ").await?;
                        self.text_line().await?
                    }
                };
                // authzid NUL authcid NUL passwd
                decode(&encoded).and_then(|plain| {
                    let mut fields = plain.split('\0').skip(1);
                    Some((fields.next()?.to_owned(), fields.next()?.to_owned()))
                })
            }
            "LOGIN" => {
                let user = match initial {
                    Some(encoded) => encoded,
                    None => {
                        self.reply("334 VXNlcm5hbWU6").await?;
                        self.text_line().await?
                    }
                };
                self.reply("334 UGFzc3dvcmQ6").await?;
                let password = self.text_line().await?;
                decode(&user).zip(decode(&password))
            }
            _ => {
                return self
                    .reply("504 5.5.4 Unrecognized authentication type")
                    .await;
            }
        };
        let Some(credentials) = credentials else {
            return self.reply("501 5.5.2 Cannot decode response").await;
        };
        match self.behaviour().require_auth {
            Some(required) if required != credentials => {
                self.reply("535 5.7.8 Error: authentication failed").await
            }
            _ => {
                self.auth = Some(credentials);
                self.reply("235 2.7.0 Authentication successful").await
            }
        }
    }

    async fn text_line(&mut self) -> std::io::Result<String> {
        let line = self.line().await?.unwrap_or_default();
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    async fn mail(&mut self, args: &str) -> std::io::Result<()> {
        if self.behaviour().require_auth.is_some() && self.auth.is_none() {
            return self.reply("530 5.7.0 Authentication required").await;
        }
        let Some(address) = path_argument(args, "FROM:") else {
            return self.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await;
        };
        self.reset();
        self.mail_from = Some(address);
        self.reply("250 2.1.0 Ok").await
    }

    async fn rcpt(&mut self, args: &str) -> std::io::Result<()> {
        if self.mail_from.is_none() {
            return self.reply("503 5.5.1 Error: need MAIL command").await;
        }
        let Some(address) = path_argument(args, "TO:") else {
            return self.reply("501 5.5.4 Syntax: RCPT TO:<address>").await;
        };
        let refused = self
            .behaviour()
            .refuse_recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&address));
        if refused {
            let reply = format!("550 5.1.1 <{address}>: Recipient address rejected: User unknown");
            return self.reply(&reply).await;
        }
        self.rcpt_to.push(address);
        self.reply("250 2.1.5 Ok").await
    }

    async fn data(&mut self) -> std::io::Result<()> {
        if self.rcpt_to.is_empty() {
            return self.reply("503 5.5.1 Error: need RCPT command").await;
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let mut data = Vec::new();
        loop {
            let mut line = Vec::new();
            if self.reader.read_until(b'\n', &mut line).await? == 0 {
                // The client went away mid-message: nothing was accepted.
                return Ok(());
            }
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            // RFC 5321 4.5.2: a leading dot was doubled by the sender.
            let unstuffed = if line.starts_with(b"..") {
                &line[1..]
            } else {
                &line[..]
            };
            data.extend_from_slice(unstuffed);
        }
        let behaviour = self.behaviour();
        if let Some((code, text)) = behaviour.fail_data_with {
            self.reset();
            return self.reply(&format!("{code} {text}")).await;
        }
        let reply = {
            let mut state = self.state.lock().unwrap();
            state.accepted += 1;
            let reply = format!("250 2.0.0 Ok: queued as {}", state.accepted);
            state.messages.push(ReceivedMail {
                mail_from: self.mail_from.clone().unwrap_or_default(),
                rcpt_to: self.rcpt_to.clone(),
                data,
                auth: self.auth.clone(),
                reply: reply.clone(),
            });
            reply
        };
        self.reset();
        self.reply(&reply).await
    }
}

/// `FROM:<a@b> SIZE=12` → `a@b`.
fn path_argument(args: &str, keyword: &str) -> Option<String> {
    let head = args.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = args[keyword.len()..].trim_start();
    let path = path.split_whitespace().next().unwrap_or("");
    let inner = path.strip_prefix('<')?.strip_suffix('>')?;
    Some(inner.to_owned())
}

fn decode(encoded: &str) -> Option<String> {
    let bytes = BASE64.decode(encoded.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// Talks to the receiver by hand: each command and the reply it gets.
    struct Client {
        reader: BufReader<TcpStream>,
    }

    impl Client {
        async fn connect(port: u16) -> (Client, String) {
            let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .await
                .unwrap();
            let mut client = Client {
                reader: BufReader::new(stream),
            };
            let greeting = client.read_reply().await;
            (client, greeting)
        }

        async fn read_reply(&mut self) -> String {
            let mut reply = String::new();
            loop {
                let mut line = String::new();
                self.reader.read_line(&mut line).await.unwrap();
                reply.push_str(&line);
                // The last line of a reply has a space after the code, the others a dash.
                if line.len() < 4 || line.as_bytes()[3] == b' ' {
                    return reply.trim_end().to_owned();
                }
            }
        }

        async fn say(&mut self, line: &str) -> String {
            self.reader
                .get_mut()
                .write_all(format!("{line}\r\n").as_bytes())
                .await
                .unwrap();
            self.read_reply().await
        }
    }

    #[tokio::test]
    async fn a_hand_written_dialogue_is_received_with_dots_unstuffed() {
        let receiver = SmtpReceiver::start().await;
        let (mut c, greeting) = Client::connect(receiver.port()).await;
        assert!(greeting.starts_with("220 "), "{greeting}");
        let ehlo = c.say("EHLO test").await;
        assert!(ehlo.contains("AUTH PLAIN LOGIN"), "{ehlo}");
        assert!(!ehlo.contains("8BITMIME"), "{ehlo}");
        assert_eq!(c.say("DATA").await, "503 5.5.1 Error: need RCPT command");
        assert_eq!(
            c.say("MAIL FROM:<a@example.com> BODY=7BIT").await,
            "250 2.1.0 Ok"
        );
        assert_eq!(c.say("RCPT TO:<b@example.com>").await, "250 2.1.5 Ok");
        assert!(c.say("DATA").await.starts_with("354 "));
        let end = c
            .say("Subject: hi\r\n\r\n..leading dot\r\nplain\r\n.")
            .await;
        assert_eq!(end, "250 2.0.0 Ok: queued as 1");
        assert_eq!(c.say("NOOP").await, "250 2.0.0 Ok");
        assert_eq!(c.say("QUIT").await, "221 2.0.0 Bye");
        let mut rest = Vec::new();
        c.reader.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "the receiver hangs up after QUIT");

        let messages = receiver.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(messages.len(), 1);
        let mail = &messages[0];
        assert_eq!(mail.mail_from, "a@example.com");
        assert_eq!(mail.rcpt_to, ["b@example.com"]);
        assert_eq!(mail.data, b"Subject: hi\r\n\r\n.leading dot\r\nplain\r\n");
        assert_eq!(mail.auth, None);
        assert_eq!(mail.parsed().subject, "hi");
        assert_eq!(
            mail.parsed().text.as_deref(),
            Some(".leading dot\r\nplain\r\n")
        );
    }

    #[tokio::test]
    async fn rset_forgets_the_transaction_and_the_count_goes_on() {
        let receiver = SmtpReceiver::start().await;
        let (mut c, _) = Client::connect(receiver.port()).await;
        c.say("HELO test").await;
        c.say("MAIL FROM:<a@example.com>").await;
        c.say("RCPT TO:<b@example.com>").await;
        assert_eq!(c.say("RSET").await, "250 2.0.0 Ok");
        assert_eq!(
            c.say("RCPT TO:<b@example.com>").await,
            "503 5.5.1 Error: need MAIL command"
        );
        for n in 1..=2 {
            c.say("MAIL FROM:<a@example.com>").await;
            c.say("RCPT TO:<b@example.com>").await;
            c.say("DATA").await;
            assert_eq!(
                c.say("Subject: x\r\n\r\nx\r\n.").await,
                format!("250 2.0.0 Ok: queued as {n}")
            );
        }
        assert_eq!(receiver.messages().len(), 2);
    }

    #[tokio::test]
    async fn behaviour_refuses_recipients_data_and_unauthenticated_senders() {
        let receiver = SmtpReceiver::start_with(Behaviour {
            refuse_recipients: vec!["Gone@Example.com".into()],
            fail_data_with: Some((451, "4.3.0 try again later".into())),
            require_auth: Some(("user".into(), "pass".into())),
        })
        .await;
        let (mut c, _) = Client::connect(receiver.port()).await;
        c.say("EHLO test").await;
        assert_eq!(
            c.say("MAIL FROM:<a@example.com>").await,
            "530 5.7.0 Authentication required"
        );
        let wrong = BASE64.encode("\0user\0nope");
        assert_eq!(
            c.say(&format!("AUTH PLAIN {wrong}")).await,
            "535 5.7.8 Error: authentication failed"
        );
        assert!(c.say("AUTH LOGIN").await.starts_with("334 "));
        assert!(c.say(&BASE64.encode("user")).await.starts_with("334 "));
        assert_eq!(
            c.say(&BASE64.encode("pass")).await,
            "235 2.7.0 Authentication successful"
        );
        c.say("MAIL FROM:<a@example.com>").await;
        let refused = c.say("RCPT TO:<gone@example.com>").await;
        assert!(
            refused.starts_with("550 5.1.1 <gone@example.com>"),
            "{refused}"
        );
        c.say("RCPT TO:<b@example.com>").await;
        c.say("DATA").await;
        assert_eq!(c.say("x\r\n.").await, "451 4.3.0 try again later");
        assert!(receiver.messages().is_empty());

        receiver.set_behaviour(Behaviour::default());
        c.say("MAIL FROM:<a@example.com>").await;
        c.say("RCPT TO:<gone@example.com>").await;
        c.say("DATA").await;
        assert_eq!(c.say("x\r\n.").await, "250 2.0.0 Ok: queued as 1");
        let mail = &receiver.messages()[0];
        assert_eq!(mail.auth, Some(("user".into(), "pass".into())));
        assert_eq!(mail.rcpt_to, ["gone@example.com"]);
    }

    #[tokio::test]
    #[should_panic(expected = "got 0 of 1 messages")]
    async fn waiting_for_a_message_that_never_comes_panics_with_the_count() {
        let receiver = SmtpReceiver::start().await;
        receiver.wait_for(1, Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn nothing_listens_on_the_unused_port() {
        let port = unused_port();
        let error = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    }
}

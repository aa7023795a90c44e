//! `start()`: a sandbox on port 0 plus a client and a `demo` token, with one helper per kind of
//! call and checks for the two reply shapes (protobuf, plain text).

use edi_sandbox::{DEMO_LOGIN, Sandbox, SandboxBuilder, SandboxHandle};
use prost::Message;

pub struct Upstream {
    pub sb: SandboxHandle,
    pub client: reqwest::Client,
    /// A token of the `demo` user.
    pub token: String,
}

pub async fn start() -> Upstream {
    start_with(Sandbox::builder()).await
}

pub async fn start_with(builder: SandboxBuilder) -> Upstream {
    let sb = builder.spawn().await.expect("sandbox starts");
    let token = sb.issue_token(DEMO_LOGIN).expect("demo exists");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    Upstream { sb, client, token }
}

impl Upstream {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url())
    }

    /// `DiadocAuth` with the developer key and the demo token.
    pub fn auth(&self) -> String {
        self.sb.diadoc_auth(&self.token)
    }

    /// Asserts the (method, path, status) of every journaled call, in order.
    pub fn assert_journal(&self, expected: &[(&str, &str, u16)]) {
        let journal = self.sb.journal();
        let summary: Vec<(&str, &str, u16)> = journal
            .iter()
            .map(|e| (e.method.as_str(), e.path.as_str(), e.status))
            .collect();
        assert_eq!(summary, expected);
    }

    pub fn first_box(&self) -> String {
        self.sb.seed().first_box_id_guid().to_owned()
    }

    /// GET with the demo user's DiadocAuth header.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
        self.get_as(path, query, Some(&self.auth())).await
    }

    /// GET with the given `Authorization` header, or none.
    pub async fn get_as(
        &self,
        path: &str,
        query: &[(&str, &str)],
        authorization: Option<&str>,
    ) -> reqwest::Response {
        let mut r = self.client.get(self.url(path)).query(query);
        if let Some(a) = authorization {
            r = r.header("authorization", a);
        }
        r.send().await.expect("request")
    }

    /// POST a body with the demo user's DiadocAuth header and no Content-Type (protobuf).
    pub async fn post(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .query(query)
            .header("authorization", self.auth())
            .body(body)
            .send()
            .await
            .expect("request")
    }
}

/// Asserts a 200 protobuf reply and decodes it.
pub async fn decode<M: Message + Default>(r: reqwest::Response) -> M {
    let status = r.status();
    let ct = content_type(&r);
    let body = r.bytes().await.expect("body");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ct, "application/x-protobuf");
    M::decode(body).expect("protobuf decodes")
}

/// Asserts a plain-text error with `status` and an `X-Diadoc-ErrorCode`; returns the text.
pub async fn error(r: reqwest::Response, status: u16) -> String {
    assert_eq!(r.status(), status);
    assert_eq!(content_type(&r), "text/plain; charset=utf-8");
    assert!(r.headers().contains_key("x-diadoc-errorcode"));
    assert!(r.headers().contains_key("x-kontur-trace-id"));
    let text = r.text().await.expect("text");
    assert!(!text.is_empty());
    text
}

pub fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

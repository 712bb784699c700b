//! mini_redis against the line dialect's shared checks (`mini_redis::conformance`), the same ones
//! the capstone track's last step runs against the learner's server.

mod common;

use common::TestServer;
use mini_redis::Config;
use mini_redis::codec::Limits;
use std::time::Duration;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_line_dialect_conforms_with_the_default_limits() {
    within(LIMIT, "line-dialect conformance", async {
        let config = Config::default();
        let max_line = config.limits.max_line;
        let server = TestServer::start(config).await;
        if let Err(failure) = mini_redis::conformance::line_dialect(server.addr, max_line).await {
            panic!("mini_redis breaks the line dialect: {failure}");
        }
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_line_dialect_conforms_with_a_short_line_limit() {
    within(LIMIT, "line-dialect conformance, short lines", async {
        let limits = Limits {
            max_line: 100,
            ..Limits::default()
        };
        let server = TestServer::start(Config {
            limits,
            ..Config::default()
        })
        .await;
        if let Err(failure) = mini_redis::conformance::line_dialect(server.addr, 100).await {
            panic!("mini_redis breaks the line dialect: {failure}");
        }
        server.stop().await;
    })
    .await;
}

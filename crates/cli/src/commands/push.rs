//! `burnbar push`: OTLP/HTTP metrics every `--interval`.

use anyhow::{Context, Result, anyhow};
use burnbar_serve::push::{self, PushConfig};

use crate::args::PushArgs;

pub fn run(args: &PushArgs) -> Result<()> {
    let endpoint = reqwest_url(&args.otlp_endpoint)?;
    let mut config = PushConfig::new(endpoint, args.interval);
    if let Some(file) = &args.header_file {
        config.headers = push::read_headers_file(file).map_err(|e| anyhow!(e))?;
    }
    config.headers.extend(args.header.iter().cloned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let running = super::team::start(&args.daemon)?;
    let pusher =
        push::start(&running.source, &config).map_err(|e| anyhow!("OTLP exporter: {e}"))?;
    if args.once {
        pusher
            .shutdown()
            .map_err(|e| anyhow!("pushing to {}: {e}", args.otlp_endpoint))?;
        eprintln!("burnbar: pushed to {}", args.otlp_endpoint);
        return Ok(());
    }
    eprintln!(
        "burnbar: pushing to {} every {}s; Ctrl-C stops",
        args.otlp_endpoint,
        args.interval.as_secs()
    );
    runtime.block_on(super::team::stopped());
    // a last push with what changed since the previous one
    if let Err(e) = pusher.shutdown() {
        eprintln!("burnbar: the last push failed: {e}");
    }
    drop(running);
    Ok(())
}

/// The endpoint, checked: http or https, with a host.
fn reqwest_url(s: &str) -> Result<String> {
    let url = s
        .parse::<http::Uri>()
        .with_context(|| format!("--otlp-endpoint {s:?} is not a URL"))?;
    match (url.scheme_str(), url.host()) {
        (Some("http" | "https"), Some(_)) => Ok(s.to_string()),
        _ => Err(anyhow!(
            "--otlp-endpoint {s:?}: give an http(s) URL such as http://collector:4318/v1/metrics"
        )),
    }
}

//! `--change` instructions (`docker import --change`, `docker commit --change`): the
//! Dockerfile instructions that only touch the config, applied to an
//! [OCI config](https://github.com/opencontainers/image-spec/blob/main/config.md#properties).
//!
//! `CMD`, `ENTRYPOINT` (JSON array or shell form), `ENV K=V [K2=V2…]` or `ENV K V`,
//! `WORKDIR`, `USER`, `LABEL k=v…`, `EXPOSE port[/proto]…`, `VOLUME path…` or a JSON
//! array, `STOPSIGNAL`.

use std::collections::HashMap;

use oci_spec::image::Config;

use super::ImageError;

/// The instructions a change may start with (in any case), each followed by its value.
pub const INSTRUCTIONS: &[&str] = &[
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "LABEL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Applies one instruction to a config.
pub fn apply_change(config: &mut Config, change: &str) -> Result<(), ImageError> {
    let bad = |why: &str| ImageError::BadChange {
        change: change.to_string(),
        reason: why.to_string(),
    };
    let change = change.trim();
    let (word, rest) = change
        .split_once(char::is_whitespace)
        .map(|(w, r)| (w, r.trim()))
        .unwrap_or((change, ""));
    if rest.is_empty() {
        return Err(bad("it has no value"));
    }
    match word.to_ascii_uppercase().as_str() {
        "CMD" => config.set_cmd(Some(command(rest).map_err(|e| bad(&e))?)),
        "ENTRYPOINT" => config.set_entrypoint(Some(command(rest).map_err(|e| bad(&e))?)),
        "ENV" => {
            let mut env = config.env().clone().unwrap_or_default();
            for (k, v) in pairs(rest, true).map_err(|e| bad(&e))? {
                env.retain(|e| e.split_once('=').map_or(e.as_str(), |(ek, _)| ek) != k);
                env.push(format!("{k}={v}"));
            }
            config.set_env(Some(env))
        }
        "LABEL" => {
            let mut labels = config.labels().clone().unwrap_or_default();
            for (k, v) in pairs(rest, false).map_err(|e| bad(&e))? {
                labels.insert(k, v);
            }
            config.set_labels(Some(labels))
        }
        "WORKDIR" => config.set_working_dir(Some(rest.to_string())),
        "USER" => config.set_user(Some(rest.to_string())),
        "STOPSIGNAL" => config.set_stop_signal(Some(rest.to_string())),
        "EXPOSE" => {
            let mut ports = config.exposed_ports().clone().unwrap_or_default();
            for p in rest.split_whitespace() {
                let (num, proto) = p.split_once('/').unwrap_or((p, "tcp"));
                if num.parse::<u16>().is_err() || !matches!(proto, "tcp" | "udp" | "sctp") {
                    return Err(bad("a port is NUMBER[/tcp|udp|sctp]"));
                }
                let port = format!("{num}/{proto}");
                if !ports.contains(&port) {
                    ports.push(port);
                }
            }
            config.set_exposed_ports(Some(ports))
        }
        "VOLUME" => {
            let mut vols = config.volumes().clone().unwrap_or_default();
            let new = if rest.starts_with('[') {
                serde_json::from_str::<Vec<String>>(rest).map_err(|e| bad(&e.to_string()))?
            } else {
                rest.split_whitespace().map(String::from).collect()
            };
            for v in new {
                if !vols.contains(&v) {
                    vols.push(v);
                }
            }
            config.set_volumes(Some(vols))
        }
        _ => {
            return Err(bad(
                "only CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME and WORKDIR can be changed",
            ))
        }
    };
    Ok(())
}

/// `["a","b"]` as is; anything else as `/bin/sh -c "…"`, as a Dockerfile does.
fn command(rest: &str) -> Result<Vec<String>, String> {
    if rest.starts_with('[') {
        serde_json::from_str(rest).map_err(|e| format!("not a JSON array of strings: {e}"))
    } else {
        Ok(vec!["/bin/sh".into(), "-c".into(), rest.into()])
    }
}

/// `K=V K2="v 2"` pairs; with `legacy`, also `K V…` (a single pair, the rest the value).
fn pairs(rest: &str, legacy: bool) -> Result<Vec<(String, String)>, String> {
    if legacy && !rest.split_whitespace().next().unwrap_or("").contains('=') {
        let (k, v) = rest
            .split_once(char::is_whitespace)
            .ok_or("expected KEY=VALUE or KEY VALUE")?;
        return Ok(vec![(k.to_string(), v.trim().to_string())]);
    }
    let mut out = Vec::new();
    for word in split_words(rest)? {
        let (k, v) = word.split_once('=').ok_or("expected KEY=VALUE")?;
        if k.is_empty() {
            return Err("a key is empty".into());
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// Splits on spaces outside double quotes, removing the quotes.
fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => cur.extend(chars.next()),
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    Ok(words)
}

/// An empty config (what a fresh rootfs image starts from).
pub fn empty_config() -> Config {
    let mut c = Config::default();
    c.set_labels(None::<HashMap<String, String>>);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_instruction_is_taken_and_no_other() {
        let value = |word: &str| match word {
            "EXPOSE" => "8080/tcp",
            "ENV" | "LABEL" => "K=v",
            _ => "x",
        };
        for word in INSTRUCTIONS {
            let mut c = empty_config();
            apply_change(&mut c, &format!("{} {}", word.to_lowercase(), value(word)))
                .unwrap_or_else(|e| panic!("{word}: {e}"));
        }
        assert!(apply_change(&mut empty_config(), "RUN x").is_err());
    }

    #[test]
    fn applies_dockerfile_style_changes() {
        let mut c = empty_config();
        for change in [
            r#"CMD ["/bin/app", "--serve"]"#,
            "ENTRYPOINT tini --",
            "ENV A=1 B=\"two words\"",
            "ENV A 3",
            "LABEL org.example.team=infra",
            "EXPOSE 8080 53/udp",
            "VOLUME /data",
            "WORKDIR /srv",
            "USER 1000:1000",
        ] {
            apply_change(&mut c, change).unwrap();
        }
        assert_eq!(c.cmd().clone().unwrap(), ["/bin/app", "--serve"]);
        assert_eq!(
            c.entrypoint().clone().unwrap(),
            ["/bin/sh", "-c", "tini --"]
        );
        assert_eq!(c.env().clone().unwrap(), ["B=two words", "A=3"]);
        assert_eq!(c.labels().clone().unwrap()["org.example.team"], "infra");
        assert_eq!(c.exposed_ports().clone().unwrap(), ["8080/tcp", "53/udp"]);
        assert_eq!(c.working_dir().as_deref(), Some("/srv"));
    }

    #[test]
    fn refuses_what_it_cannot_apply() {
        let mut c = empty_config();
        for (change, want) in [
            ("RUN make", "only CMD"),
            ("CMD", "no value"),
            ("EXPOSE http", "a port is"),
            ("CMD [\"unclosed\"", "JSON array"),
        ] {
            let err = apply_change(&mut c, change).unwrap_err().to_string();
            assert!(err.contains(want), "{change}: {err}");
        }
    }
}
